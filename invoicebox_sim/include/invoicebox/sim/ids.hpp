// Identifiers the simulator hands out.
//
// InvoiceBox order ids are time-ordered UUIDs (`017f038f-…`, invoicebox-api.md §2.2); the
// simulator issues UUID version 7 (48-bit Unix milliseconds, then random bits), which sort by
// creation time just like the real ones.
#pragma once

#include "invoicebox/sim/clock.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace invoicebox::sim {

// Id of the monitoring probe notification (invoicebox-api.md §5.4).
inline constexpr std::string_view probe_order_id = "ffffffff-ffff-ffff-ffff-ffffffffffff";

// Issues UUIDv7 strings. Not thread-safe; the engine serialises access.
class IdGenerator {
  public:
    // `seed` 0 draws a seed from std::random_device.
    explicit IdGenerator(std::uint64_t seed = 0);

    // A new lowercase UUIDv7 for instant `t`.
    std::string uuid_v7(Instant t);

    // A new random lowercase hex string of `bytes` bytes (request ids).
    std::string hex(std::size_t bytes);

  private:
    std::mt19937_64 rng_;
};

// A deterministic UUID-shaped id derived from `text` (the shop's user id on the auth check).
std::string uuid_from_text(std::string_view text);

// True when `text` has the 8-4-4-4-12 hex shape of a UUID.
bool looks_like_uuid(std::string_view text);

} // namespace invoicebox::sim
