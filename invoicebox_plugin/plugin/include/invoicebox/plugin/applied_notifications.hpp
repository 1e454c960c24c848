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
// Bounded: two generations of `capacity` entries each; when the newer fills, the older is
// dropped. A forgotten body only costs the full read again. Strand-only, like the service.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>

namespace invoicebox::plugin {

class AppliedNotifications {
  public:
    explicit AppliedNotifications(std::size_t capacity = 4096) : capacity_(capacity) {}

    bool contains(std::string_view merchant_id, std::string_view signature) const;
    void add(std::string_view merchant_id, std::string_view signature);
    void clear() noexcept;
    std::size_t size() const noexcept { return newer_.size() + older_.size(); }

  private:
    static std::string key(std::string_view merchant_id, std::string_view signature);

    std::size_t capacity_;
    std::unordered_set<std::string> newer_;
    std::unordered_set<std::string> older_;
};

} // namespace invoicebox::plugin
