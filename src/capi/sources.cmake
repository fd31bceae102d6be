target_sources(smartkampung_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/common_c.cpp
  ${CMAKE_CURRENT_LIST_DIR}/deprecated_c.cpp)  # the names before 0.2, forwarding to the new ones
# One C layer file per area with a C API (cmake/areas.txt).
foreach(skamp_capi_area IN LISTS SKAMP_C_AREAS)
  target_sources(smartkampung_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/${skamp_capi_area}_c.cpp)
endforeach()
