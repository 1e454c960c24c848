// base64 and quoted-printable, as RFC 2045 defines them for MIME bodies.
#include <pms/host/mail/transfer_encoding.hpp>

#include <array>
#include <cstdint>

#include "hex_digit.hpp"

namespace pms::host::mail {
namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kHex[] = "0123456789ABCDEF";

constexpr std::array<std::int8_t, 256> make_base64_table() {
    std::array<std::int8_t, 256> t{};
    for (auto& v : t)
        v = -1;
    for (int i = 0; i < 64; ++i)
        t[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<std::int8_t>(i);
    return t;
}
constexpr auto kBase64Table = make_base64_table();

using detail::hex_value;

} // namespace

std::string to_crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32 + 2);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n')
                ++i;
        } else if (c == '\n') {
            out += "\r\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                                (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                                static_cast<unsigned char>(bytes[i + 2]);
        out += kBase64Alphabet[(v >> 18) & 63];
        out += kBase64Alphabet[(v >> 12) & 63];
        out += kBase64Alphabet[(v >> 6) & 63];
        out += kBase64Alphabet[v & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2)
            v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kBase64Alphabet[(v >> 18) & 63];
        out += kBase64Alphabet[(v >> 12) & 63];
        out += rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string base64_encode_lines(std::string_view bytes, std::size_t line_length) {
    const std::string flat = base64_encode(bytes);
    if (line_length == 0)
        line_length = 76;
    std::string out;
    out.reserve(flat.size() + (flat.size() / line_length + 1) * 2);
    for (std::size_t pos = 0; pos < flat.size(); pos += line_length) {
        out.append(flat, pos, line_length);
        out += "\r\n";
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size() / 4 * 3);
    std::uint32_t acc = 0;
    int bits = 0;
    int padding = 0;
    for (char c : text) {
        if (c == '\r' || c == '\n' || c == ' ' || c == '\t')
            continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        if (padding > 0)
            return std::nullopt; // data after padding
        const int v = kBase64Table[static_cast<unsigned char>(c)];
        if (v < 0)
            return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    // Leftover bits must be the zero fill of a 2- or 3-character final group.
    if (padding > 2 || bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
        return std::nullopt;
    return out;
}

std::string quoted_printable_encode(std::string_view text) {
    const std::string canonical = to_crlf(text);
    std::string out;
    out.reserve(canonical.size() + canonical.size() / 8);
    constexpr std::size_t kMaxLine = 76; // including a trailing soft-break '='

    std::size_t line_start = 0;
    while (line_start <= canonical.size()) {
        auto line_end = canonical.find("\r\n", line_start);
        const bool last = line_end == std::string::npos;
        if (last)
            line_end = canonical.size();
        const std::string_view line(canonical.data() + line_start, line_end - line_start);
        if (last && line.empty())
            break; // the text ended with a line break

        std::size_t column = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const auto c = static_cast<unsigned char>(line[i]);
            const bool at_line_start = column == 0;
            const bool trailing_ws = (c == ' ' || c == '\t') && i + 1 == line.size();
            const bool literal = ((c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t') &&
                                 !trailing_ws && !(at_line_start && c == '.') &&
                                 !(at_line_start && line.substr(i).starts_with("From "));
            char token[3];
            std::size_t token_len = 1;
            if (literal) {
                token[0] = static_cast<char>(c);
            } else {
                token[0] = '=';
                token[1] = kHex[c >> 4];
                token[2] = kHex[c & 15];
                token_len = 3;
            }
            // Room for the token plus a possible soft break '=' unless this is the line's last.
            const bool is_last_token = i + 1 == line.size();
            const std::size_t needed = column + token_len + (is_last_token ? 0 : 1);
            if (needed > kMaxLine) {
                out += "=\r\n";
                column = 0;
                // A '.' or "From " that now starts the continuation line must be encoded too.
                if (literal && (c == '.' || line.substr(i).starts_with("From "))) {
                    token[0] = '=';
                    token[1] = kHex[c >> 4];
                    token[2] = kHex[c & 15];
                    token_len = 3;
                }
            }
            out.append(token, token_len);
            column += token_len;
        }
        out += "\r\n";
        if (last)
            break;
        line_start = line_end + 2;
    }
    return out;
}

std::optional<std::string> quoted_printable_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c != '=') {
            out += c;
            continue;
        }
        // Soft line break: '=' followed by optional transport padding and CRLF (or LF).
        std::size_t j = i + 1;
        while (j < text.size() && (text[j] == ' ' || text[j] == '\t'))
            ++j;
        if (j < text.size() && (text[j] == '\r' || text[j] == '\n')) {
            if (text[j] == '\r' && j + 1 < text.size() && text[j + 1] == '\n')
                ++j;
            i = j;
            continue;
        }
        if (j == text.size()) { // '=' at the very end: a soft break before end of data
            i = j;
            continue;
        }
        if (i + 2 >= text.size())
            return std::nullopt; // "=X" cut short
        const int hi = hex_value(text[i + 1]);
        const int lo = hex_value(text[i + 2]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

} // namespace pms::host::mail
