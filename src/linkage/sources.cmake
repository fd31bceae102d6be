target_sources(smartkampung_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/text.cpp
  ${CMAKE_CURRENT_LIST_DIR}/settings.cpp
  ${CMAKE_CURRENT_LIST_DIR}/engine.cpp
  ${CMAKE_CURRENT_LIST_DIR}/linker.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records_json.cpp)
