# Installs the build into a scratch prefix, then builds and runs the examples
# against it through find_package (C++ and C) and through pkg-config (C).
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()

run(${CMAKE_COMMAND_PATH} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f lib/libsmartkampung.so include/smartkampung/smartkampung.h include/smartkampung/nik.hpp
          include/smartkampung/export.h lib/cmake/smartkampung/smartkampungConfig.cmake
          lib/pkgconfig/smartkampung.pc)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

# find_package(smartkampung CONFIG REQUIRED), as a consumer writes it.
run(${CMAKE_COMMAND_PATH} -S ${SOURCE_DIR}/examples -B ${WORK_DIR}/examples-build
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DCMAKE_BUILD_RPATH=${prefix}/lib)
run(${CMAKE_COMMAND_PATH} --build ${WORK_DIR}/examples-build)
run(${WORK_DIR}/examples-build/cpp/example_cpp)
run(${WORK_DIR}/examples-build/c/example_c)

# pkg-config, with the .pc file's relocatable prefix.
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
execute_process(COMMAND pkg-config --cflags --libs smartkampung OUTPUT_VARIABLE flags
                RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config does not find smartkampung")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
run(${C_COMPILER} -std=c99 -Wall -Wextra -pedantic -Werror ${SOURCE_DIR}/examples/c/main.c
    -o ${WORK_DIR}/example_c_pkgconfig ${flags} -Wl,-rpath,${prefix}/lib)
run(${WORK_DIR}/example_c_pkgconfig)
message(STATUS "install test ok: find_package (C, C++) and pkg-config (C)")
