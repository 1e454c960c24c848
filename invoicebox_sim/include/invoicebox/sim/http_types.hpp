// The simulator's transport-neutral request and reply: the routing code (engine.hpp) maps one
// to the other without sockets, so it is unit-tested in-process and wired to Beast elsewhere.
#pragma once

#include "invoicebox/sim/clock.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace invoicebox::sim {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct SimRequest {
    std::string method; // "GET", "POST", …
    std::string target; // origin-form: path and query, e.g. "/v3/filter/api/order/order?id=…"
    Headers headers;
    std::string body; // raw bytes (chunked bodies already reassembled)
    std::string remote_address;

    // First header with this name, case-insensitive.
    std::optional<std::string_view> header(std::string_view name) const;
};

struct SimReply {
    enum class Disposition {
        answer, // send the reply
        drop    // close the connection without answering (fault injection)
    };

    int status = 200;
    Headers headers; // Content-Type included
    std::string body;
    Disposition disposition = Disposition::answer;
    Millis delay{0}; // added latency before the answer (or the drop)

    static SimReply json(int status, std::string body);
    static SimReply html(int status, std::string body);
};

} // namespace invoicebox::sim
