# Compiler warnings and sanitizer flags, applied through an INTERFACE target
# (warnings) and globally (sanitizers, which must cover every object).
add_library(skamp_warnings INTERFACE)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(skamp_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
  if(SMARTKAMPUNG_WERROR)
    target_compile_options(skamp_warnings INTERFACE -Werror)
  endif()
endif()

if(SMARTKAMPUNG_SANITIZE)
  set(SKAMP_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${SKAMP_SANITIZER_FLAGS})
  add_link_options(-fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # UBSan's vptr checks in the library need the C++ part of the runtime, which clang
    # links into C programs (test_capi) only when asked.
    add_link_options($<$<LINK_LANGUAGE:C>:-fsanitize-link-c++-runtime>)
    link_libraries($<$<LINK_LANGUAGE:C>:stdc++>)
  endif()
endif()
