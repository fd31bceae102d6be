# Checks the dynamic symbols of the shared library:
# - the exported C functions (skamp_*) are exactly those listed in EXPECTED, so that
#   the ABI changes only on purpose (update the list, and the version when it breaks);
# - every other exported symbol belongs to namespace smartkampung (functions, typeinfo,
#   vtables): nothing of Boost, RapidJSON or std:: leaks.
execute_process(COMMAND nm -D --defined-only ${LIB} OUTPUT_VARIABLE raw RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIB}")
endif()
execute_process(COMMAND nm -DC --defined-only ${LIB} OUTPUT_VARIABLE demangled)

string(REPLACE "\n" ";" raw_lines "${raw}")
set(c_symbols "")
foreach(line IN LISTS raw_lines)
  if(line MATCHES "^[0-9a-f]+ [TDBRVW] (skamp_[A-Za-z0-9_]+)(@@?[A-Z0-9_]+)?$")
    list(APPEND c_symbols ${CMAKE_MATCH_1})
  endif()
endforeach()
list(SORT c_symbols)

file(STRINGS ${EXPECTED} expected REGEX "^skamp_")
list(SORT expected)
if(NOT c_symbols STREQUAL expected)
  set(added ${c_symbols})
  list(REMOVE_ITEM added ${expected})
  set(removed ${expected})
  list(REMOVE_ITEM removed ${c_symbols})
  message(FATAL_ERROR "exported C symbols differ from ${EXPECTED}\n  new: ${added}\n  missing: ${removed}\n"
                      "Update the list on purpose (and bump the version if this breaks the ABI).")
endif()

string(REPLACE "\n" ";" lines "${demangled}")
set(bad "")
foreach(line IN LISTS lines)
  if(line STREQUAL "")
    continue()
  endif()
  string(REGEX REPLACE "^[0-9a-f]+ [A-Za-z] " "" name "${line}")
  string(REGEX REPLACE "@@?SMARTKAMPUNG_[0-9]+$" "" name "${name}")
  if(name MATCHES "^skamp_" OR name MATCHES "^SMARTKAMPUNG_"
     OR name MATCHES "^smartkampung::"
     OR name MATCHES "^(typeinfo for|typeinfo name for|vtable for|non-virtual thunk to) smartkampung::")
    continue()
  endif()
  list(APPEND bad "${name}")
endforeach()
if(bad)
  list(LENGTH bad n)
  list(SUBLIST bad 0 20 first)
  string(REPLACE ";" "\n  " first "${first}")
  message(FATAL_ERROR "${n} exported symbols outside skamp_/smartkampung::, e.g.:\n  ${first}")
endif()
list(LENGTH c_symbols nc)
message(STATUS "ABI ok: ${nc} C functions, all other symbols in namespace smartkampung")
