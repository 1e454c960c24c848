// HTTP value helpers.
#include "invoicebox/protocol/http_message.hpp"

#include "invoicebox/protocol/signature.hpp"

namespace invoicebox::protocol {

std::string_view to_string(HttpMethod m) noexcept {
    switch (m) {
    case HttpMethod::get:
        return "GET";
    case HttpMethod::post:
        return "POST";
    case HttpMethod::put:
        return "PUT";
    case HttpMethod::delete_:
        return "DELETE";
    }
    return "GET";
}

std::optional<std::string_view> find_header(const HttpHeaders& headers,
                                            std::string_view name) noexcept {
    for (const auto& h : headers)
        if (iequals(h.name, name))
            return std::string_view(h.value);
    return std::nullopt;
}

std::string_view to_string(TransportFailure f) noexcept {
    switch (f) {
    case TransportFailure::connect_failed:
        return "connect failed";
    case TransportFailure::timeout:
        return "timeout";
    case TransportFailure::connection_dropped:
        return "connection dropped";
    case TransportFailure::cancelled:
        return "cancelled";
    case TransportFailure::other:
        break;
    }
    return "transport error";
}

} // namespace invoicebox::protocol
