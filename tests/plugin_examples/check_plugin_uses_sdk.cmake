# packaging.plugin_uses_sdk: the InvoiceBox plugin reaches the host only through the C++ SDK
# (plugin_api/include/pms/plugin_sdk/), never by including the C extension or hook headers
# itself (issue 12). Hand-marshalled C structs are where exactly-once completion, rejected
# starts and draining went wrong before the SDK; the SDK headers are the one place for them.
#
#   cmake -DROOT=<dir to scan> -P check_plugin_uses_sdk.cmake
#
# Fails, naming file and line, on any `#include` of pms/plugin_api/ext/*.h or
# pms/plugin_api/hooks/*.h (<...> or "..." form) in a source, header or CMake-generated input
# under ROOT. Other pms/plugin_api headers (status.h, version.h) stay allowed: they are plain
# values, not services.
if(NOT ROOT OR NOT IS_DIRECTORY "${ROOT}")
  message(FATAL_ERROR "check_plugin_uses_sdk: ROOT '${ROOT}' is not a folder")
endif()

file(GLOB_RECURSE files LIST_DIRECTORIES false
  "${ROOT}/*.c" "${ROOT}/*.cc" "${ROOT}/*.cpp" "${ROOT}/*.cxx" "${ROOT}/*.h" "${ROOT}/*.hh"
  "${ROOT}/*.hpp" "${ROOT}/*.hxx" "${ROOT}/*.ipp" "${ROOT}/*.inc" "${ROOT}/*.in")
list(SORT files)

set(pattern "^[ \t]*#[ \t]*include[ \t]*[<\"][^>\"]*pms/plugin_api/(ext|hooks)/[^>\"]*[>\"]")
set(offenders "")
set(scanned 0)
foreach(file ${files})
  math(EXPR scanned "${scanned} + 1")
  file(STRINGS "${file}" lines REGEX "pms/plugin_api/(ext|hooks)/")
  foreach(line IN LISTS lines)
    if(line MATCHES "${pattern}")
      file(RELATIVE_PATH rel "${ROOT}" "${file}")
      string(STRIP "${line}" line)
      string(APPEND offenders "  ${rel}: ${line}\n")
    endif()
  endforeach()
endforeach()

if(scanned EQUAL 0)
  message(FATAL_ERROR "check_plugin_uses_sdk: no source files under ${ROOT} (wrong ROOT?)")
endif()
if(offenders)
  message(FATAL_ERROR
    "The plugin under ${ROOT} includes C extension/hook headers directly; go through the SDK "
    "(pms/plugin_sdk/*.hpp) instead, and add to the SDK what it lacks:\n${offenders}")
endif()
message(STATUS "check_plugin_uses_sdk: ${scanned} files under ${ROOT}, none includes pms/plugin_api/ext or hooks")
