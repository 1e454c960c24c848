// See json_response.hpp.
#include "json_response.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace pms::host::server {

namespace json = boost::json;

net::Response json_ok(const json::value& value, int status) {
    net::Response response = net::Response::json(status, json::serialize(value));
    response.headers.push_back({"Cache-Control", "no-store"});
    return response;
}

net::Response json_error(int status, std::string_view code, std::string_view message) {
    json::object error;
    error["code"] = code;
    error["message"] = message;
    json::object body;
    body["error"] = std::move(error);
    return json_ok(body, status);
}

net::Response json_field_errors(const json::object& errors, std::string_view form_message) {
    json::object error;
    error["code"] = "validation_failed";
    error["message"] =
        form_message.empty() ? std::string_view{"Some fields are not valid"} : form_message;
    json::object body;
    body["error"] = std::move(error);
    body["errors"] = errors;
    if (!form_message.empty())
        body["form"] = form_message;
    return json_ok(body, 422);
}

std::optional<json::object> parse_json_object(std::string_view body, net::Response& error) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return json::object{};
    boost::system::error_code ec;
    json::value value = json::parse(body, ec);
    if (ec) {
        error =
            json_error(400, "invalid_json", "The request body is not valid JSON: " + ec.message());
        return std::nullopt;
    }
    if (!value.is_object()) {
        error = json_error(400, "invalid_json", "The request body must be a JSON object");
        return std::nullopt;
    }
    return std::move(value.as_object());
}

std::string string_member(const json::object& object, std::string_view key,
                          std::string_view fallback) {
    if (const auto* v = object.if_contains(key); v != nullptr && v->is_string())
        return std::string{v->as_string()};
    return std::string{fallback};
}

} // namespace pms::host::server
