// Error answers of the InvoiceBox API, in the documented envelope (invoicebox-api.md §1.5):
//   HTTP >= 400,
//   {"error":{"message":"…","code":"<error_code>","fields":[{"name","code","message"}]}}
// `fields` is written only when there are some (the auth error has none).
#pragma once

#include <string>
#include <vector>

namespace invoicebox::sim {

struct FieldError {
    std::string name; // "basketItems[1].totalAmount"
    std::string code = "wrong_value";
    std::string message;
};

struct ApiError {
    int status = 422;
    std::string code; // "wrong_total_amount"
    std::string message;
    std::vector<FieldError> fields;

    static ApiError unauthorized();
    static ApiError forbidden(std::string message, std::string field = {});
    static ApiError not_found(std::string message);
    // A request that does not match the method's contract: missing or mistyped field. InvoiceBox
    // documents no code for it [inferred]; we answer 422 `validation_error` with the field.
    static ApiError validation(std::string field, std::string message,
                               std::string field_code = "wrong_value");
    static ApiError business(std::string code, std::string message, std::string field = {});
    static ApiError bad_request(std::string message);
    static ApiError too_many_requests();

    // The JSON body.
    std::string body() const;
};

} // namespace invoicebox::sim
