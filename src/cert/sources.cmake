# The built-in policy is embedded at build time; data/cert/default-policy.json stays the source.
skamp_embed_text(${PROJECT_SOURCE_DIR}/data/cert/default-policy.json
                 ${SKAMP_GEN_DIR}/src/cert_default_policy.cpp skamp_cert_default_policy)
target_sources(smartkampung_core PRIVATE
  ${SKAMP_GEN_DIR}/src/cert_default_policy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/policy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/engine.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jsonl.cpp
  ${CMAKE_CURRENT_LIST_DIR}/registry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/codec.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sticker.cpp
  ${CMAKE_CURRENT_LIST_DIR}/qr.cpp)
# QR codes (libqrencode) and zlib, both from Debian; private to the core. Ed25519
# (libsodium) is linked by src/core/sources.cmake, where the keys live.
find_package(PkgConfig REQUIRED)
pkg_check_modules(SKAMP_QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
find_package(ZLIB REQUIRED)
target_link_libraries(smartkampung_core PRIVATE PkgConfig::SKAMP_QRENCODE ZLIB::ZLIB)
