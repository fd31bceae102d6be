target_sources(smartkampung_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/error.cpp
  ${CMAKE_CURRENT_LIST_DIR}/date.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sha256.cpp
  ${CMAKE_CURRENT_LIST_DIR}/large_alloc.cpp
  ${CMAKE_CURRENT_LIST_DIR}/conflicts.cpp)
