// How amounts and times are shown to hotel staff and guests (Russian conventions), and how the
// staff's form input is read back.
//
// Money: "67 680,00 ₽" (groups of three split by a space, comma decimals, the rouble sign; other
// currencies by their ISO code). Times: "12.05.2025 14:03" in the property's zone: the offset
// comes from pms.clock/1, because g++ 12 has no chrono::locate_zone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace invoicebox::plugin {

/// "67 680,00 ₽" for RUB, "1 550,50 EUR" otherwise, every space a no-break space (U+00A0): the one
/// place the plugin formats an amount for people. Negative amounts get a leading minus.
std::string format_money_ru(std::int64_t minor, std::string_view currency = "RUB");

/// "15500.00": the decimal text of a `money` form field.
std::string format_decimal(std::int64_t minor);

/// Reads a `money` form value ("15500.00", "15500.5", "15500") exactly; nullopt when it is not a
/// non-negative decimal with at most two fraction digits.
std::optional<std::int64_t> parse_decimal_minor(std::string_view text);

/// Reads staff money text exactly: "10000.00", "10000,5", "10000", "10 000,00" (groups of three
/// split by a space, a no-break space U+00A0 or a narrow no-break space U+202F). nullopt for
/// anything else: a sign, more than two decimals, misplaced group separators ("1 0000"), two
/// decimal marks ("10.000,00"), exponents, letters, an empty text.
std::optional<std::int64_t> parse_staff_money(std::string_view text);

/// "12.05.2025 14:03": the UTC instant shown at the property's offset.
std::string format_local_datetime(std::int64_t utc_ms, int offset_minutes);

/// The label of the property's time zone shown after a time a guest reads («до 08.12.2026 05:18
/// (МСК)»): "МСК" for Europe/Moscow, whose name every Russian guest knows; for any other zone
/// the offset at that instant, "UTC+5", "UTC+5:30", "UTC-3", or "UTC" at zero, because a
/// zone's Russian name is not in pms.clock/1 and an IANA id means nothing to a guest.
std::string zone_label(std::string_view iana_zone, int offset_minutes);

/// "12.05.2025": the date part only.
std::string format_local_date(std::int64_t utc_ms, int offset_minutes);

/// "2025-05-12" -> "12.05.2025"; other text is returned unchanged.
std::string format_iso_date_ru(std::string_view iso_date);

/// The text with at most `max_chars` characters (UTF-8 code points): a longer one is cut at a
/// character boundary and ends in "…" (counted in the limit).
std::string shorten_text(std::string_view text, std::size_t max_chars);

} // namespace invoicebox::plugin
