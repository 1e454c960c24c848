// Boost.Test entry point of the in-process tests of the server's helpers.
#define BOOST_TEST_MODULE host_server_unit_tests
#include <boost/test/unit_test.hpp>
