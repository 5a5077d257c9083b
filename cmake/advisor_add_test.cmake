# advisor_add_test(name SOURCES a.cpp b.cpp LIBS lib... [PREFIX p]): one GoogleTest executable, tests
# discovered (their ctest names start with PREFIX, e.g. "transport." for `ctest -R transport`).
function(advisor_add_test name)
  cmake_parse_arguments(arg "" "PREFIX" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_LIBS} GTest::gtest GTest::gtest_main
                        advisor_warnings advisor_sanitizers)
  target_compile_definitions(${name} PRIVATE
    ADVISOR_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    ADVISOR_TEST_DATA="${PROJECT_SOURCE_DIR}/tests")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 TEST_PREFIX "${arg_PREFIX}")
endfunction()
