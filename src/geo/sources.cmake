target_sources(smartkampung_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/geodesy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/facility_index.cpp
  ${CMAKE_CURRENT_LIST_DIR}/batch_order.cpp
  ${CMAKE_CURRENT_LIST_DIR}/assign.cpp
  ${CMAKE_CURRENT_LIST_DIR}/assign_solver.cpp
  ${CMAKE_CURRENT_LIST_DIR}/load.cpp)
