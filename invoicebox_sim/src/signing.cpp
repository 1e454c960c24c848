// Notification signatures (see signing.hpp).
#include "invoicebox/sim/signing.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace invoicebox::sim {

std::string_view to_string(SignatureAlgorithm a) noexcept {
    return a == SignatureAlgorithm::hmac_sha256 ? "hmac-sha256" : "hmac-sha1";
}

std::optional<SignatureAlgorithm> signature_algorithm_from(std::string_view s) noexcept {
    if (iequals(s, "sha1") || iequals(s, "hmac-sha1") || iequals(s, "hmac_sha1")) {
        return SignatureAlgorithm::hmac_sha1;
    }
    if (iequals(s, "sha256") || iequals(s, "hmac-sha256") || iequals(s, "hmac_sha256")) {
        return SignatureAlgorithm::hmac_sha256;
    }
    return std::nullopt;
}

std::string sign_body(std::string_view key, std::string_view body, SignatureAlgorithm algo) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const EVP_MD* evp = algo == SignatureAlgorithm::hmac_sha256 ? EVP_sha256() : EVP_sha1();
    // HMAC() refuses a null pointer even with length 0, and an empty string_view may hold one.
    static const char empty = 0;
    const char* key_data = key.empty() ? &empty : key.data();
    const char* body_data = body.empty() ? &empty : body.data();
    if (!HMAC(evp, key_data, static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(body_data), body.size(), md, &len)) {
        throw std::runtime_error("HMAC failed");
    }
    static constexpr char hex[] = "0123456789abcdef"; // lowercase, as PHP's hash_hmac
    std::string out;
    out.reserve(len * 2);
    for (unsigned int i = 0; i < len; ++i) {
        out.push_back(hex[md[i] >> 4]);
        out.push_back(hex[md[i] & 0xf]);
    }
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace invoicebox::sim
