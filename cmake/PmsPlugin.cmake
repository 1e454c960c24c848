# pms_add_plugin(<target> SOURCES ... [MANIFEST <plugin.json>])
#
# Builds a PMS plugin module the way plugin_api/ requires: hidden visibility, only the
# entry symbol `pms_plugin_entry_v1` exported (version script), every symbol resolved at
# link time (-z defs), and statically linked libraries kept private (--exclude-libs,ALL).
# The module and its manifest land in <build>/plugins/<target>/ so that the host finds them.
function(pms_add_plugin target)
  cmake_parse_arguments(ARG "" "MANIFEST;OUTPUT_DIR" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${ARG_SOURCES})
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR ${CMAKE_BINARY_DIR}/plugins/${target})
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIR})
  set(version_script ${PROJECT_SOURCE_DIR}/plugin_api/linker/plugin.version)
  target_link_options(${target} PRIVATE
    -Wl,--version-script=${version_script}
    -Wl,--exclude-libs,ALL)
  # A sanitizer's runtime lives in the executable, so -z defs cannot hold for sanitized modules.
  if(NOT PMS_SANITIZE AND NOT PMS_SANITIZE_THREAD)
    target_link_options(${target} PRIVATE -Wl,-z,defs)
  endif()
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${version_script})
  if(ARG_MANIFEST)
    configure_file(${ARG_MANIFEST} ${ARG_OUTPUT_DIR}/plugin.json @ONLY)
  endif()
endfunction()
