// Boost.Test entry point of the contract tests (shared library build).
#define BOOST_TEST_MODULE invoicebox_contract
#include <boost/test/unit_test.hpp>
