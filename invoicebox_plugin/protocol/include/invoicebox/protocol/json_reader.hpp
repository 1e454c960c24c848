// Parsing JSON text into JsonValue, numbers kept as their exact text.
//
// Built on boost::json::basic_parser with our own handler (the number callbacks hand over the
// source text), so strict RFC 8259 syntax, UTF-8 validation and `\/`, `\uXXXX` unescaping are
// Boost.JSON's, while no amount ever becomes a double.
#pragma once

#include "invoicebox/protocol/expected.hpp"
#include "invoicebox/protocol/json_value.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace invoicebox::protocol {

struct JsonParseError {
    std::string message;    ///< Boost.JSON's message ("syntax error", "illegal UTF-8", ...)
    std::size_t offset = 0; ///< bytes consumed before the error
};

struct JsonReadLimits {
    std::size_t max_depth = 64;      ///< nesting of objects/arrays
    std::size_t max_bytes = 8 << 20; ///< refuse larger documents outright
    /// When not empty, every object member of this name, at any depth, is left out of the
    /// tree: its value is still parsed (the document must be well-formed JSON) but nothing of
    /// it is built. For a reader that has no use for a large part of each answer (the basket
    /// of every order on a list page, issue 14).
    std::string_view skip_member{};
};

/// Parses one complete JSON document (surrounding whitespace allowed, nothing after it).
Expected<JsonValue, JsonParseError> parse_json(std::string_view text,
                                               const JsonReadLimits& limits = {});

} // namespace invoicebox::protocol
