// Boost.Test entry point of the pms::net test executable.
#define BOOST_TEST_MODULE pms_net_tests
#include <boost/test/unit_test.hpp>
