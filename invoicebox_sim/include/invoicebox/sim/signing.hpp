// Signing notifications the way InvoiceBox does (invoicebox-api.md §5.2):
// X-Signature = lowercase hex HMAC-<algo>(key = the shop's API key, message = the exact body
// bytes sent). SHA-1 is the default; the cabinet lets a shop choose another algorithm, of which
// the simulator offers SHA-256. HMAC itself is OpenSSL's (a neutral primitive).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace invoicebox::sim {

enum class SignatureAlgorithm : std::uint8_t { hmac_sha1, hmac_sha256 };

std::string_view to_string(SignatureAlgorithm a) noexcept; // "hmac-sha1" / "hmac-sha256"
// "sha1", "hmac-sha1", "sha256", "hmac-sha256", any case (the --signature-algorithm flag).
std::optional<SignatureAlgorithm> signature_algorithm_from(std::string_view s) noexcept;

std::string sign_body(std::string_view key, std::string_view body,
                      SignatureAlgorithm algo = SignatureAlgorithm::hmac_sha1);

// Equal strings, compared in time independent of where they differ (API tokens).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// First header with this name, case-insensitively (HTTP header names are case-insensitive).
template <class HeaderRange>
std::optional<std::string_view> find_header(const HeaderRange& headers, std::string_view name);

} // namespace invoicebox::sim

#include "invoicebox/sim/json.hpp" // iequals

template <class HeaderRange>
std::optional<std::string_view> invoicebox::sim::find_header(const HeaderRange& headers,
                                                             std::string_view name) {
    for (const auto& h : headers) {
        if (iequals(std::string_view(h.first), name)) {
            return std::string_view(h.second);
        }
    }
    return std::nullopt;
}
