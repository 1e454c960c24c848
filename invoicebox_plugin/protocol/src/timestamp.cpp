// RFC 3339 parsing and formatting without <format>.
#include "invoicebox/protocol/timestamp.hpp"

#include <cstdio>

namespace invoicebox::protocol {

namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) noexcept {
    if (pos + n > s.size())
        return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

} // namespace

std::optional<std::chrono::year_month_day> parse_date(std::string_view s) noexcept {
    int y = 0, m = 0, d = 0;
    if (s.size() < 10 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, m) || s[7] != '-' ||
        !digits(s, 8, 2, d))
        return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year{y},
                                          std::chrono::month{static_cast<unsigned>(m)},
                                          std::chrono::day{static_cast<unsigned>(d)}};
    if (!ymd.ok())
        return std::nullopt;
    if (s.size() != 10)
        return std::nullopt;
    return ymd;
}

std::optional<UtcTime> parse_timestamp(std::string_view s) noexcept {
    if (s.size() < 19)
        return std::nullopt;
    int hh = 0, mm = 0, ss = 0;
    const auto date = parse_date(s.substr(0, 10));
    if (!date || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hh) ||
        s[13] != ':' || !digits(s, 14, 2, mm) || s[16] != ':' || !digits(s, 17, 2, ss))
        return std::nullopt;
    // 60 is a leap second: RFC 3339 allows it, chrono does not; it is folded into the next second.
    if (hh > 23 || mm > 59 || ss > 60)
        return std::nullopt;
    std::size_t i = 19;
    if (i < s.size() && s[i] == '.') {
        ++i;
        const std::size_t b = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9')
            ++i;
        if (i == b)
            return std::nullopt;
    }
    int offset_minutes = 0;
    if (i < s.size()) {
        if (s[i] == 'Z' || s[i] == 'z') {
            ++i;
        } else if (s[i] == '+' || s[i] == '-') {
            const int sign = s[i] == '-' ? -1 : 1;
            int oh = 0, om = 0;
            if (!digits(s, i + 1, 2, oh))
                return std::nullopt;
            std::size_t j = i + 3;
            if (j < s.size() && s[j] == ':')
                ++j;
            if (!digits(s, j, 2, om) || oh > 23 || om > 59)
                return std::nullopt;
            offset_minutes = sign * (oh * 60 + om);
            i = j + 2;
        } else {
            return std::nullopt;
        }
    }
    if (i != s.size())
        return std::nullopt;
    using namespace std::chrono;
    const auto local = sys_days{*date} + hours{hh} + minutes{mm} + seconds{ss};
    return time_point_cast<seconds>(local - minutes{offset_minutes});
}

std::string format_date(std::chrono::year_month_day d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    return buf;
}

std::string format_timestamp(UtcTime t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> tod{t - day};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d+00:00", format_date(ymd).c_str(),
                  static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                  static_cast<int>(tod.seconds().count()));
    return buf;
}

} // namespace invoicebox::protocol
