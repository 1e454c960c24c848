// API error envelope (see api_error.hpp).
#include "invoicebox/sim/api_error.hpp"

#include "invoicebox/sim/json.hpp"

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
    // §1.5: {"error":{"message":…,"code":…,"fields":[{"name","code","message"}]}}; `fields`
    // only when a field is to blame, as in the SDK mocks.
    JsonObject error;
    error.emplace("message", message);
    error.emplace("code", code);
    if (!fields.empty()) {
        JsonArray list;
        for (const auto& f : fields) {
            JsonObject fe;
            fe.emplace("name", f.name);
            fe.emplace("code", f.code);
            fe.emplace("message", f.message);
            list.emplace_back(std::move(fe));
        }
        error.emplace("fields", std::move(list));
    }
    JsonObject root;
    root.emplace("error", std::move(error));
    return to_json(root);
}

} // namespace invoicebox::sim
