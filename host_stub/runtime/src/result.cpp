// The runtime's error category and the names of its enums.
#include <pms/host/runtime/result.hpp>
#include <pms/host/runtime/runtime.hpp>

#include <algorithm>

namespace pms::host {
namespace {

class RuntimeCategory final : public std::error_category {
  public:
    const char* name() const noexcept override { return "pms.host.runtime"; }
    std::string message(int value) const override {
        return to_string(static_cast<RuntimeErrc>(value));
    }
};

} // namespace

const std::error_category& runtime_category() noexcept {
    static const RuntimeCategory category;
    return category;
}

const char* to_string(RuntimeErrc e) noexcept {
    switch (e) {
    case RuntimeErrc::unknown_plugin:
        return "unknown_plugin";
    case RuntimeErrc::plugin_refused:
        return "plugin_refused";
    case RuntimeErrc::not_enabled:
        return "not_enabled";
    case RuntimeErrc::not_supported:
        return "not_supported";
    case RuntimeErrc::unavailable:
        return "unavailable";
    case RuntimeErrc::invalid_argument:
        return "invalid_argument";
    case RuntimeErrc::plugin_error:
        return "plugin_error";
    case RuntimeErrc::plugin_misbehaving:
        return "plugin_misbehaving";
    case RuntimeErrc::timeout:
        return "timeout";
    case RuntimeErrc::cancelled:
        return "cancelled";
    case RuntimeErrc::storage_error:
        return "storage_error";
    case RuntimeErrc::busy:
        return "busy";
    case RuntimeErrc::internal:
        return "internal";
    }
    return "unknown";
}

const char* to_string(LogLevel level) noexcept {
    switch (level) {
    case LogLevel::debug:
        return "DEBUG";
    case LogLevel::info:
        return "INFO";
    case LogLevel::warning:
        return "WARNING";
    case LogLevel::error:
        return "ERROR";
    case LogLevel::fatal:
        return "FATAL";
    case LogLevel::host_misbehaving:
        return "HOST_MISBEHAVING";
    case LogLevel::plugin_misbehaving:
        return "PLUGIN_MISBEHAVING";
    }
    return "ERROR";
}

const char* to_string(InstanceState state) noexcept {
    switch (state) {
    case InstanceState::starting:
        return "starting";
    case InstanceState::active:
        return "active";
    case InstanceState::inactive:
        return "inactive";
    case InstanceState::draining:
        return "draining";
    case InstanceState::zombie:
        return "zombie";
    }
    return "unknown";
}

bool PluginInfo::has_capability(std::string_view id) const noexcept {
    return std::find(capabilities.begin(), capabilities.end(), id) != capabilities.end();
}

} // namespace pms::host
