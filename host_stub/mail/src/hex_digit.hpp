// The value of one hexadecimal digit, shared by the quoted-printable, RFC 2047 and URL
// percent decoders of this library.
#pragma once

namespace pms::host::mail::detail {

/// 0–15 for '0'–'9', 'A'–'F', 'a'–'f'; -1 for anything else.
inline int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

} // namespace pms::host::mail::detail
