target_sources(smartkampung_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/error.cpp
  ${CMAKE_CURRENT_LIST_DIR}/json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/date.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sha256.cpp
  ${CMAKE_CURRENT_LIST_DIR}/large_alloc.cpp
  ${CMAKE_CURRENT_LIST_DIR}/conflicts.cpp
  ${CMAKE_CURRENT_LIST_DIR}/signing.cpp
  ${CMAKE_CURRENT_LIST_DIR}/store_file.cpp)
# Ed25519 district keys (libsodium from Debian), private to the core.
find_package(PkgConfig REQUIRED)
pkg_check_modules(SKAMP_SODIUM REQUIRED IMPORTED_TARGET libsodium)
target_link_libraries(smartkampung_core PRIVATE PkgConfig::SKAMP_SODIUM)
