// UTF-8 helpers shared by the composer's sources (private).
#pragma once

#include <cstddef>
#include <string_view>

namespace pms::host::mail::detail {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;

// The length in bytes of the UTF-8 sequence starting with `lead` (1 for a stray byte).
[[nodiscard]] inline std::size_t utf8_sequence_length(unsigned char lead) noexcept {
    if (lead < 0x80)
        return 1;
    if ((lead & 0xE0) == 0xC0)
        return 2;
    if ((lead & 0xF0) == 0xE0)
        return 3;
    if ((lead & 0xF8) == 0xF0)
        return 4;
    return 1;
}

// True when every byte is printable ASCII (0x20..0x7E) or TAB.
[[nodiscard]] inline bool is_printable_ascii(std::string_view s) noexcept {
    for (unsigned char c : s)
        if ((c < 0x20 && c != '\t') || c > 0x7E)
            return false;
    return true;
}

} // namespace pms::host::mail::detail
