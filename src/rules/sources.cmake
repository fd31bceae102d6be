target_sources(smartkampung_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/lexer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parser.cpp
  ${CMAKE_CURRENT_LIST_DIR}/check.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compile.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cost.cpp
  ${CMAKE_CURRENT_LIST_DIR}/eval.cpp
  ${CMAKE_CURRENT_LIST_DIR}/canonical.cpp
  ${CMAKE_CURRENT_LIST_DIR}/load.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ruleset.cpp
  ${CMAKE_CURRENT_LIST_DIR}/builtin.cpp)

# The shipped rule sets stay JSON files in data/rules/ and are embedded at build time.
foreach(skamp_rules_name blt-dana-desa bst jatim-bkk sembako-banyuwangi bps-14)
  string(REPLACE "-" "_" skamp_rules_sym ${skamp_rules_name})
  skamp_embed_text(${PROJECT_SOURCE_DIR}/data/rules/${skamp_rules_name}.json
                   ${SKAMP_GEN_DIR}/src/rules_${skamp_rules_sym}.cpp skamp_rules_${skamp_rules_sym})
  target_sources(smartkampung_core PRIVATE ${SKAMP_GEN_DIR}/src/rules_${skamp_rules_sym}.cpp)
endforeach()
