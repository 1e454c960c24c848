// Notification signatures (invoicebox-api.md §5.2): X-Signature = lowercase hex of
// HMAC-<algo>(key = the shop's API key, message = the raw request body bytes).
//
// Always sign and verify the bytes exactly as received or sent: parsing and re-serialising
// changes them (`\/`, Unicode escapes, number spelling), and the signature no longer matches.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace invoicebox::protocol {

/// HMAC-SHA1 is InvoiceBox's default; SHA-256 can be selected in the cabinet.
enum class SignatureAlgorithm : std::uint8_t { hmac_sha1, hmac_sha256 };

std::string_view to_string(SignatureAlgorithm a) noexcept;
/// "sha1"/"hmac-sha1"/"sha256"/"hmac-sha256", case-insensitive (settings and simulator flags).
std::optional<SignatureAlgorithm> signature_algorithm_from_string(std::string_view s) noexcept;

/// The header InvoiceBox puts the signature in.
inline constexpr std::string_view signature_header = "X-Signature";

/// Lowercase hex HMAC of `body` with `key`.
std::string sign(std::string_view key, std::string_view body,
                 SignatureAlgorithm algo = SignatureAlgorithm::hmac_sha1);

/// A key made ready to sign many bodies: OpenSSL's algorithm lookup and the keyed HMAC state are
/// made once, and each sign() starts from a copy of that state. For the 1.3 KB worked notification
/// that setup is about a third of a one-shot HMAC (bench-protocol's signature row; issue 14:
/// a replayed notification is answered after its signature check alone). Same output as
/// sign(key, body, algo).
/// Thread-safe: sign() only reads the kept state. Throws std::runtime_error when OpenSSL fails.
class SigningKey {
  public:
    explicit SigningKey(std::string_view key, SignatureAlgorithm algo = SignatureAlgorithm::hmac_sha1);
    ~SigningKey();
    SigningKey(const SigningKey&) = delete;
    SigningKey& operator=(const SigningKey&) = delete;

    /// Lowercase hex HMAC of `body`.
    [[nodiscard]] std::string sign(std::string_view body) const;
    /// Whether this is `key` with `algo`: a caller holding both the key text and a SigningKey
    /// made from it never signs with a key that has since been replaced.
    [[nodiscard]] bool is(std::string_view key, SignatureAlgorithm algo) const noexcept;

  private:
    struct State;
    std::unique_ptr<State> state_;
    std::string key_;
    SignatureAlgorithm algo_;
};

/// Length-independent-of-content comparison (CRYPTO_memcmp); different lengths compare unequal
/// (the length of a hex digest is public).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

/// True when `given` (surrounding whitespace ignored, hex case ignored) equals the signature of
/// `body`. An empty `given` is never valid.
bool verify_signature(std::string_view key, std::string_view body, std::string_view given,
                      SignatureAlgorithm algo = SignatureAlgorithm::hmac_sha1);

/// The comparison verify_signature makes, against an `expected` signature computed by sign().
bool signature_matches(std::string_view expected, std::string_view given);

/// ASCII case-insensitive equality, for HTTP header names.
bool iequals(std::string_view a, std::string_view b) noexcept;

/// Finds a header value by case-insensitive name in any range of pair-like elements
/// ({name, value} with .first/.second). Returns the first match. HTTP/2 proxies lower-case
/// header names, so an exact-case lookup of "X-Signature" would miss the signature.
template <class HeaderRange>
std::optional<std::string_view> find_header_ci(const HeaderRange& headers, std::string_view name) {
    for (const auto& h : headers) {
        if (iequals(std::string_view(h.first), name))
            return std::string_view(h.second);
    }
    return std::nullopt;
}

} // namespace invoicebox::protocol
