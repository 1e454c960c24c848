// Money as the host stores it: integer minor units and an ISO-4217 alphabetic code. Never
// floating point (architecture §5).
#pragma once

#include <cstdint>
#include <string>

namespace pms::host {

/// An amount in minor units (kopecks for RUB) of `currency` ("RUB"). Negative for refunds.
struct Money {
    std::int64_t minor = 0;
    std::string currency;

    friend bool operator==(const Money&, const Money&) = default;
};

/// True when `code` is three upper-case ASCII letters.
[[nodiscard]] inline bool is_currency_code(const std::string& code) noexcept {
    if (code.size() != 3)
        return false;
    for (char c : code)
        if (c < 'A' || c > 'Z')
            return false;
    return true;
}

} // namespace pms::host
