// Notification retry schedules (see retry_schedule.hpp).
#include "invoicebox/sim/retry_schedule.hpp"

namespace invoicebox::sim {

using std::chrono::minutes;
using std::chrono::seconds;

RetrySchedule::RetrySchedule(Kind kind, std::vector<Millis> delays)
    : kind_(kind), delays_(std::move(delays)) {}

RetrySchedule RetrySchedule::fast() {
    // 1 + 2 + … + 10 = 55 s: first retry after 1 s, the tenth 55 s after the first attempt.
    std::vector<Millis> d;
    for (int i = 1; i <= 10; ++i) {
        d.push_back(seconds{i});
    }
    return RetrySchedule{Kind::fast, std::move(d)};
}

RetrySchedule RetrySchedule::real() {
    // 5 min … 8 h, 1350 min (22.5 h) in total: ten retries "during the next 24 hours".
    return RetrySchedule{Kind::real,
                         {minutes{5}, minutes{10}, minutes{15}, minutes{30}, minutes{60},
                          minutes{90}, minutes{120}, minutes{180}, minutes{360}, minutes{480}}};
}

std::optional<RetrySchedule> RetrySchedule::from_name(std::string_view name) {
    if (name == "fast") {
        return fast();
    }
    if (name == "real") {
        return real();
    }
    return std::nullopt;
}

std::optional<Millis> RetrySchedule::delay_after(int attempt) const {
    if (attempt < 1 || attempt > max_retries()) {
        return std::nullopt;
    }
    return delays_[static_cast<std::size_t>(attempt - 1)];
}

} // namespace invoicebox::sim
