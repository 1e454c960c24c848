// RFC 2047 encoded-words (B encoding out; B and Q in).
#include <pms/host/mail/rfc2047.hpp>
#include <pms/host/mail/transfer_encoding.hpp>

#include "utf8.hpp"
#include "hex_digit.hpp"

#include <algorithm>
#include <cctype>

namespace pms::host::mail {
namespace {

constexpr std::string_view kPrefix = "=?UTF-8?B?";
constexpr std::string_view kSuffix = "?=";

// The most UTF-8 bytes whose base64 fits in a word of `limit` characters.
std::size_t max_payload_bytes(std::size_t limit) {
    const std::size_t b64 = (limit - kPrefix.size() - kSuffix.size()) / 4 * 4;
    return b64 / 4 * 3;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

using detail::hex_value;

// Decodes the word starting at `s[pos]` ("=?charset?X?text?="). On success stores the decoded
// bytes and the index past the word.
enum class WordResult { not_a_word, bad, ok };
WordResult decode_word(std::string_view s, std::size_t pos, std::string& out, std::size_t& end) {
    if (s.substr(pos, 2) != "=?")
        return WordResult::not_a_word;
    const auto q1 = s.find('?', pos + 2);
    if (q1 == std::string_view::npos)
        return WordResult::not_a_word;
    const auto q2 = s.find('?', q1 + 1);
    if (q2 == std::string_view::npos || q2 != q1 + 2)
        return WordResult::not_a_word;
    const auto close = s.find("?=", q2 + 1);
    if (close == std::string_view::npos)
        return WordResult::not_a_word;
    auto charset = s.substr(pos + 2, q1 - pos - 2);
    // RFC 2231 allows a language after '*': "UTF-8*ru".
    charset = charset.substr(0, charset.find('*'));
    const char encoding = static_cast<char>(std::toupper(static_cast<unsigned char>(s[q1 + 1])));
    const auto text = s.substr(q2 + 1, close - q2 - 1);
    if (text.find_first_of(" \t\r\n") != std::string_view::npos)
        return WordResult::not_a_word;
    if (!iequals(charset, "UTF-8") && !iequals(charset, "US-ASCII"))
        return WordResult::bad;
    if (encoding == 'B') {
        auto bytes = base64_decode(text);
        if (!bytes)
            return WordResult::bad;
        out = std::move(*bytes);
    } else if (encoding == 'Q') {
        out.clear();
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] == '_') {
                out += ' ';
            } else if (text[i] == '=') {
                if (i + 2 >= text.size())
                    return WordResult::bad;
                const int hi = hex_value(text[i + 1]);
                const int lo = hex_value(text[i + 2]);
                if (hi < 0 || lo < 0)
                    return WordResult::bad;
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
            } else {
                out += text[i];
            }
        }
    } else {
        return WordResult::bad;
    }
    end = close + 2;
    return WordResult::ok;
}

} // namespace

std::vector<std::string> encode_header_words(std::string_view utf8, std::size_t first_word_limit) {
    std::vector<std::string> words;
    std::size_t limit = std::max<std::size_t>(std::min(first_word_limit, kMaxEncodedWord), 20);
    std::size_t pos = 0;
    while (pos < utf8.size()) {
        const std::size_t budget = max_payload_bytes(limit);
        std::size_t end = pos;
        // Take whole characters while they fit; a word always holds at least one.
        while (end < utf8.size()) {
            const std::size_t n =
                std::min(detail::utf8_sequence_length(static_cast<unsigned char>(utf8[end])),
                         utf8.size() - end);
            if (end + n - pos > budget && end > pos)
                break;
            end += n;
        }
        std::string word(kPrefix);
        word += base64_encode(utf8.substr(pos, end - pos));
        word += kSuffix;
        words.push_back(std::move(word));
        pos = end;
        limit = kMaxEncodedWord;
    }
    return words;
}

bool is_plain_header_text(std::string_view text) noexcept {
    if (!detail::is_printable_ascii(text))
        return false;
    if (text.find("=?") != std::string_view::npos)
        return false;
    if (!text.empty() &&
        (text.front() == ' ' || text.front() == '\t' || text.back() == ' ' || text.back() == '\t'))
        return false;
    return true;
}

std::optional<std::string> decode_header_words(std::string_view value) {
    // Unfold: a CRLF (or LF) followed by whitespace is removed, the whitespace kept.
    std::string unfolded;
    unfolded.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\r' && i + 1 < value.size() && value[i + 1] == '\n')
            continue;
        if (value[i] == '\n')
            continue;
        unfolded += value[i];
    }

    std::string out;
    std::string pending_space; // whitespace after an encoded-word, dropped if another follows
    bool after_word = false;
    std::size_t i = 0;
    while (i < unfolded.size()) {
        std::string decoded;
        std::size_t end = 0;
        const auto r = decode_word(unfolded, i, decoded, end);
        if (r == WordResult::bad)
            return std::nullopt;
        if (r == WordResult::ok) {
            if (!after_word)
                out += pending_space;
            pending_space.clear();
            out += decoded;
            after_word = true;
            i = end;
            continue;
        }
        const char c = unfolded[i];
        if (c == ' ' || c == '\t') {
            pending_space += c;
        } else {
            out += pending_space;
            pending_space.clear();
            out += c;
            after_word = false;
        }
        ++i;
    }
    out += pending_space;
    return out;
}

} // namespace pms::host::mail
