// Russian display formats for money and times (formatting.hpp).
#include <invoicebox/plugin/formatting.hpp>

#include <chrono>
#include <cstdio>

namespace invoicebox::plugin {

namespace {

// U+00A0: an amount never breaks across lines («67 / 680,00 ₽», issue 10), in a view, a mail or
// an alert; the host's web UI formats its own amounts the same way (host_stub/web/format.js).
constexpr std::string_view nbsp = "\u00A0";

/// The length of a group separator at `s[i]` (space, U+00A0, U+202F in UTF-8), 0 when none.
std::size_t separator_at(std::string_view s, std::size_t i) {
    if (s[i] == ' ')
        return 1;
    if (s.substr(i, 2) == "\xC2\xA0")
        return 2;
    if (s.substr(i, 3) == "\xE2\x80\xAF")
        return 3;
    return 0;
}

/// Staff paste amounts with spaces around them.
std::string_view without_outer_spaces(std::string_view text) {
    while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ')
        text.remove_suffix(1);
    return text;
}

std::string group_thousands(std::uint64_t units) {
    std::string digits = std::to_string(units);
    std::string out;
    const std::size_t n = digits.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (i != 0 && (n - i) % 3 == 0)
            out += nbsp;
        out += digits[i];
    }
    return out;
}

} // namespace

std::string format_money_ru(std::int64_t minor, std::string_view currency) {
    const bool negative = minor < 0;
    const std::uint64_t abs = negative ? 0 - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
    char cents[4];
    std::snprintf(cents, sizeof cents, "%02u", static_cast<unsigned>(abs % 100));
    std::string out = negative ? "-" : "";
    out += group_thousands(abs / 100);
    out += ',';
    out += cents;
    out += nbsp;
    if (currency == "RUB")
        out += "₽";
    else
        out += currency;
    return out;
}

std::string format_decimal(std::int64_t minor) {
    const bool negative = minor < 0;
    const std::uint64_t abs = negative ? 0 - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
    char cents[4];
    std::snprintf(cents, sizeof cents, "%02u", static_cast<unsigned>(abs % 100));
    return (negative ? "-" : "") + std::to_string(abs / 100) + "." + cents;
}

std::optional<std::int64_t> parse_decimal_minor(std::string_view text) {
    text = without_outer_spaces(text);
    if (text.empty())
        return std::nullopt;
    std::int64_t units = 0;
    std::size_t i = 0;
    std::size_t int_digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++int_digits) {
        if (int_digits >= 13)
            return std::nullopt;
        units = units * 10 + (text[i] - '0');
    }
    if (int_digits == 0)
        return std::nullopt;
    std::int64_t cents = 0;
    if (i < text.size()) {
        if (text[i] != '.' && text[i] != ',')
            return std::nullopt;
        ++i;
        const std::size_t frac = text.size() - i;
        if (frac == 0 || frac > 2)
            return std::nullopt;
        for (std::size_t k = 0; k < frac; ++k) {
            const char c = text[i + k];
            if (c < '0' || c > '9')
                return std::nullopt;
            cents = cents * 10 + (c - '0');
        }
        if (frac == 1)
            cents *= 10;
    }
    return units * 100 + cents;
}

std::optional<std::int64_t> parse_staff_money(std::string_view text) {
    text = without_outer_spaces(text);
    if (text.empty())
        return std::nullopt;
    // The integer part: digits, optionally grouped by three (the first group 1-3 digits).
    std::string digits;
    std::size_t i = 0;
    std::size_t group = 0;
    bool grouped = false;
    while (i < text.size()) {
        const char c = text[i];
        if (c >= '0' && c <= '9') {
            digits += c;
            ++group;
            ++i;
            continue;
        }
        const auto sep = separator_at(text, i);
        if (sep == 0)
            break;
        // A separator closes a group: the first of 1-3 digits, every later one of exactly 3.
        if (group == 0 || group > 3 || (grouped && group != 3))
            return std::nullopt;
        grouped = true;
        group = 0;
        i += sep;
    }
    if (digits.empty() || group == 0 || (grouped && group != 3))
        return std::nullopt;
    if (digits.size() > 13)
        return std::nullopt;
    std::string normal = digits;
    if (i < text.size()) {
        if (text[i] != '.' && text[i] != ',')
            return std::nullopt;
        normal += '.';
        normal += text.substr(i + 1);
    }
    // What is left is "digits[.dd]": the form field's own strict reader.
    return parse_decimal_minor(normal);
}

std::string format_local_datetime(std::int64_t utc_ms, int offset_minutes) {
    using namespace std::chrono;
    const sys_time<milliseconds> t{milliseconds(utc_ms + std::int64_t(offset_minutes) * 60'000)};
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{floor<minutes>(t - day)};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02u.%02u.%04d %02d:%02d", unsigned(ymd.day()), unsigned(ymd.month()),
                  int(ymd.year()), int(hms.hours().count()), int(hms.minutes().count()));
    return buf;
}

std::string zone_label(std::string_view iana_zone, int offset_minutes) {
    // "W-SU" is the tz database's old alias of Europe/Moscow, still accepted by hosts.
    if (iana_zone == "Europe/Moscow" || iana_zone == "W-SU")
        return "МСК";
    if (offset_minutes == 0)
        return "UTC";
    const int abs = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    std::string out = offset_minutes < 0 ? "UTC-" : "UTC+";
    out += std::to_string(abs / 60);
    if (abs % 60 != 0) {
        char mm[4];
        std::snprintf(mm, sizeof mm, "%02d", abs % 60);
        out += ':';
        out += mm;
    }
    return out;
}

std::string format_local_date(std::int64_t utc_ms, int offset_minutes) {
    return format_local_datetime(utc_ms, offset_minutes).substr(0, 10);
}

std::string format_iso_date_ru(std::string_view d) {
    if (d.size() != 10 || d[4] != '-' || d[7] != '-')
        return std::string(d);
    std::string out;
    out.append(d.substr(8, 2)).append(".").append(d.substr(5, 2)).append(".").append(d.substr(0, 4));
    return out;
}

std::string shorten_text(std::string_view text, std::size_t max_chars) {
    if (max_chars == 0)
        return {};
    // Where each character starts: a byte that is not a UTF-8 continuation byte (10xxxxxx).
    std::size_t chars = 0;
    std::size_t cut = text.size(); // the byte where character max_chars (0-based: max_chars - 1) starts
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80)
            continue;
        if (chars == max_chars - 1)
            cut = i;
        if (++chars > max_chars)
            return std::string(text.substr(0, cut)) + "…";
    }
    return std::string(text);
}

} // namespace invoicebox::plugin
