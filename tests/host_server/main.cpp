// Boost.Test entry point of the pms-host server tests.
#define BOOST_TEST_MODULE host_server_tests
#include <boost/test/unit_test.hpp>
