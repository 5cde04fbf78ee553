# `cmake --install <build> --prefix <dir>` installs the headers, every library in one export set
# (namespace mango::) and a package config, so another project can do
#   find_package(mango-jwt REQUIRED)
#   target_link_libraries(app PRIVATE mango::mango)
include(CMakePackageConfigHelpers)

set(MANGO_EXPORTED_TARGETS
  mango_config mango_crypto mango_store_sqlite mango_store_mongo mango_auth mango_http mango_server
  mango)
set(MANGO_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mango-jwt)

install(TARGETS ${MANGO_EXPORTED_TARGETS} EXPORT mango-jwt-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/mango DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT mango-jwt-targets NAMESPACE mango:: DESTINATION ${MANGO_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mango-jwt-config.cmake.in
  ${PROJECT_BINARY_DIR}/mango-jwt-config.cmake INSTALL_DESTINATION ${MANGO_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mango-jwt-config-version.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mango-jwt-config.cmake
  ${PROJECT_BINARY_DIR}/mango-jwt-config-version.cmake DESTINATION ${MANGO_CMAKE_DIR})
