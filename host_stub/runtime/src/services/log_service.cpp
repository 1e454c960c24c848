// pms.log/1: plugin log lines into the host log, tagged with the instance and redacted.
#include "service_support.hpp"
#include "services.hpp"

namespace pms::host::detail {
namespace {

LogLevel level_of(pms_log_level level) noexcept {
    switch (level) {
    case PMS_LOG_DEBUG:
        return LogLevel::debug;
    case PMS_LOG_INFO:
        return LogLevel::info;
    case PMS_LOG_WARNING:
        return LogLevel::warning;
    case PMS_LOG_ERROR:
        return LogLevel::error;
    case PMS_LOG_FATAL:
        return LogLevel::fatal;
    case PMS_LOG_HOST_MISBEHAVING:
        return LogLevel::host_misbehaving;
    case PMS_LOG_PLUGIN_MISBEHAVING:
        return LogLevel::plugin_misbehaving;
    default:
        return LogLevel::error; // unknown levels are logged as errors (log.h)
    }
}

void log_write(const pms_host* host, pms_log_level level, pms_str msg) noexcept {
    Instance* inst = Instance::from_host(host);
    if (inst == nullptr || !valid(msg))
        return;
    inst->log(level_of(level), view_of(msg));
}

std::int32_t log_enabled(const pms_host* host, pms_log_level level) noexcept {
    Instance* inst = Instance::from_host(host);
    if (inst == nullptr)
        return 0;
    return inst->rt.logger.enabled(level_of(level)) ? 1 : 0;
}

constexpr pms_host_log table{&log_write, &log_enabled};

} // namespace

const pms_host_log* log_service() noexcept {
    return &table;
}

} // namespace pms::host::detail
