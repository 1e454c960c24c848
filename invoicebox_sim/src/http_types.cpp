// Transport-neutral request and reply helpers (see http_types.hpp).
#include "invoicebox/sim/http_types.hpp"

#include "invoicebox/sim/signing.hpp"

namespace invoicebox::sim {

std::optional<std::string_view> SimRequest::header(std::string_view name) const {
    return find_header(headers, name);
}

SimReply SimReply::json(int status, std::string body) {
    SimReply r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
}

SimReply SimReply::html(int status, std::string body) {
    SimReply r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
    r.body = std::move(body);
    return r;
}

} // namespace invoicebox::sim
