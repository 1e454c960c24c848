// The chaos runner (see chaos_test.cpp).
#define BOOST_TEST_MODULE chaos
#include <boost/test/unit_test.hpp>
