// Simulated clock and RFC 3339 conversions (see clock.hpp).
#include "invoicebox/sim/clock.hpp"

#include <cstdio>

namespace invoicebox::sim {

namespace {

// Reads exactly `n` decimal digits at `pos`; advances `pos`.
bool read_digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
    if (pos + n > s.size()) {
        return false;
    }
    int value = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    pos += n;
    out = value;
    return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
    if (pos < s.size() && s[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

} // namespace

Instant system_now() {
    return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
}

SimClock::SimClock(Source source) : source_(std::move(source)) {}

Instant SimClock::now() const {
    return source_() + offset_;
}

void SimClock::advance(Millis delta) {
    offset_ += delta;
}

void SimClock::set(Instant t) {
    offset_ = t - source_();
}

std::optional<Instant> parse_rfc3339(std::string_view s, bool offset_optional) {
    using namespace std::chrono;
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!read_digits(s, pos, 4, y) || !expect(s, pos, '-') || !read_digits(s, pos, 2, mo) ||
        !expect(s, pos, '-') || !read_digits(s, pos, 2, d)) {
        return std::nullopt;
    }
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                             day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    if (pos == s.size()) {
        if (!offset_optional) {
            return std::nullopt;
        }
        return Instant{sys_days{ymd}};
    }
    if (!(expect(s, pos, 'T') || expect(s, pos, 't') || expect(s, pos, ' ')) ||
        !read_digits(s, pos, 2, h) || !expect(s, pos, ':') || !read_digits(s, pos, 2, mi) ||
        !expect(s, pos, ':') || !read_digits(s, pos, 2, sec)) {
        return std::nullopt;
    }
    if (h > 23 || mi > 59 || sec > 60) {
        return std::nullopt;
    }
    int millis = 0;
    if (expect(s, pos, '.')) {
        int scale = 100;
        std::size_t digits = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            millis += (s[pos] - '0') * scale;
            scale /= 10;
            ++pos;
            ++digits;
        }
        if (digits == 0) {
            return std::nullopt;
        }
    }
    minutes offset{0};
    if (pos == s.size()) {
        if (!offset_optional) {
            return std::nullopt;
        }
    } else if (expect(s, pos, 'Z') || expect(s, pos, 'z')) {
        // UTC
    } else {
        const char sign = s[pos];
        if (sign != '+' && sign != '-') {
            return std::nullopt;
        }
        ++pos;
        int oh = 0, om = 0;
        if (!read_digits(s, pos, 2, oh) || !expect(s, pos, ':') || !read_digits(s, pos, 2, om) ||
            oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset = hours{oh} + minutes{om};
        if (sign == '-') {
            offset = -offset;
        }
    }
    if (pos != s.size()) {
        return std::nullopt;
    }
    const auto local = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + Millis{millis};
    return Instant{local - offset};
}

std::string format_rfc3339(Instant t) {
    using namespace std::chrono;
    const auto secs = floor<seconds>(t);
    const auto day_point = floor<days>(secs);
    const year_month_day ymd{day_point};
    const hh_mm_ss hms{secs - day_point};
    const int year = int(ymd.year());
    if (year < 0 || year > 9999) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d+00:00", year,
                      unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                      int(hms.minutes().count()), int(hms.seconds().count()));
        return buf;
    }
    // Written digit by digit: a list page formats two or three dates per order, and snprintf
    // was a tenth of the simulator's CPU in a poll pass.
    std::string out = "0000-00-00T00:00:00+00:00";
    const auto put2 = [&out](std::size_t at, unsigned v) {
        out[at] = char('0' + v / 10);
        out[at + 1] = char('0' + v % 10);
    };
    put2(0, unsigned(year) / 100);
    put2(2, unsigned(year) % 100);
    put2(5, unsigned(ymd.month()));
    put2(8, unsigned(ymd.day()));
    put2(11, unsigned(hms.hours().count()));
    put2(14, unsigned(hms.minutes().count()));
    put2(17, unsigned(hms.seconds().count()));
    return out;
}

std::string format_ru_datetime(Instant t, std::chrono::minutes utc_offset) {
    using namespace std::chrono;
    const auto secs = floor<seconds>(t) + utc_offset;
    const auto day_point = floor<days>(secs);
    const year_month_day ymd{day_point};
    const hh_mm_ss hms{secs - day_point};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%02u.%02u.%04d %02d:%02d", unsigned(ymd.day()),
                  unsigned(ymd.month()), int(ymd.year()), int(hms.hours().count()),
                  int(hms.minutes().count()));
    return buf;
}

} // namespace invoicebox::sim
