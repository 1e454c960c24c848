// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
// Prefer letting a server bind port 0 itself; use this only when a child process needs a port
// on its command line.
#pragma once

#include <cstdint>

namespace pms::test {

// Throws std::system_error if no socket can be bound.
std::uint16_t find_free_port();

} // namespace pms::test
