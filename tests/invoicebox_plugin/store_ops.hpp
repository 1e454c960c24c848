// Store operations written the short way, for the tests of what sits in front of the store
// (store_read_cache_test.cpp, store_scan_mirror_test.cpp).
#pragma once

#include <invoicebox/plugin/host_ports.hpp>

#include <string>
#include <utility>

namespace invoicebox::plugin::test_ops {

inline StoreOp put(std::string key, std::string value) {
    return StoreOp{StoreOp::Kind::put, std::move(key), std::move(value)};
}
inline StoreOp erase(std::string key) { return StoreOp{StoreOp::Kind::erase, std::move(key), {}}; }

} // namespace invoicebox::plugin::test_ops
