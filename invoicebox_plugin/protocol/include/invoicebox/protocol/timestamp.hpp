// Wire timestamps: RFC 3339 / ATOM with offset ("2024-11-05T09:12:44+00:00"), UTC inside.
// g++ 12 has no chrono::parse or <format>, so this is a small exact parser and formatter.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace invoicebox::protocol {

using UtcTime = std::chrono::sys_seconds;

/// Parses "YYYY-MM-DDTHH:MM:SS" with optional fraction (dropped) and offset "Z" / "+HH:MM" /
/// "-HH:MM" / "+HHMM"; no offset means UTC (the docs' filter examples omit it). A lower-case
/// 't'/'z' or a space separator is accepted. nullopt on anything else or an impossible date.
std::optional<UtcTime> parse_timestamp(std::string_view text) noexcept;

/// "YYYY-MM-DDTHH:MM:SS+00:00": the offset is always written, as the API requires.
std::string format_timestamp(UtcTime t);

/// "YYYY-MM-DD" (serviceDate, documentDate).
std::optional<std::chrono::year_month_day> parse_date(std::string_view text) noexcept;
std::string format_date(std::chrono::year_month_day d);

} // namespace invoicebox::protocol
