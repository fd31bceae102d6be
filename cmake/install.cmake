include(CMakePackageConfigHelpers)
set(SKAMP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/smartkampung)

install(TARGETS ${SKAMP_INSTALL_TARGETS}
  EXPORT smartkampungTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ ${SKAMP_GEN_DIR}/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT smartkampungTargets
  NAMESPACE smartkampung::
  DESTINATION ${SKAMP_CMAKE_DIR})
configure_package_config_file(cmake/smartkampungConfig.cmake.in
  ${PROJECT_BINARY_DIR}/smartkampungConfig.cmake
  INSTALL_DESTINATION ${SKAMP_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/smartkampungConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/smartkampungConfig.cmake
              ${PROJECT_BINARY_DIR}/smartkampungConfigVersion.cmake
  DESTINATION ${SKAMP_CMAKE_DIR})

# pkg-config: paths relative to the .pc file so that a relocated install works.
file(RELATIVE_PATH SKAMP_PC_REL_PREFIX
  ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
configure_file(cmake/smartkampung.pc.in ${PROJECT_BINARY_DIR}/smartkampung.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/smartkampung.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
