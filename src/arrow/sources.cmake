# The Arrow boundary: producer, consumer, and the tables of every area.
target_sources(smartkampung_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/produce.cpp
  ${CMAKE_CURRENT_LIST_DIR}/consume.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tables.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records.cpp)
