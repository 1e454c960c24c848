// The storage test runner; suites live one per header under test.
#define BOOST_TEST_MODULE host_storage
#include <boost/test/unit_test.hpp>
