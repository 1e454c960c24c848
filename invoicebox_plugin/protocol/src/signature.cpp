// HMAC signatures over raw bytes with OpenSSL 3's one-shot HMAC().
#include "invoicebox/protocol/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace invoicebox::protocol {

namespace {

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) noexcept {
    constexpr std::string_view ws = " \t\r\n";
    const auto b = s.find_first_not_of(ws);
    if (b == std::string_view::npos)
        return {};
    const auto e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}

} // namespace

std::string_view to_string(SignatureAlgorithm a) noexcept {
    return a == SignatureAlgorithm::hmac_sha256 ? "hmac-sha256" : "hmac-sha1";
}

std::optional<SignatureAlgorithm> signature_algorithm_from_string(std::string_view s) noexcept {
    if (iequals(s, "sha1") || iequals(s, "hmac-sha1") || iequals(s, "hmac_sha1"))
        return SignatureAlgorithm::hmac_sha1;
    if (iequals(s, "sha256") || iequals(s, "hmac-sha256") || iequals(s, "hmac_sha256"))
        return SignatureAlgorithm::hmac_sha256;
    return std::nullopt;
}

std::string sign(std::string_view key, std::string_view body, SignatureAlgorithm algo) {
    const EVP_MD* md = algo == SignatureAlgorithm::hmac_sha256 ? EVP_sha256() : EVP_sha1();
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    // HMAC() accepts a null data pointer only with length 0; string_view of "" may be null.
    static const unsigned char empty = 0;
    const auto* data = body.empty() ? &empty : reinterpret_cast<const unsigned char*>(body.data());
    const void* k =
        key.empty() ? static_cast<const void*>(&empty) : static_cast<const void*>(key.data());
    if (HMAC(md, k, static_cast<int>(key.size()), data, body.size(), mac, &len) == nullptr)
        throw std::runtime_error("HMAC failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[mac[i] >> 4];
        out += hex[mac[i] & 0xF];
    }
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    if (a.empty())
        return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool signature_matches(std::string_view expected, std::string_view given) {
    const auto g = trim(given);
    if (g.empty())
        return false;
    std::string normalised(g);
    for (auto& c : normalised)
        c = lower(c);
    return constant_time_equal(normalised, expected);
}

bool verify_signature(std::string_view key, std::string_view body, std::string_view given,
                      SignatureAlgorithm algo) {
    return signature_matches(sign(key, body, algo), given);
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

} // namespace invoicebox::protocol
