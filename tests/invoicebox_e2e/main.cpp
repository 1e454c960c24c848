// The end-to-end runner (tests through the real host, plugin and simulator processes).
#define BOOST_TEST_MODULE invoicebox_e2e
#include <boost/test/unit_test.hpp>
