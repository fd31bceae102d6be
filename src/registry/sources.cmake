target_sources(smartkampung_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/normalize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records.cpp
  ${CMAKE_CURRENT_LIST_DIR}/registry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dedup.cpp
  ${CMAKE_CURRENT_LIST_DIR}/store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sample.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fuzzy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dedup_parts.cpp)
