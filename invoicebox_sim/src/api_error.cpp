// API error envelope (see api_error.hpp).
#include "invoicebox/sim/api_error.hpp"

#include <invoicebox/protocol/json_writer.hpp>

namespace invoicebox::sim {

ApiError ApiError::unauthorized() {
    return ApiError{401, "unauthorized", "Unauthorized", {}};
}

ApiError ApiError::forbidden(std::string message, std::string field) {
    ApiError e{403, "forbidden", std::move(message), {}};
    if (!field.empty()) {
        e.fields.push_back(FieldError{std::move(field), "wrong_value", e.message});
    }
    return e;
}

ApiError ApiError::not_found(std::string message) {
    return ApiError{404, "not_found", std::move(message), {}};
}

ApiError ApiError::validation(std::string field, std::string message, std::string field_code) {
    ApiError e{422, "validation_error", "Validation error: " + field + ": " + message, {}};
    e.fields.push_back(FieldError{std::move(field), std::move(field_code), std::move(message)});
    return e;
}

ApiError ApiError::business(std::string code, std::string message, std::string field) {
    ApiError e{422, std::move(code), std::move(message), {}};
    if (!field.empty()) {
        e.fields.push_back(FieldError{std::move(field), "wrong_value", e.message});
    }
    return e;
}

ApiError ApiError::bad_request(std::string message) {
    return ApiError{400, "bad_request", std::move(message), {}};
}

ApiError ApiError::too_many_requests() {
    return ApiError{429, "too_many_requests", "Too many requests", {}};
}

std::string ApiError::body() const {
    protocol::JsonWriter w;
    w.begin_object().key("error").begin_object();
    w.member("message", message).member("code", code);
    if (!fields.empty()) {
        w.key("fields").begin_array();
        for (const auto& f : fields) {
            w.begin_object()
                .member("name", f.name)
                .member("code", f.code)
                .member("message", f.message);
            w.end_object();
        }
        w.end_array();
    }
    w.end_object().end_object();
    return w.take();
}

} // namespace invoicebox::sim
