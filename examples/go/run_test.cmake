# CTest driver: builds examples/go with cgo against the library in the build tree and
# runs it. Without `go`: fails when CI is set (CI installs golang-go), else prints
# the line that the test's SKIP_REGULAR_EXPRESSION reports as skipped.
# Inputs: SOURCE_DIR, GO_SRC, BUILD_DIR, LIB_DIR, GENERATED_INCLUDE, WORK_DIR.
find_program(GO_EXECUTABLE go PATHS /usr/lib/go/bin /usr/local/go/bin)
if(NOT GO_EXECUTABLE)
  if(DEFINED ENV{CI} AND NOT "$ENV{CI}" STREQUAL "")
    message(FATAL_ERROR "go not found, and CI is set: scripts/setup.sh installs golang-go")
  endif()
  message("SKAMP_SKIPPED: go not found: install golang-go to run this test")
  return()
endif()

file(MAKE_DIRECTORY ${WORK_DIR})
# GOPATH mode with no dependencies: no module download, no network.
set(ENV{GO111MODULE} off)
set(ENV{GOFLAGS} "")
set(ENV{GOPATH} ${WORK_DIR}/gopath)
set(ENV{GOCACHE} ${WORK_DIR}/gocache)
set(ENV{CGO_ENABLED} 1)
set(ENV{CGO_CFLAGS} "-I${SOURCE_DIR}/include -I${GENERATED_INCLUDE}")
set(ENV{CGO_LDFLAGS} "-L${LIB_DIR} -Wl,-rpath,${LIB_DIR}")
execute_process(COMMAND ${GO_EXECUTABLE} build -o ${WORK_DIR}/skamp_go_example .
                WORKING_DIRECTORY ${GO_SRC} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "go build failed (${rc})")
endif()
execute_process(COMMAND ${WORK_DIR}/skamp_go_example RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the Go example failed (${rc})")
endif()
