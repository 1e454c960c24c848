// See password.hpp.
#include <pms/host/auth/password.hpp>

#include <sodium.h>

#include <mutex>
#include <stdexcept>

namespace pms::host::auth {
namespace {

void ensure_sodium() {
    static const int ready = sodium_init();
    if (ready < 0)
        throw std::runtime_error{"libsodium could not be initialised"};
}

std::size_t utf8_length(std::string_view text) {
    std::size_t n = 0;
    for (const unsigned char c : text)
        n += (c & 0xC0) != 0x80 ? 1 : 0;
    return n;
}

} // namespace

std::string password_problem(std::string_view password) {
    if (utf8_length(password) < 4)
        return "Пароль слишком короткий: не меньше 4 символов";
    if (password.size() > 1024)
        return "Пароль слишком длинный: не больше 1024 байт";
    for (const char c : password)
        if (c == '\0' || c == '\n' || c == '\r')
            return "Пароль не может содержать переводы строк";
    return {};
}

std::string hash_password(std::string_view password) {
    ensure_sodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error{"out of memory while hashing a password"};
    return std::string{out};
}

bool verify_password(const std::string& encoded_hash, std::string_view password) {
    ensure_sodium();
    if (encoded_hash.empty() || encoded_hash.size() >= crypto_pwhash_STRBYTES)
        return false;
    return crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
}

void verify_against_dummy(std::string_view password) {
    // A hash of random bytes nobody knows, made once with the same limits as real ones.
    static const std::string dummy = [] {
        ensure_sodium();
        unsigned char random[32];
        randombytes_buf(random, sizeof random);
        return hash_password(std::string_view{reinterpret_cast<const char*>(random), sizeof random});
    }();
    (void)verify_password(dummy, password);
}

} // namespace pms::host::auth
