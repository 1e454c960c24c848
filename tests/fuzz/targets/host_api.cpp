// Target: how the host's JSON API reads a request before a route handler runs, and the body
// helpers the handlers share (host_stub/server/src):
//  - RequestGuard::check_host / check_state_change (Host, Origin/Referer, Content-Type rules) and
//    parse_authority on the Host header (request_guard.cpp);
//  - parse_json_object and string_member on the body (json_response.cpp), as every POST/PUT does;
//  - the settings helpers the settings routes apply to a submitted document: secret_pointers,
//    strip_secrets, schema_at, coerce_to_schema_type, set_at_pointer (settings_json.cpp), with
//    the plugin's real schema;
//  - the path and query decoding routes use (pms::net::percent_decode, Request::query_params).
// The handlers themselves are members of HostServer::Impl and need a runtime and a database;
// they are not reachable from here (see README "Not covered").
//
// Input (parts split by fuzz::part_marker):
//   1. "METHOD target" (e.g. "PUT /api/properties/1/plugins/x/settings?dry=1");
//   2. request headers, "Name: value" lines;
//   3. the body.
#include "input.hpp"

#include <json_response.hpp>
#include <request_guard.hpp>
#include <invoicebox/plugin/settings.hpp>
#include <pms/host/server/settings_json.hpp>
#include <pms/net/http_server.hpp>

#include <boost/json/parse.hpp>

#include <cstdlib>

namespace hs = pms::host::server;
namespace net = pms::net;
namespace bj = boost::json;

namespace {


const hs::RequestGuard& guard() {
    static const hs::RequestGuard g(hs::RequestGuard::served_authorities(
        "127.0.0.1", 8080, "https://pms.example.com", {"pms.local:8443", "[::1]:8080"}));
    return g;
}

const bj::object& settings_schema() {
    static const bj::object schema = bj::parse(invoicebox::plugin::settings_schema_json()).as_object();
    return schema;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parts = fuzz::split_parts(fuzz::as_view(data, size), 3);

    net::Request req;
    const auto line = parts[0];
    const auto space = line.find(' ');
    req.method = std::string(line.substr(0, space));
    req.target = space == std::string_view::npos ? "/" : std::string(line.substr(space + 1));
    const auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos)
        req.query = req.target.substr(q + 1);
    req.headers = fuzz::parse_header_lines<net::Header>(parts[1]);
    req.body = std::string(parts[2]);
    req.remote_address = "127.0.0.1";

    (void)guard().check_host(req);
    if (hs::RequestGuard::changes_state(req.method))
        (void)guard().check_state_change(req);
    if (auto host = req.header("Host"))
        if (auto a = hs::parse_authority(*host))
            FUZZ_REQUIRE(a->host.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos);
    (void)req.decoded_path();
    (void)req.query_params();
    (void)req.query_param("limit");

    net::Response error;
    auto body = hs::parse_json_object(req.body, error);
    if (!body) {
        FUZZ_REQUIRE(error.status >= 400 && error.status < 500);
        return 0;
    }
    (void)hs::string_member(*body, "kind", "button");
    (void)hs::string_member(*body, "action");

    // The settings routes: the body is a settings document of the plugin's schema.
    const auto& schema = settings_schema();
    (void)hs::secret_pointers(schema, *body);
    bj::object stripped = *body;
    hs::strip_secrets(schema, stripped);
    {
        // Nothing secret may survive strip_secrets (a secret must never be echoed back).
        const bj::value stripped_value(stripped);
        for (const auto& p : hs::secret_pointers(schema, stripped)) {
            bj::error_code ec;
            FUZZ_REQUIRE(stripped_value.find_pointer(p, ec) == nullptr);
        }
    }
    for (const auto& [key, value] : *body) {
        const std::string pointer = "/" + std::string(key);
        const auto* scalar = hs::schema_at(schema, pointer);
        if (value.is_string())
            if (auto coerced = hs::coerce_to_schema_type(scalar, std::string(value.as_string())))
                (void)hs::set_at_pointer(stripped, pointer, std::move(*coerced));
    }
    // The decoded path as a JSON Pointer: pms-host's --setting/--secret presets pass any text
    // the admin types to set_at_pointer (host_stub/app/main.cpp).
    if (auto p = req.decoded_path())
        (void)hs::set_at_pointer(stripped, *p, bj::value("x"));
    return 0;
}
