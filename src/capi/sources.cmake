target_sources(smartkampung_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/common_c.cpp
  ${CMAKE_CURRENT_LIST_DIR}/nik_c.cpp)
# Each area's C layer adds itself here when its file exists.
foreach(skamp_capi_area registry linkage rules geo cert)
  if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/${skamp_capi_area}_c.cpp)
    target_sources(smartkampung_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/${skamp_capi_area}_c.cpp)
  endif()
endforeach()
