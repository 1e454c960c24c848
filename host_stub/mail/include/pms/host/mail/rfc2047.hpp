// RFC 2047 encoded-words: how non-ASCII text (a Cyrillic subject, a guest's name) travels in
// mail header fields. The encoder writes "=?UTF-8?B?...?=" words no longer than 75 characters,
// split between whole UTF-8 characters so that each word decodes on its own; the decoder reads
// B and Q words in UTF-8 or US-ASCII, which is what our composer and usual clients write.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pms::host::mail {

// The longest encoded-word RFC 2047 §2 allows.
inline constexpr std::size_t kMaxEncodedWord = 75;

// Splits `utf8` (valid UTF-8, not empty) into B-encoded words. The first word is at most
// `first_word_limit` characters (so that it fits on the header's first line after "Subject: "),
// the others at most 75; a limit below 20 is raised to 20 (room for one 4-byte character).
[[nodiscard]] std::vector<std::string>
encode_header_words(std::string_view utf8, std::size_t first_word_limit = kMaxEncodedWord);

// True when `text` can stand in an unstructured header field as it is: printable ASCII, no
// "=?" (which a reader would take for the start of an encoded-word), no leading or trailing
// space.
[[nodiscard]] bool is_plain_header_text(std::string_view text) noexcept;

// Decodes an unstructured header value: unfolds CRLF + whitespace, decodes encoded-words and
// drops the whitespace between adjacent ones (RFC 2047 §6.2). Text outside encoded-words is
// kept as it is. nullopt when a word names another charset or its payload is malformed.
[[nodiscard]] std::optional<std::string> decode_header_words(std::string_view value);

} // namespace pms::host::mail
