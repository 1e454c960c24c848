// Header helpers, log redaction, percent-decoding, query parsing, SSE framing and response
// shorthands: the parts of the API that need no Beast.
#include <pms/net/http_server.hpp>
#include <pms/net/http_types.hpp>

#include <algorithm>

namespace pms::net {
namespace {

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool is_secret(std::string_view name, std::span<const std::string> secret_names) {
    return std::any_of(secret_names.begin(), secret_names.end(),
                       [&](const std::string& s) { return iequals(s, name); });
}

} // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

std::optional<std::string_view> find_header(const Headers& headers,
                                            std::string_view name) noexcept {
    for (const auto& h : headers)
        if (iequals(h.name, name))
            return std::string_view(h.value);
    return std::nullopt;
}

Headers redact_for_log(const Headers& headers, std::span<const std::string> secret_names) {
    Headers out = headers;
    for (auto& h : out) {
        if (iequals(h.name, "Authorization") || iequals(h.name, "Proxy-Authorization")) {
            // Keep the scheme ("Bearer") only: it tells a reader which credential was used.
            auto space = h.value.find(' ');
            h.value = space == std::string::npos ? "***" : h.value.substr(0, space) + " ***";
        } else if (is_secret(h.name, secret_names)) {
            h.value = "***";
        }
    }
    return out;
}

std::string format_headers_for_log(const Headers& headers,
                                   std::span<const std::string> secret_names) {
    std::string out;
    for (const auto& h : redact_for_log(headers, secret_names)) {
        if (!out.empty())
            out += "; ";
        out += h.name;
        out += ": ";
        out += h.value;
    }
    return out;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size())
                return std::nullopt;
            int hi = hex_value(text[i + 1]);
            int lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_as_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> Request::query_params() const {
    std::vector<std::pair<std::string, std::string>> out;
    std::string_view rest = query;
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (pair.empty())
            continue;
        auto eq = pair.find('=');
        auto name = percent_decode(pair.substr(0, eq), true);
        auto value = eq == std::string_view::npos ? std::optional<std::string>(std::string{})
                                                  : percent_decode(pair.substr(eq + 1), true);
        if (name && value)
            out.emplace_back(std::move(*name), std::move(*value));
    }
    return out;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
    for (auto& [n, v] : query_params())
        if (n == name)
            return v;
    return std::nullopt;
}

Response Response::text(int status, std::string body) {
    return Response{status, {{"Content-Type", "text/plain; charset=utf-8"}}, std::move(body)};
}

Response Response::json(int status, std::string body) {
    return Response{status, {{"Content-Type", "application/json"}}, std::move(body)};
}

std::string sse_message(std::string_view data, std::string_view event, std::string_view id) {
    std::string out;
    if (!id.empty())
        out.append("id: ").append(id).append("\n");
    if (!event.empty())
        out.append("event: ").append(event).append("\n");
    // Each line of the payload needs its own "data:" field; an empty payload still sends one.
    std::size_t start = 0;
    while (true) {
        auto nl = data.find('\n', start);
        out.append("data: ").append(data.substr(start, nl - start)).append("\n");
        if (nl == std::string_view::npos)
            break;
        start = nl + 1;
    }
    out.append("\n");
    return out;
}

} // namespace pms::net
