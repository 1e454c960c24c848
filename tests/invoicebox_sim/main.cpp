// Boost.Test entry point of the simulator tests (one module per executable, suites per area).
#define BOOST_TEST_MODULE invoicebox_sim
#include <boost/test/unit_test.hpp>
