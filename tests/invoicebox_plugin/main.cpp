// Boost.Test entry point of the plugin workflow tests.
#define BOOST_TEST_MODULE invoicebox_plugin
#include <boost/test/unit_test.hpp>
