target_sources(smartkampung_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/encoding.cpp
  ${CMAKE_CURRENT_LIST_DIR}/csv.cpp)
