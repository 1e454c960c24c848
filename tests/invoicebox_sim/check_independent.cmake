# ctest script: fails when the simulator uses the plugin's protocol library (issue 11).
# The simulator is the oracle the plugin's codec is tested against; if it judged requests with
# that same code, a misreading would pass on both sides.
#   -DSIM_DIR=<invoicebox_sim source dir>  -DLINKS=<link libraries of invoicebox_sim_core>
set(problems "")
if(LINKS MATCHES "invoicebox(::|_)protocol")
  list(APPEND problems "invoicebox_sim_core links ${CMAKE_MATCH_0} (LINK_LIBRARIES: ${LINKS})")
endif()
file(GLOB_RECURSE sources "${SIM_DIR}/*.cpp" "${SIM_DIR}/*.hpp" "${SIM_DIR}/*.h")
foreach(f ${sources})
  file(STRINGS "${f}" lines)
  foreach(line IN LISTS lines)
    if(line MATCHES "#[ \t]*include[ \t]*[<\"]invoicebox/protocol/"
       OR line MATCHES "invoicebox::protocol::"
       OR line MATCHES "=[ \t]*invoicebox::protocol[ \t]*;")
      list(APPEND problems "${f}: ${line}")
    elseif(line MATCHES "#[ \t]*include[ \t]*[<\"]([^>\"]*/detail/[^>\"]*)")
      # Another library's private folder; Boost's own detail headers are Boost's business.
      if(NOT CMAKE_MATCH_1 MATCHES "^boost/")
        list(APPEND problems "${f}: includes another library's detail/ header: ${line}")
      endif()
    endif()
  endforeach()
endforeach()
list(LENGTH sources n)
if(n EQUAL 0)
  message(FATAL_ERROR "no simulator sources under ${SIM_DIR}: the check would prove nothing")
endif()
if(problems)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "the simulator depends on invoicebox::protocol:\n  ${text}")
endif()
message(STATUS "invoicebox_sim: ${n} files checked, no invoicebox::protocol include or link")
