// UUID generation (see ids.hpp).
#include "invoicebox/sim/ids.hpp"

#include <openssl/sha.h>

#include <array>

namespace invoicebox::sim {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

std::string format_uuid(const std::array<unsigned char, 16>& b) {
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out.push_back('-');
        }
        out.push_back(hex_digits[b[i] >> 4]);
        out.push_back(hex_digits[b[i] & 0x0f]);
    }
    return out;
}

} // namespace

IdGenerator::IdGenerator(std::uint64_t seed)
    : rng_(seed != 0 ? seed
                     : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()) {}

std::string IdGenerator::uuid_v7(Instant t) {
    std::array<unsigned char, 16> b{};
    const auto ms = static_cast<std::uint64_t>(t.time_since_epoch().count());
    for (int i = 0; i < 6; ++i) {
        b[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
    }
    const std::uint64_t r1 = rng_();
    const std::uint64_t r2 = rng_();
    for (int i = 0; i < 2; ++i) {
        b[static_cast<std::size_t>(6 + i)] = static_cast<unsigned char>(r1 >> (8 * i));
    }
    for (int i = 0; i < 8; ++i) {
        b[static_cast<std::size_t>(8 + i)] = static_cast<unsigned char>(r2 >> (8 * i));
    }
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x70); // version 7
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80); // RFC 4122 variant
    return format_uuid(b);
}

std::string IdGenerator::hex(std::size_t bytes) {
    std::string out;
    out.reserve(bytes * 2);
    for (std::size_t i = 0; i < bytes; ++i) {
        const auto v = static_cast<unsigned>(rng_() & 0xff);
        out.push_back(hex_digits[v >> 4]);
        out.push_back(hex_digits[v & 0x0f]);
    }
    return out;
}

std::string uuid_from_text(std::string_view text) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    std::array<unsigned char, 16> b{};
    for (std::size_t i = 0; i < b.size(); ++i) {
        b[i] = digest[i];
    }
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x80); // version 8: custom
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    return format_uuid(b);
}

bool looks_like_uuid(std::string_view text) {
    if (text.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return false;
            }
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

} // namespace invoicebox::sim
