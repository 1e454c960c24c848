// Error classification and the error body codec.
#include "invoicebox/protocol/api_error.hpp"

#include "invoicebox/protocol/json_reader.hpp"
#include "invoicebox/protocol/json_writer.hpp"

#include <array>
#include <cstdio>

namespace invoicebox::protocol {

namespace {

constexpr std::array<DocumentedError, 12> table{{
    {ApiErrorCode::unauthorized, "unauthorized", 401, "", "missing or invalid credentials"},
    {ApiErrorCode::forbidden, "forbidden", 403, "", "access to the resource or object denied"},
    {ApiErrorCode::wrong_expiration_date, "wrong_expiration_date", 422, "expirationDate",
     "bad expirationDate"},
    {ApiErrorCode::wrong_currency, "wrong_currency", 422, "currencyId", "bad currencyId"},
    {ApiErrorCode::language_not_found, "language_not_found", 422, "languageId", "bad languageId"},
    {ApiErrorCode::wrong_basket_item_total_amount, "wrong_basket_item_total_amount", 422,
     "basketItems", "an item's totalAmount does not match"},
    {ApiErrorCode::wrong_basket_item_total_vat_amount, "wrong_basket_item_total_vat_amount", 422,
     "basketItems", "an item's totalVatAmount does not match"},
    {ApiErrorCode::wrong_basket_item_amount_wo_vat, "wrong_basket_item_amount_wo_vat", 422,
     "basketItems", "an item's amountWoVat does not match"},
    {ApiErrorCode::wrong_total_amount, "wrong_total_amount", 422, "amount",
     "order amount differs from the basket"},
    {ApiErrorCode::wrong_total_vat_amount, "wrong_total_vat_amount", 422, "vatAmount",
     "order vatAmount differs from the basket"},
    {ApiErrorCode::wrong_order_status, "wrong_order_status", 422, "",
     "operation not allowed in the current status"},
    {ApiErrorCode::merchant_order_id_duplicate, "merchant_order_id_duplicate", 422,
     "merchantOrderId", "merchantOrderId already used"},
}};

std::string str_or_empty(const JsonValue* v) {
    if (!v)
        return {};
    if (const auto* s = v->if_string())
        return *s;
    if (const auto* n = v->if_number())
        return n->text;
    return {};
}

ErrorKind kind_for_status(int status) noexcept {
    switch (status) {
    case 400:
        return ErrorKind::bad_request;
    case 401:
        return ErrorKind::unauthorized;
    case 403:
        return ErrorKind::forbidden;
    case 404:
        return ErrorKind::not_found;
    case 422:
        return ErrorKind::validation;
    case 429:
        return ErrorKind::rate_limited;
    default:
        return status >= 500 && status <= 599 ? ErrorKind::server_error : ErrorKind::http_other;
    }
}

// Reads {code, message, fields} from an error object of either shape.
void read_error_object(const JsonObject& o, ApiError& e) {
    e.code = str_or_empty(o.find("code"));
    e.message = str_or_empty(o.find("message"));
    if (const auto* f = o.find("fields"); f && f->if_array()) {
        for (const auto& entry : *f->if_array()) {
            if (!entry.if_object())
                continue;
            e.fields.push_back(FieldError{str_or_empty(entry.find("name")),
                                          str_or_empty(entry.find("code")),
                                          str_or_empty(entry.find("message"))});
        }
    }
}

int month_from_name(std::string_view m) noexcept {
    static constexpr std::array<std::string_view, 12> names{
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == m)
            return static_cast<int>(i) + 1;
    return 0;
}

} // namespace

std::string_view to_string(ErrorKind k) noexcept {
    switch (k) {
    case ErrorKind::unauthorized:
        return "unauthorized";
    case ErrorKind::forbidden:
        return "forbidden";
    case ErrorKind::validation:
        return "validation";
    case ErrorKind::bad_request:
        return "bad_request";
    case ErrorKind::not_found:
        return "not_found";
    case ErrorKind::rate_limited:
        return "rate_limited";
    case ErrorKind::server_error:
        return "server_error";
    case ErrorKind::http_other:
        return "http_other";
    case ErrorKind::malformed_response:
        return "malformed_response";
    case ErrorKind::not_authenticated:
        return "not_authenticated";
    case ErrorKind::transport:
        return "transport";
    case ErrorKind::invalid_request:
        return "invalid_request";
    case ErrorKind::conflict:
        return "conflict";
    case ErrorKind::outcome_unknown:
        return "outcome_unknown";
    }
    return "error";
}

std::span<const DocumentedError> documented_errors() noexcept {
    return table;
}

ApiErrorCode api_error_code_from_wire(std::string_view wire) noexcept {
    for (const auto& d : table)
        if (d.wire == wire)
            return d.code;
    return ApiErrorCode::other;
}

const DocumentedError* find_documented_error(ApiErrorCode code) noexcept {
    for (const auto& d : table)
        if (d.code == code)
            return &d;
    return nullptr;
}

std::string describe(const ApiError& e) {
    std::string s(to_string(e.kind));
    if (e.http_status != 0)
        s += " " + std::to_string(e.http_status);
    if (e.transport)
        s += " (" + std::string(to_string(*e.transport)) + ")";
    if (!e.code.empty())
        s += " " + e.code;
    if (!e.message.empty())
        s += ": " + e.message;
    if (!e.fields.empty()) {
        s += " [";
        for (std::size_t i = 0; i < e.fields.size(); ++i) {
            if (i)
                s += ", ";
            s += e.fields[i].name;
            if (!e.fields[i].code.empty())
                s += "=" + e.fields[i].code;
        }
        s += "]";
    }
    if (e.outcome_unknown)
        s += " (outcome unknown)";
    if (!e.request_id.empty())
        s += " request-id " + e.request_id;
    return s;
}

RetryAfter parse_retry_after(std::string_view v) noexcept {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
    RetryAfter r;
    if (v.empty())
        return r;
    if (v.find_first_not_of("0123456789") == std::string_view::npos) {
        if (v.size() > 9) // over ~30 years: treat as absurd, not as a delay
            return r;
        long n = 0;
        for (char c : v)
            n = n * 10 + (c - '0');
        r.delay = std::chrono::seconds(n);
        return r;
    }
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    if (v.size() != 29 || v.substr(3, 2) != ", " || v.substr(25) != " GMT")
        return r;
    const int month = month_from_name(v.substr(8, 3));
    if (month == 0)
        return r;
    char iso[32];
    std::snprintf(iso, sizeof iso, "%.4s-%02d-%.2sT%.8sZ", v.substr(12, 4).data(), month,
                  v.substr(5, 2).data(), v.substr(17, 8).data());
    r.date = parse_timestamp(iso);
    return r;
}

ApiError error_from_response(const HttpResponse& r) {
    ApiError e;
    e.http_status = r.status;
    e.kind = kind_for_status(r.status);
    // A 5xx may come after the server (or a proxy in front of it) acted on the request.
    e.outcome_unknown = r.status >= 500;
    if (auto id = find_header(r.headers, "X-Request-Id"))
        e.request_id = std::string(*id);
    if (auto ra = find_header(r.headers, "Retry-After")) {
        const auto parsed = parse_retry_after(*ra);
        e.retry_after = parsed.delay;
        e.retry_after_date = parsed.date;
    }
    auto doc = parse_json(r.body);
    if (doc && doc->if_object()) {
        const auto* nested = doc->find("error");
        if (nested && nested->if_object())
            read_error_object(*nested->if_object(), e);
        else if (nested && nested->if_string())
            e.message = *nested->if_string();
        else
            read_error_object(*doc->if_object(), e); // flat shape ([mcp])
    } else if (!r.body.empty()) {
        // Not JSON (an HTML error page from a proxy): keep a short excerpt for the log.
        e.message = r.body.substr(0, 200);
    }
    if (e.message.empty())
        e.message = "HTTP " + std::to_string(r.status);
    return e;
}

ApiError error_from_transport(const TransportError& t) {
    ApiError e;
    e.kind = ErrorKind::transport;
    e.transport = t.failure;
    e.message = t.detail.empty() ? std::string(to_string(t.failure)) : t.detail;
    e.outcome_unknown =
        t.failure != TransportFailure::connect_failed && t.request_may_have_been_sent;
    return e;
}

ApiError malformed_response(const HttpResponse& r, std::string what) {
    ApiError e;
    e.kind = ErrorKind::malformed_response;
    e.http_status = r.status;
    e.message = std::move(what);
    e.outcome_unknown = true;
    if (auto id = find_header(r.headers, "X-Request-Id"))
        e.request_id = std::string(*id);
    return e;
}

} // namespace invoicebox::protocol
