// The tests' MIME reader (see mime_reader.hpp).
#include "mime_reader.hpp"

#include <pms/host/mail/transfer_encoding.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace pms::host::mail::test {
namespace {

std::string lower(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return std::string(s);
}

} // namespace

std::vector<std::string> crlf_lines(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto end = text.find("\r\n", pos);
        if (end == std::string_view::npos) {
            lines.emplace_back(text.substr(pos));
            break;
        }
        lines.emplace_back(text.substr(pos, end - pos));
        pos = end + 2;
    }
    return lines;
}

std::string MimeEntity::header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

std::string MimeEntity::media_type() const {
    const auto v = header("content-type");
    return lower(trim(v.substr(0, v.find(';'))));
}

std::string MimeEntity::param(const std::string& name, const std::string& parameter) const {
    const auto v = header(name);
    std::size_t pos = v.find(';');
    while (pos != std::string::npos) {
        const auto next = v.find(';', pos + 1);
        const auto item = trim(std::string_view(v).substr(pos + 1, next - pos - 1));
        const auto eq = item.find('=');
        if (eq != std::string::npos && lower(trim(item.substr(0, eq))) == parameter) {
            auto value = trim(item.substr(eq + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
                value = value.substr(1, value.size() - 2);
            return value;
        }
        pos = next;
    }
    return {};
}

MimeEntity parse_mime(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
            throw std::runtime_error("bare LF at offset " + std::to_string(i));
        if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'))
            throw std::runtime_error("bare CR at offset " + std::to_string(i));
    }
    MimeEntity e;
    const auto header_end = text.find("\r\n\r\n");
    if (header_end == std::string_view::npos)
        throw std::runtime_error("no end of headers");
    std::string name;
    std::string value;
    auto flush = [&] {
        if (!name.empty())
            e.headers.emplace(lower(name), value);
        name.clear();
        value.clear();
    };
    for (const auto& line : crlf_lines(text.substr(0, header_end + 2))) {
        if (line.empty())
            continue;
        if (line.front() == ' ' || line.front() == '\t') {
            if (name.empty())
                throw std::runtime_error("continuation line before any header");
            value += line;
            continue;
        }
        flush();
        const auto colon = line.find(':');
        if (colon == std::string::npos || colon == 0)
            throw std::runtime_error("header line without a name: " + line);
        name = line.substr(0, colon);
        value = trim(line.substr(colon + 1));
    }
    flush();
    e.raw_body = std::string(text.substr(header_end + 4));

    if (e.media_type().starts_with("multipart/")) {
        const auto boundary = e.param("content-type", "boundary");
        if (boundary.empty())
            throw std::runtime_error("multipart without boundary");
        const std::string delimiter = "--" + boundary;
        std::string_view body = e.raw_body;
        // The first delimiter may start the body or follow a CRLF (after the preamble).
        auto pos = body.starts_with(delimiter) ? 0 : body.find("\r\n" + delimiter);
        if (pos == std::string_view::npos)
            throw std::runtime_error("no first delimiter");
        pos += body.starts_with(delimiter) ? delimiter.size() : delimiter.size() + 2;
        for (;;) {
            if (body.substr(pos, 2) == "--")
                return e; // close-delimiter
            if (body.substr(pos, 2) != "\r\n")
                throw std::runtime_error("junk after delimiter");
            pos += 2;
            const auto next = body.find("\r\n" + delimiter, pos);
            if (next == std::string_view::npos)
                throw std::runtime_error("no close-delimiter");
            e.parts.push_back(parse_mime(body.substr(pos, next - pos)));
            pos = next + 2 + delimiter.size();
        }
    }

    const auto cte = lower(e.header("content-transfer-encoding"));
    if (cte == "base64") {
        auto decoded = base64_decode(e.raw_body);
        if (!decoded)
            throw std::runtime_error("invalid base64 body");
        e.body = std::move(*decoded);
    } else if (cte == "quoted-printable") {
        auto decoded = quoted_printable_decode(e.raw_body);
        if (!decoded)
            throw std::runtime_error("invalid quoted-printable body");
        e.body = std::move(*decoded);
    } else if (cte.empty() || cte == "7bit" || cte == "8bit") {
        e.body = e.raw_body;
    } else {
        throw std::runtime_error("unknown transfer encoding " + cte);
    }
    return e;
}

} // namespace pms::host::mail::test
