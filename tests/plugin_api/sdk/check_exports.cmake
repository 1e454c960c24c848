# cmake -DNM=<nm> -DMODULE=<file.so> -P check_exports.cmake
# Fails unless the module's dynamic symbol table defines exactly pms_plugin_entry_v1.
execute_process(COMMAND ${NM} -D --defined-only ${MODULE}
  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${MODULE}")
endif()
string(REGEX MATCHALL "[^\n]+" lines "${out}")
set(symbols)
foreach(line ${lines})
  string(REGEX REPLACE "^[0-9a-fA-F]* *[A-Za-z] " "" sym "${line}")
  list(APPEND symbols ${sym})
endforeach()
if(NOT symbols STREQUAL "pms_plugin_entry_v1")
  message(FATAL_ERROR "exported symbols of ${MODULE}: '${symbols}', expected only pms_plugin_entry_v1")
endif()
message(STATUS "exports ok: ${symbols}")
