// See view_session_id.hpp.
#include "view_session_id.hpp"

#include <openssl/rand.h>

#include <atomic>
#include <cstdint>
#include <cstring>

namespace pms::host::detail {

std::string format_view_session_id(const std::array<unsigned char, 16>& raw) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out = "vs-";
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (i != 0 && i % 4 == 0)
            out += '-'; // 8 characters a group: never a card-number-long run of digits
        out += digits[raw[i] >> 4];
        out += digits[raw[i] & 15];
    }
    return out;
}

std::string new_view_session_id() {
    std::array<unsigned char, 16> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
        static std::atomic<std::uint64_t> fallback{1};
        const std::uint64_t v = fallback.fetch_add(1);
        std::memcpy(raw.data(), &v, sizeof v);
        std::memset(raw.data() + 8, 0x5a, 8);
    }
    return format_view_session_id(raw);
}

} // namespace pms::host::detail
