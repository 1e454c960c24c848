// Umbrella header of pms_test_support (link target pms::test_support).
#pragma once

#include <pms/test_support/child_process.hpp>
#include <pms/test_support/free_port.hpp>
#include <pms/test_support/raw_socket.hpp>
#include <pms/test_support/temp_dir.hpp>
#include <pms/test_support/test_certificates.hpp>
