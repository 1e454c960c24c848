// The mail test runner; suites live one per header under test.
#define BOOST_TEST_MODULE host_mail
#include <boost/test/unit_test.hpp>
