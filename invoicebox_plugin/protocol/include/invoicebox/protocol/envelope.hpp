// The response envelope (invoicebox-api.md §1.5): {"data": ..., "extendedData": [],
// "metaData": {"totalCount", "pageSize", "page"}} on success; errors are api_error.hpp.
#pragma once

#include "invoicebox/protocol/http_message.hpp"
#include "invoicebox/protocol/json_reader.hpp"
#include "invoicebox/protocol/json_value.hpp"
#include "invoicebox/protocol/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::protocol {

struct PageMeta {
    std::int64_t total_count = 0;
    std::int64_t page_size = 0;
    std::int64_t page = 1;
    friend bool operator==(const PageMeta&, const PageMeta&) = default;
};

template <class T>
struct Page {
    std::vector<T> items;
    std::optional<PageMeta> meta; ///< absent when the server sent none
    /// Whether a next page may exist: by metaData when present, else "this page was full".
    bool has_more(std::int64_t requested_page_size) const noexcept {
        if (meta)
            return meta->page * meta->page_size < meta->total_count;
        return static_cast<std::int64_t>(items.size()) >= requested_page_size;
    }
};

struct Envelope {
    JsonValue data;
    std::optional<JsonValue> extended_data;
    std::optional<PageMeta> meta;
};

/// What the transport delivered: a response or a transport failure.
using HttpOutcome = Expected<HttpResponse, TransportError>;

/// 2xx with a JSON object holding `data` -> Envelope. Non-2xx -> error_from_response. A 2xx
/// carrying an `error` object instead of `data` is read as that error. Anything else is
/// malformed_response. `limits` is how the body is parsed (parse_json).
Result<Envelope> read_envelope(const HttpOutcome& outcome, const JsonReadLimits& limits = {});

} // namespace invoicebox::protocol
