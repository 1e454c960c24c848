// Typed field access on JsonValue for the codecs: required/optional strings, amounts,
// quantities. Unknown fields are simply never looked at; a null counts as absent.
#pragma once

#include "invoicebox/protocol/decode_error.hpp"
#include "invoicebox/protocol/expected.hpp"
#include "invoicebox/protocol/json_value.hpp"
#include "invoicebox/protocol/money.hpp"
#include "invoicebox/protocol/quantity.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace invoicebox::protocol::detail {

std::string join_path(std::string_view base, std::string_view key);
std::string index_path(std::string_view base, std::size_t i);

/// Present and not null.
const JsonValue* present(const JsonObject& o, std::string_view key) noexcept;

Expected<std::string, DecodeError> req_string(const JsonObject& o, std::string_view key,
                                              std::string_view path);
/// Absent or null -> nullopt; a non-string -> error.
Expected<std::optional<std::string>, DecodeError>
opt_string(const JsonObject& o, std::string_view key, std::string_view path);
/// A string, or a number kept as its text (fields whose type drifted, e.g. measureCode, shopId).
Expected<std::optional<std::string>, DecodeError>
opt_string_or_number(const JsonObject& o, std::string_view key, std::string_view path);
Expected<Money, DecodeError> req_money(const JsonObject& o, std::string_view key, Currency c,
                                       std::string_view path);
Expected<std::optional<Money>, DecodeError> opt_money(const JsonObject& o, std::string_view key,
                                                      Currency c, std::string_view path);
Expected<Quantity, DecodeError> req_quantity(const JsonObject& o, std::string_view key,
                                             std::string_view path);
Expected<std::optional<bool>, DecodeError> opt_bool(const JsonObject& o, std::string_view key,
                                                    std::string_view path);
Expected<std::optional<std::int64_t>, DecodeError>
opt_int(const JsonObject& o, std::string_view key, std::string_view path);

} // namespace invoicebox::protocol::detail
