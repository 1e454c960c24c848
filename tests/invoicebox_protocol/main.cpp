// Boost.Test entry point of the protocol-layer tests (one module, one suite per header).
#define BOOST_TEST_MODULE invoicebox_protocol
#include <boost/test/unit_test.hpp>
