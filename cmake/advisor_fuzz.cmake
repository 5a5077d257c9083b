# libFuzzer builds (ADVISOR_BUILD_FUZZ, the fuzz preset; clang only). Every library and executable
# already links advisor_sanitizers PRIVATE, so the instrumentation rides on that target rather than
# on global flags: coverage for libFuzzer (fuzzer-no-link: the libraries must not bring a main)
# plus ASan and UBSan. advisor_add_fuzzer() then links libFuzzer itself into each fuzz target.
if(ADVISOR_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ADVISOR_BUILD_FUZZ needs clang (libFuzzer): configure with the fuzz preset")
  endif()
  target_compile_options(advisor_sanitizers INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined
    -fno-sanitize-recover=all  # UB stops the run, so libFuzzer saves the input
    -fno-omit-frame-pointer
    -UNDEBUG)  # RelWithDebInfo defines NDEBUG; a fuzzer wants every assert checked
  target_link_options(advisor_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# advisor_add_fuzzer(name SOURCES a.cpp... LIBS lib...): one libFuzzer executable.
function(advisor_add_fuzzer name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  # Warnings first: a LIBS entry like advisor_asio_warnings must come after them to win.
  target_link_libraries(${name} PRIVATE advisor_warnings advisor_sanitizers ${arg_LIBS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
endfunction()
