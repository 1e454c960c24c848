// The runtime test runner; suites: registry, loader, lifecycle, hooks, services, concurrency,
// http, sdk (one ctest entry each, label "abi").
#define BOOST_TEST_MODULE host_runtime
#include <boost/test/unit_test.hpp>
