# The built-in policy is embedded at build time; data/cert/default-policy.json stays the source.
skamp_embed_text(${PROJECT_SOURCE_DIR}/data/cert/default-policy.json
                 ${SKAMP_GEN_DIR}/src/cert_default_policy.cpp skamp_cert_default_policy)
target_sources(smartkampung_core PRIVATE
  ${SKAMP_GEN_DIR}/src/cert_default_policy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/policy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/engine.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jsonl.cpp
  ${CMAKE_CURRENT_LIST_DIR}/geodesic.cpp
  ${CMAKE_CURRENT_LIST_DIR}/registry.cpp)
