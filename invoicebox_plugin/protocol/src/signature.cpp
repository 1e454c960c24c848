// HMAC signatures over raw bytes: a SigningKey keeps a keyed EVP_MAC context and signs each
// body from a copy of it; the one-shot sign() makes one for the call.
#include "invoicebox/protocol/signature.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <stdexcept>

namespace invoicebox::protocol {

namespace {

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_hex(const unsigned char* mac, std::size_t len) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (std::size_t i = 0; i < len; ++i) {
        out += hex[mac[i] >> 4];
        out += hex[mac[i] & 0xF];
    }
    return out;
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
    return SigningKey{key, algo}.sign(body); // one HMAC path, whether the key is kept or not
}

struct SigningKey::State {
    EVP_MAC_CTX* keyed = nullptr;
    ~State() { EVP_MAC_CTX_free(keyed); }
};

SigningKey::SigningKey(std::string_view key, SignatureAlgorithm algo)
    : state_{std::make_unique<State>()}, key_{key}, algo_{algo} {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr)
        throw std::runtime_error("HMAC is not available");
    state_->keyed = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); // the context keeps its own reference
    if (state_->keyed == nullptr)
        throw std::runtime_error("HMAC context not made");
    char digest[] = "SHA1";
    char digest256[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         algo == SignatureAlgorithm::hmac_sha256 ? digest256 : digest, 0),
        OSSL_PARAM_construct_end()};
    static const unsigned char empty = 0;
    const auto* k = key.empty() ? &empty : reinterpret_cast<const unsigned char*>(key.data());
    if (EVP_MAC_init(state_->keyed, k, key.size(), params) != 1)
        throw std::runtime_error("HMAC key not set");
}

SigningKey::~SigningKey() {
    OPENSSL_cleanse(key_.data(), key_.size());
}

bool SigningKey::is(std::string_view key, SignatureAlgorithm algo) const noexcept {
    return algo == algo_ && constant_time_equal(key, key_);
}

std::string SigningKey::sign(std::string_view body) const {
    struct Ctx {
        EVP_MAC_CTX* p;
        ~Ctx() { EVP_MAC_CTX_free(p); }
    } ctx{EVP_MAC_CTX_dup(state_->keyed)};
    if (ctx.p == nullptr)
        throw std::runtime_error("HMAC context not copied");
    static const unsigned char empty = 0;
    const auto* data = body.empty() ? &empty : reinterpret_cast<const unsigned char*>(body.data());
    unsigned char mac[EVP_MAX_MD_SIZE];
    std::size_t len = 0;
    if (EVP_MAC_update(ctx.p, data, body.size()) != 1 || EVP_MAC_final(ctx.p, mac, &len, sizeof mac) != 1)
        throw std::runtime_error("HMAC failed");
    return to_hex(mac, len);
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
