// pms.clock/1: the injected clock and the property's zone. The offset is the property's
// standard offset from storage (g++ 12 has no zone database access); DST is not applied.
#include "service_support.hpp"
#include "services.hpp"

namespace pms::host::detail {
namespace {

std::int64_t clock_now(const pms_host* host) noexcept {
    Instance* inst = Instance::from_host(host);
    if (inst == nullptr)
        return 0;
    return inst->rt.clock.now_utc_ms();
}

std::int32_t clock_offset(const pms_host* host, std::int64_t /*at_utc_ms*/) noexcept {
    Instance* inst = Instance::from_host(host);
    return inst == nullptr ? 0 : inst->utc_offset_minutes;
}

const char* clock_zone(const pms_host* host) noexcept {
    Instance* inst = Instance::from_host(host);
    return inst == nullptr ? "" : inst->time_zone.c_str();
}

constexpr pms_host_clock table{&clock_now, &clock_offset, &clock_zone};

} // namespace

const pms_host_clock* clock_service() noexcept {
    return &table;
}

} // namespace pms::host::detail
