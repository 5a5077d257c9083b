# AddressSanitizer + UndefinedBehaviorSanitizer when ADVISOR_SANITIZE=ON (the asan preset).
add_library(advisor_sanitizers INTERFACE)
if(ADVISOR_SANITIZE)
  target_compile_options(advisor_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(advisor_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
