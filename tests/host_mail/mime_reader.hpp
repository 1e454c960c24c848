// A small, strict reader of the messages our composer writes, for the tests: it parses them
// back (headers unfolded and decoded, multipart split, bodies decoded) independently of the
// composer's own code paths, and checks the wire rules (CRLF only, line lengths).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pms::host::mail::test {

struct MimeEntity {
    // Header names lower-cased; values unfolded (CRLF removed, whitespace kept), not decoded.
    std::multimap<std::string, std::string> headers;
    std::string raw_body;          // as transmitted (still transfer-encoded)
    std::string body;              // transfer-decoded (single parts)
    std::vector<MimeEntity> parts; // multipart children

    // The first value of `name` (lower-case), or "" when absent.
    std::string header(const std::string& name) const;
    // A parameter of a structured header such as Content-Type, e.g. param("content-type",
    // "boundary"); quotes removed; "" when absent.
    std::string param(const std::string& name, const std::string& parameter) const;
    // The media type of Content-Type, lower-case, e.g. "multipart/alternative".
    std::string media_type() const;
};

// Parses a whole message (or a part). Throws std::runtime_error on what a strict reader
// refuses: a bare LF or CR, a header line without a colon, an unknown transfer encoding,
// undecodable base64 / quoted-printable, a multipart without its closing delimiter.
MimeEntity parse_mime(std::string_view text);

// The lines of `text` split at CRLF (the final empty remainder dropped).
std::vector<std::string> crlf_lines(std::string_view text);

} // namespace pms::host::mail::test
