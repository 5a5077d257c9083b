# Warnings as an INTERFACE target linked PRIVATE, so they never leak into GoogleTest or Boost.
add_library(advisor_warnings INTERFACE)
target_compile_options(advisor_warnings INTERFACE
  -Wall -Wextra -Wpedantic   # the usual suspects
  -Wshadow                   # a local hiding a member is a classic rule-engine bug
  -Wconversion -Wsign-conversion  # ids are 32-bit; silent narrowing hides overflow
  -Wnon-virtual-dtor         # interfaces (handlers, sinks) are deleted through base pointers
  -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wnull-dereference -Wdouble-promotion -Wimplicit-fallthrough
  -Werror
  # GCC 12 reports false -Wrestrict positives inside std::string at -O3 (GCC bug 105329).
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>)
