// JSON responses of the API: every answer, errors included, is a JSON body. Errors look like
//   {"error": {"code": "not_found", "message": "No folio 12 in property 1"}}
// plus, for field validation, {"errors": {"/field": "message"}} at the top level (422).
#pragma once

#include <pms/net/http_server.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace pms::host::server {

/// A 2xx JSON response (`value` serialised as is).
[[nodiscard]] net::Response json_ok(const boost::json::value& value, int status = 200);

/// An error response: {"error": {"code": code, "message": message}}.
[[nodiscard]] net::Response json_error(int status, std::string_view code, std::string_view message);

/// A 422 response: {"error": {...}, "errors": {pointer: message}, "form": form?}.
[[nodiscard]] net::Response json_field_errors(const boost::json::object& errors,
                                              std::string_view form_message = {});

/// Parses a request body as a JSON object. An empty body is an empty object. On failure returns
/// nullopt and sets `error` to a 400 response naming the problem.
[[nodiscard]] std::optional<boost::json::object> parse_json_object(std::string_view body,
                                                                   net::Response& error);

/// The string member `key` of `object`, or `fallback` when absent or not a string.
[[nodiscard]] std::string string_member(const boost::json::object& object, std::string_view key,
                                        std::string_view fallback = {});

} // namespace pms::host::server
