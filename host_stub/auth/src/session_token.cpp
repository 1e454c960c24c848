// See session_token.hpp.
#include <pms/host/auth/session_token.hpp>

#include <sodium.h>

#include <stdexcept>

namespace pms::host::auth {
namespace {

std::string to_hex(const unsigned char* data, std::size_t size) {
    std::string out(size * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), data, size);
    out.pop_back();
    return out;
}

} // namespace

std::string new_session_token() {
    if (sodium_init() < 0)
        throw std::runtime_error{"libsodium could not be initialised"};
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    auto token = to_hex(raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    return token;
}

std::string session_token_hash(std::string_view token) {
    unsigned char digest[crypto_generichash_BYTES];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()),
                       token.size(), nullptr, 0);
    return to_hex(digest, sizeof digest);
}

bool plausible_session_token(std::string_view token) noexcept {
    if (token.size() != 64)
        return false;
    for (const char c : token)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

} // namespace pms::host::auth
