# Included from tests/plugin_api/CMakeLists.txt: the C++ SDK tests (Boost.Test) and the
# self-containment check of every SDK header.

# Every SDK header compiles alone (one generated TU each), as part of the test build.
file(GLOB_RECURSE pms_sdk_headers CONFIGURE_DEPENDS
  RELATIVE ${pms_api_include_dir} ${pms_api_include_dir}/pms/plugin_sdk/*.hpp)
list(SORT pms_sdk_headers)
set(pms_sdk_tus)
foreach(header ${pms_sdk_headers})
  string(REGEX REPLACE "[/.]" "_" stem ${header})
  file(CONFIGURE OUTPUT ${pms_header_tu_dir}/${stem}.cpp
    CONTENT "// Generated: ${header} must compile alone.\n#include <${header}>\n#include <${header}>\n")
  list(APPEND pms_sdk_tus ${pms_header_tu_dir}/${stem}.cpp)
endforeach()
add_library(pms_plugin_sdk_headers_selfcontained OBJECT ${pms_sdk_tus})
target_link_libraries(pms_plugin_sdk_headers_selfcontained PRIVATE pms::plugin_sdk pms::boost_impl)
target_compile_options(pms_plugin_sdk_headers_selfcontained PRIVATE -Werror)
list(APPEND pms_plugin_api_test_targets pms_plugin_sdk_headers_selfcontained)

function(pms_sdk_test name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE pms::plugin_sdk pms::boost_impl Boost::unit_test_framework)
  target_compile_options(${name} PRIVATE -Werror)
  add_test(NAME plugin_api.sdk.${name} COMMAND ${name})
  set(pms_plugin_api_test_targets ${pms_plugin_api_test_targets} ${name} PARENT_SCOPE)
endfunction()

pms_sdk_test(pms_plugin_sdk_basics_test ${CMAKE_CURRENT_LIST_DIR}/basics_test.cpp)
if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/async_test.cpp)
  pms_sdk_test(pms_plugin_sdk_async_test ${CMAKE_CURRENT_LIST_DIR}/async_test.cpp)
endif()
if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/plugin_test.cpp)
  pms_sdk_test(pms_plugin_sdk_plugin_test ${CMAKE_CURRENT_LIST_DIR}/plugin_test.cpp)
endif()

# A plugin module built with pms_add_plugin, its export list, and loading it with dlopen.
pms_add_plugin(pms_plugin_api_fixture_plugin
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fixture_plugin.cpp
  OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/fixture_plugin)
target_link_libraries(pms_plugin_api_fixture_plugin PRIVATE pms::plugin_sdk pms::boost_impl)
target_compile_options(pms_plugin_api_fixture_plugin PRIVATE -Werror)
list(APPEND pms_plugin_api_test_targets pms_plugin_api_fixture_plugin)

add_test(NAME plugin_api.fixture_plugin.exports
  COMMAND ${CMAKE_COMMAND} -DNM=${CMAKE_NM} -DMODULE=$<TARGET_FILE:pms_plugin_api_fixture_plugin>
          -P ${CMAKE_CURRENT_LIST_DIR}/check_exports.cmake)

pms_sdk_test(pms_plugin_sdk_module_load_test ${CMAKE_CURRENT_LIST_DIR}/module_load_test.cpp)
target_compile_definitions(pms_plugin_sdk_module_load_test PRIVATE
  PMS_FIXTURE_PLUGIN_PATH="$<TARGET_FILE:pms_plugin_api_fixture_plugin>")
target_link_libraries(pms_plugin_sdk_module_load_test PRIVATE ${CMAKE_DL_LIBS})
add_dependencies(pms_plugin_sdk_module_load_test pms_plugin_api_fixture_plugin)

# The typed pms.view/1 builder and pms.folio/1 reader (issue 12). The view test reads the
# builder's output back with Boost.JSON, an independent parser.
pms_sdk_test(pms_plugin_sdk_view_test ${CMAKE_CURRENT_LIST_DIR}/view_test.cpp)
pms_sdk_test(pms_plugin_sdk_folio_document_test ${CMAKE_CURRENT_LIST_DIR}/folio_document_test.cpp)
