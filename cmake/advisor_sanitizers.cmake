# Sanitizers, as an INTERFACE target that every library, executable and test links PRIVATE:
#   ADVISOR_SANITIZE=ON         AddressSanitizer + UndefinedBehaviorSanitizer (the asan preset)
#   ADVISOR_SANITIZE_THREAD=ON  ThreadSanitizer (the tsan preset, for the server tests)
# They exclude each other: ASan and TSan each lay out the whole process's memory.
option(ADVISOR_SANITIZE_THREAD "Build with ThreadSanitizer" OFF)
if(ADVISOR_SANITIZE AND ADVISOR_SANITIZE_THREAD)
  message(FATAL_ERROR "ADVISOR_SANITIZE (ASan + UBSan) and ADVISOR_SANITIZE_THREAD (TSan) can't be combined")
endif()

# -O1 -g1 (after the build type's -O2 -g, so they win): half the compile time of a sanitizer build
# (Asio and Beast are heavy), which CI pays on every run; -O1 is what the sanitizers' authors
# advise anyway, and -g1's line tables still give each frame of a report its file:line (an inlined
# call shows under its caller's name).
set(advisor_sanitizer_build_flags -O1 -g1)

add_library(advisor_sanitizers INTERFACE)
if(ADVISOR_SANITIZE)
  target_compile_options(advisor_sanitizers INTERFACE ${advisor_sanitizer_build_flags}
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(advisor_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
if(ADVISOR_SANITIZE_THREAD)
  # -Wno-tsan: Asio's fenced blocks call std::atomic_thread_fence, which TSan does not model and
  # GCC 12 warns about. Those fences only repeat the ordering Asio's scheduler mutex gives, which
  # TSan does see.
  target_compile_options(advisor_sanitizers INTERFACE ${advisor_sanitizer_build_flags}
    -fsanitize=thread -fno-omit-frame-pointer $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
  target_link_options(advisor_sanitizers INTERFACE -fsanitize=thread)
endif()
