target_sources(smartkampung_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/nik.cpp
  ${CMAKE_CURRENT_LIST_DIR}/regions.cpp)
