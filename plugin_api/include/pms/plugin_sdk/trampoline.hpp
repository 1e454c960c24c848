// pms/plugin_sdk/trampoline.hpp — noexcept wrappers for every function the plugin exposes
// through the C ABI.
//
// No exception may cross the boundary: throwing through an extern "C" frame terminates the
// host, and the exception's type info lives in the plugin's module. Every SDK trampoline runs
// the plugin's C++ code inside one of these guards: an exception is caught, logged through
// pms.log/1 at PMS_LOG_PLUGIN_MISBEHAVING (with where it happened and what() when available),
// and turned into PMS_INTERNAL (or the given fallback value).
#pragma once

#include <pms/plugin_api/ext/log.h>
#include <pms/plugin_api/host.h>
#include <pms/plugin_api/status.h>

#include <exception>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace pms::sdk {

namespace detail {

// Logs through the instance's pms.log/1 if there is one. Never throws. `host` may be NULL
// (e.g. inside factory.create, where host calls are not allowed yet): then nothing is logged.
inline void log_to_host(const pms_host* host, pms_log_level level, std::string_view text) noexcept {
    if (host == nullptr || host->get_extension == nullptr)
        return;
    const auto* log = static_cast<const pms_host_log*>(host->get_extension(host, PMS_EXT_LOG));
    if (log == nullptr || log->log == nullptr)
        return;
    log->log(host, level, pms_str{text.data(), text.size()});
}

inline void log_caught_exception(const pms_host* host, const char* where) noexcept {
    // Called from inside a catch block: the current exception is available.
    const char* what = "unknown exception";
    try {
        throw;
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
    }
    try {
        std::string text = "exception escaped from ";
        text += where != nullptr ? where : "?";
        text += ": ";
        text += what;
        log_to_host(host, PMS_LOG_PLUGIN_MISBEHAVING, text);
    } catch (...) {
        log_to_host(host, PMS_LOG_PLUGIN_MISBEHAVING, "exception escaped (no memory to describe it)");
    }
}

} // namespace detail

/// Runs `f` and returns its status (or PMS_OK when it returns void); any exception becomes
/// PMS_INTERNAL and is logged. `where` names the hook for the log line (static string).
template <class F>
pms_status guard(const pms_host* host, const char* where, F&& f) noexcept {
    try {
        if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
            f();
            return PMS_OK;
        } else {
            return static_cast<pms_status>(f());
        }
    } catch (...) {
        detail::log_caught_exception(host, where);
        return PMS_INTERNAL;
    }
}

/// Runs `f` and returns its value; any exception returns `fallback` and is logged.
template <class R, class F>
R guard_value(const pms_host* host, const char* where, R fallback, F&& f) noexcept {
    try {
        return static_cast<R>(f());
    } catch (...) {
        detail::log_caught_exception(host, where);
        return fallback;
    }
}

/// Runs `f`, which returns nothing; any exception is logged and swallowed.
template <class F>
void guard_void(const pms_host* host, const char* where, F&& f) noexcept {
    try {
        f();
    } catch (...) {
        detail::log_caught_exception(host, where);
    }
}

} // namespace pms::sdk
