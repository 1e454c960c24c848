// Content-Transfer-Encodings of RFC 2045 for message bodies: base64 in lines of 76 characters
// and quoted-printable with soft line breaks, both with CRLF line ends; and their decoders (for
// tests and for reading the outbox back).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pms::host::mail {

// `text` with every line end (CRLF, lone LF, lone CR) made CRLF: the canonical form of a text/*
// body before it is encoded (RFC 2046 §4.1.1).
[[nodiscard]] std::string to_crlf(std::string_view text);

// Standard base64 (RFC 4648, with padding) with no line breaks.
[[nodiscard]] std::string base64_encode(std::string_view bytes);

// Base64 in lines of at most `line_length` characters (76 by RFC 2045), each ended by CRLF,
// including the last one; "" for no bytes.
[[nodiscard]] std::string base64_encode_lines(std::string_view bytes, std::size_t line_length = 76);

// Decodes base64, ignoring CR, LF, space and tab; nullopt on any other invalid character or
// bad padding.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

// Quoted-printable (RFC 2045 §6.7) of CRLF-normalised text: hard line breaks stay CRLF, encoded
// lines are at most 76 characters including the '=' of a soft break, trailing space and tab are
// encoded, and so are a '.' or "From " at the start of a line (so that neither SMTP dot-stuffing
// nor mbox escaping can alter the body). The result ends with CRLF.
[[nodiscard]] std::string quoted_printable_encode(std::string_view text);

// Decodes quoted-printable (soft breaks removed, "=XX" decoded); nullopt on a malformed escape.
[[nodiscard]] std::optional<std::string> quoted_printable_decode(std::string_view text);

} // namespace pms::host::mail
