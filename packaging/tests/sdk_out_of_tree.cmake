# ctest packaging.sdk_out_of_tree:
#   cmake -DBUILD_DIR=… -DWORK_DIR=… -DSOURCE_DIR=… -DAPI_VERSION=1.1 -DGENERATOR=Ninja
#         -DCXX=… [-DLAUNCHER=ccache] -DNM=nm -P sdk_out_of_tree.cmake
# Also used for plugin_api/examples/hello_button (tests/plugin_examples), with:
#   -DPLUGIN=hello_button -DPLUGIN_INSTALL_DIR=lib/pms/plugins/hello_button
#   -DCHECK_NEXT_MAJOR=OFF (the example asks for 1.0 itself) [-DCXX_FLAGS=-stdlib=libc++]
#
# Installs what pms-plugin-api-dev contains (the plugin_api_dev component, exactly the files
# cpack puts in the .deb) into a scratch prefix, builds the plugin project SOURCE_DIR against
# that prefix alone with find_package(PmsPluginApi …), and checks the result: one exported
# symbol, the manifest beside the module, the versions substituted. It also checks that asking
# for the next major is refused (the version file's SameMajorVersion rule). The module is left
# in WORK_DIR/build/plugins/PLUGIN/, so that a later test can load it into pms-host. SOURCE_DIR
# is read only after the install, so it may name a project the package itself installs
# (WORK_DIR/prefix/share/doc/pms-plugin-api-dev/examples/…).
foreach(var BUILD_DIR WORK_DIR SOURCE_DIR API_VERSION GENERATOR CXX NM)
  if(NOT ${var})
    message(FATAL_ERROR "sdk_out_of_tree.cmake: -D${var}= is required")
  endif()
endforeach()
if(NOT PLUGIN)
  set(PLUGIN minimal_plugin)
endif()
if(NOT PLUGIN_INSTALL_DIR)
  set(PLUGIN_INSTALL_DIR lib/pms/plugins/minimal)
endif()
if(NOT DEFINED CHECK_NEXT_MAJOR)
  set(CHECK_NEXT_MAJOR ON)
endif()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})

run("install of the plugin_api_dev component"
  ${CMAKE_COMMAND} --install ${BUILD_DIR} --component plugin_api_dev --prefix ${prefix})
foreach(f include/pms/plugin_api/pms_plugin_api.h include/pms/plugin_sdk/sdk.hpp
          share/cmake/PmsPluginApi/PmsPluginApiConfig.cmake
          share/cmake/PmsPluginApi/PmsPluginApiConfigVersion.cmake
          share/cmake/PmsPluginApi/plugin.version)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "the installed SDK lacks ${f}")
  endif()
endforeach()

# Only the scratch prefix, never the source tree; the package registries are off so that a
# developer's ~/.cmake registry cannot stand in for the files under test.
set(launcher)
if(LAUNCHER)
  set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
# Another compiler and standard library (clang++ -stdlib=libc++) come in through CXX and
# CXX_FLAGS; CMake passes CMAKE_CXX_FLAGS to the link step as well, where -stdlib matters too.
set(common_args -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX} ${launcher}
  "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
  -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF -DPmsPluginApi_DIR=${prefix}/share/cmake/PmsPluginApi)

# minimal_plugin takes the version to ask for from PMS_REQUIRED_API; a project that states it
# itself (CHECK_NEXT_MAJOR=OFF) gets neither that variable nor the next-major check below.
set(api_arg)
if(CHECK_NEXT_MAJOR)
  set(api_arg -DPMS_REQUIRED_API=${API_VERSION})
endif()
run("configure" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${build} ${common_args}
  ${api_arg} -DCMAKE_INSTALL_PREFIX=${WORK_DIR}/stage)
run("build" ${CMAKE_COMMAND} --build ${build})
run("install of the plugin" ${CMAKE_COMMAND} --install ${build})

set(module ${build}/plugins/${PLUGIN}/${PLUGIN}.so)
set(manifest ${build}/plugins/${PLUGIN}/plugin.json)
foreach(f ${module} ${manifest} ${WORK_DIR}/stage/${PLUGIN_INSTALL_DIR}/${PLUGIN}.so
          ${WORK_DIR}/stage/${PLUGIN_INSTALL_DIR}/plugin.json)
  if(NOT EXISTS ${f})
    message(FATAL_ERROR "missing ${f}")
  endif()
endforeach()

# Exactly one dynamic symbol defined: the entry (version script + hidden visibility).
run("nm" ${NM} -D --defined-only ${module})
string(REGEX MATCHALL "[^\n]+" lines "${run_output}")
set(symbols)
foreach(line ${lines})
  string(REGEX REPLACE "^[0-9a-fA-F]* *[A-Za-z] " "" sym "${line}")
  list(APPEND symbols ${sym})
endforeach()
if(NOT symbols STREQUAL "pms_plugin_entry_v1")
  message(FATAL_ERROR "${PLUGIN}.so exports '${symbols}', expected only pms_plugin_entry_v1")
endif()

# The manifest carries the installed API version, not a placeholder.
file(READ ${manifest} text)
string(REPLACE "." ";" v "${API_VERSION}")
list(GET v 0 major)
list(GET v 1 minor)
if(text MATCHES "@" OR NOT text MATCHES "\"major\": ${major}, \"minor\": ${minor},")
  message(FATAL_ERROR "plugin.json was not configured with API ${API_VERSION}:\n${text}")
endif()

# A plugin that needs the next major must not find these headers.
if(CHECK_NEXT_MAJOR)
  math(EXPR next_major "${major} + 1")
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build-next ${common_args}
      -DPMS_REQUIRED_API=${next_major}.0
    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(rc EQUAL 0)
    message(FATAL_ERROR "find_package(PmsPluginApi ${next_major}.0) accepted API ${API_VERSION}")
  endif()
endif()

message(STATUS "out-of-tree plugin ok: ${module} exports ${symbols}, API ${API_VERSION}")
