# ctest packaging.hello_button.build_{gcc,libcxx}: checks that the compiler and standard library
# asked for exist (with a message that names the Debian packages, because a bare "compiler not
# found" from CMake does not), then runs packaging/tests/sdk_out_of_tree.cmake (SDK_SCRIPT) with
# the same -D variables: install the SDK to a scratch prefix, build the example against it, check
# the exports and the manifest.
if(NOT SDK_SCRIPT OR NOT WORK_DIR OR NOT CXX)
  message(FATAL_ERROR "build_example.cmake: -DSDK_SCRIPT=, -DWORK_DIR= and -DCXX= are required")
endif()

set(packages "apt-get install clang-14 libc++-14-dev libc++abi-14-dev (bash scripts/pms.sh deps does it)")
if(CXX_FLAGS MATCHES "libc\\+\\+")
  if(NOT EXISTS "${CXX}")
    find_program(found_cxx ${CXX})
    if(NOT found_cxx)
      message(FATAL_ERROR "${CXX} is missing, so the clang + libc++ build of the example cannot "
        "be tested. This test does not skip: ${packages}")
    endif()
  endif()
  # One tiny program that needs libc++'s headers, libc++.so and libc++abi.so.
  file(MAKE_DIRECTORY ${WORK_DIR})
  file(WRITE ${WORK_DIR}/probe.cpp
    "#include <string>\n#include <stdexcept>\nint main() { try { throw std::runtime_error(std::string(\"x\")); } catch (const std::exception& e) { return e.what()[0] == 'x' ? 0 : 1; } }\n")
  execute_process(COMMAND ${CXX} ${CXX_FLAGS} ${WORK_DIR}/probe.cpp -o ${WORK_DIR}/probe
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CXX} ${CXX_FLAGS} cannot build a program (libc++ missing?):\n${err}\n"
      "This test does not skip: ${packages}")
  endif()
endif()

include(${SDK_SCRIPT})
