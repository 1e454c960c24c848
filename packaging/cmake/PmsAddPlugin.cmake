# pms_add_plugin(<name> SOURCES <src>... [MANIFEST <plugin.json.in>] [OUTPUT_DIR <dir>]
#                [INSTALL_DIR <dir>])
#
# Builds <name>.so, a PMS plugin module, the way the host's loader expects it (the same rules
# as the in-tree cmake/PmsPlugin.cmake that builds invoicebox_plugin and the test fixtures):
#  - no "lib" prefix: the manifest names the file, and the folder names the plugin;
#  - hidden visibility for C and C++, inline functions too: nothing but the entry is public;
#  - the linker version script plugin.version: exports pms_plugin_entry_v1 only, so two
#    plugins with different copies of Boost or of their own helpers never interpose;
#  - --exclude-libs,ALL: statically linked libraries stay private as well;
#  - -z defs: a missing symbol fails the link here, not the dlopen in the hotel. Sanitizer
#    runtimes live in the executable, so set PMS_PLUGIN_ALLOW_UNDEFINED=ON for such builds;
#  - built against libc++ (clang++ -stdlib=libc++), libc++ and libc++abi linked statically,
#    which --exclude-libs then hides (PMS_PLUGIN_STATIC_LIBCXX, ON by default; see below);
#  - the manifest configured (@VAR@ only) to <OUTPUT_DIR>/plugin.json, next to the module,
#    with PMS_PLUGIN_API_VERSION_{MAJOR,MINOR,PATCH} and PMS_PLUGIN_API_MINOR available.
# OUTPUT_DIR defaults to <build>/plugins/<name>, so `pms-host --plugins <build>/plugins` finds
# it. INSTALL_DIR (e.g. lib/pms/plugins/<name>) adds install rules for module and manifest.
# The module links PmsPluginApi::plugin_api; link PmsPluginApi::plugin_sdk for the C++ SDK.
include_guard(GLOBAL)

# Remembered globally: the function may be called from a directory other than the one that ran
# find_package, where PMS_PLUGIN_API_VERSION_SCRIPT is not visible.
set_property(GLOBAL PROPERTY PMS_PLUGIN_API_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/plugin.version)

option(PMS_PLUGIN_ALLOW_UNDEFINED "Do not link PMS plugins with -z defs (sanitizer builds)" OFF)

# A host built with g++ and libstdc++ (pms-host is) has libstdc++ in the process's global
# symbol scope, which the dynamic linker searches before a plugin's own libraries. A module
# linked to libc++.so/libc++abi.so dynamically therefore gets the host's libstdc++ for every
# C++ runtime symbol both libraries define — __cxa_throw, the personality routine, typeinfo for
# std::exception, std::runtime_error's destructor and what() (LD_DEBUG=bindings shows it) —
# mixed with libc++'s own for the rest, which holds only as long as the two libraries' layouts
# of those objects happen to agree. Linked statically and hidden by --exclude-libs, the
# module's C++ runtime is its own whatever the host uses; only the language-neutral unwinder
# (_Unwind_*, libgcc_s) is shared, as with any C library.
option(PMS_PLUGIN_STATIC_LIBCXX "Link libc++ statically into PMS plugins built against libc++" ON)
# The check's result is a cache variable, so pms_add_plugin sees it from any directory.
if(CMAKE_CXX_COMPILER_LOADED AND PMS_PLUGIN_STATIC_LIBCXX)
  include(CheckCXXSourceCompiles)
  # The headers tell which standard library the compiler (with CMAKE_CXX_FLAGS) uses.
  check_cxx_source_compiles("#include <version>
#ifndef _LIBCPP_VERSION
#error not libc++
#endif
int main() { return 0; }" PMS_PLUGIN_CXX_USES_LIBCXX)
endif()

function(pms_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "MANIFEST;OUTPUT_DIR;INSTALL_DIR" "SOURCES")
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "pms_add_plugin(${name}): SOURCES is required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "pms_add_plugin(${name}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR ${CMAKE_BINARY_DIR}/plugins/${name})
  endif()
  get_property(version_script GLOBAL PROPERTY PMS_PLUGIN_API_VERSION_SCRIPT)
  if(NOT TARGET PmsPluginApi::plugin_api)
    message(FATAL_ERROR "pms_add_plugin(${name}): call find_package(PmsPluginApi) first")
  endif()

  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE PmsPluginApi::plugin_api)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIR})
  target_link_options(${name} PRIVATE
    "LINKER:--version-script=${version_script}"
    "LINKER:--exclude-libs,ALL")
  if(NOT PMS_PLUGIN_ALLOW_UNDEFINED)
    target_link_options(${name} PRIVATE "LINKER:-z,defs")
  endif()
  if(PMS_PLUGIN_STATIC_LIBCXX AND PMS_PLUGIN_CXX_USES_LIBCXX)
    # clang's driver then links the selected standard library (libc++ with libc++abi) from
    # its archives; they are built position-independent.
    target_link_options(${name} PRIVATE -static-libstdc++)
  endif()
  # Relink when the export list changes.
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${version_script})

  if(ARG_MANIFEST)
    get_filename_component(manifest ${ARG_MANIFEST} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    configure_file(${manifest} ${ARG_OUTPUT_DIR}/plugin.json @ONLY)
  endif()

  if(ARG_INSTALL_DIR)
    install(TARGETS ${name} LIBRARY DESTINATION ${ARG_INSTALL_DIR})
    if(ARG_MANIFEST)
      install(FILES ${ARG_OUTPUT_DIR}/plugin.json DESTINATION ${ARG_INSTALL_DIR})
    endif()
  endif()
endfunction()
