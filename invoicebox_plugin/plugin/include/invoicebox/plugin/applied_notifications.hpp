// AppliedNotifications: the signatures of the notification bodies already answered `success`
// with their record durable, so that a byte-identical delivery (InvoiceBox's retry, a replay)
// is answered `success` again without reading the body (issue 14: parsing and decoding the order
// was about a third of a replayed notification's CPU).
//
// Why a signature identifies the body: it is the HMAC of the exact bytes with the shop's key,
// checked before the lookup, so an entry is found only for bytes this shop signed and the plugin
// already applied; those bytes would be applied again to the same answer (applying a report is
// idempotent, and a success is never taken back: a paid link stays paid). Only successes are
// kept: an error's answer can change (a folio reopened, a mapping fixed). Entries are keyed by
// the shop too, and forgotten when the settings change.
//
// Bounded (recent_map.hpp): at most `capacity` entries, the least recently seen out first, and
// an entry not seen for `max_idle` is dropped, so a hotel's steady trickle of payments does not
// fill the set over days. A forgotten body only costs the full read again. Strand-only, like
// the service.
#pragma once

#include <invoicebox/plugin/recent_map.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace invoicebox::plugin {

class AppliedNotifications {
  public:
    static constexpr std::size_t default_capacity = 8192;
    static constexpr std::chrono::steady_clock::duration default_max_idle = std::chrono::minutes(5);
    using Clock = std::chrono::steady_clock;

    explicit AppliedNotifications(std::size_t capacity = default_capacity,
                                  Clock::duration max_idle = default_max_idle,
                                  std::function<Clock::time_point()> now = &Clock::now);

    /// Whether this shop's body with `signature` was applied; a hit counts as a use.
    bool contains(std::string_view merchant_id, std::string_view signature);
    void add(std::string_view merchant_id, std::string_view signature);
    void clear() noexcept;
    std::size_t size() const noexcept { return seen_.size(); }

  private:
    static std::string key(std::string_view merchant_id, std::string_view signature);

    struct Seen {};
    RecentMap<Seen> seen_;
};

} // namespace invoicebox::plugin
