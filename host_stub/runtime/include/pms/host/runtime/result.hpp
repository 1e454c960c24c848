// Result values of the plugin runtime: what an asynchronous runtime call reports to its callback.
// An operation either produced a value or failed with a `Failure` naming the reason
// (`RuntimeErrc`), the plugin's own status when the plugin reported one, and a message for logs
// and the UI. Nothing here throws across a callback.
#pragma once

#include <pms/plugin_api/status.h>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace pms::host {

/// Why a runtime operation failed.
enum class RuntimeErrc {
    unknown_plugin = 1, ///< no plugin with that id was found in the plugins folder
    plugin_refused,     ///< the plugin exists but was refused at load time (see PluginInfo)
    not_enabled,        ///< the plugin has no active instance for that property
    not_supported,      ///< the plugin does not implement the hook needed
    unavailable,        ///< the instance or the runtime is draining / shut down
    invalid_argument,   ///< the caller's input is malformed (bad JSON, unknown session...)
    plugin_error,       ///< the plugin answered with an error status (`Failure::status`)
    plugin_misbehaving, ///< the plugin broke the contract (bad output, invalid view, no table)
    timeout,            ///< the plugin did not complete within the host's deadline
    cancelled,          ///< the instance drained before the plugin completed
    storage_error,      ///< the host's storage failed
    busy,               ///< another operation on the same thing is in progress
    internal,           ///< a host bug or unexpected condition
};

[[nodiscard]] const std::error_category& runtime_category() noexcept;

[[nodiscard]] inline std::error_code make_error_code(RuntimeErrc e) noexcept {
    return {static_cast<int>(e), runtime_category()};
}

/// The symbolic name, e.g. "not_enabled".
[[nodiscard]] const char* to_string(RuntimeErrc e) noexcept;

/// A failed runtime operation.
struct Failure {
    RuntimeErrc code = RuntimeErrc::internal;
    /// The plugin's status when it reported one (plugin_error), else a status that describes
    /// the failure in ABI terms (PMS_TIMEOUT, PMS_CANCELLED, PMS_UNAVAILABLE...).
    pms_status status = PMS_INTERNAL;
    /// Human-readable, safe to show staff and to log (never holds secrets).
    std::string message;
};

/// The value of an operation that produces nothing but success.
using Unit = std::monostate;

/// Either a value or a Failure. Copyable and movable like T.
template <class T>
class Result {
  public:
    Result(T value) : value_{std::move(value)} {}             // NOLINT: implicit by design
    Result(Failure failure) : failure_{std::move(failure)} {} // NOLINT: implicit by design

    [[nodiscard]] bool ok() const noexcept { return value_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }

    /// The value. Throws std::logic_error when !ok().
    [[nodiscard]] T& value() & {
        check();
        return *value_;
    }
    [[nodiscard]] const T& value() const& {
        check();
        return *value_;
    }
    [[nodiscard]] T&& value() && {
        check();
        return std::move(*value_);
    }
    /// The failure. Throws std::logic_error when ok().
    [[nodiscard]] const Failure& error() const {
        if (ok())
            throw std::logic_error("pms::host::Result: error() on a value");
        return failure_;
    }

  private:
    void check() const {
        if (!ok())
            throw std::logic_error("pms::host::Result: value() on a failure: " + failure_.message);
    }

    std::optional<T> value_;
    Failure failure_;
};

/// The completion of an asynchronous runtime call: invoked exactly once (see runtime.hpp for
/// the thread it runs on).
template <class T>
using Callback = std::function<void(Result<T>)>;

} // namespace pms::host

template <>
struct std::is_error_code_enum<pms::host::RuntimeErrc> : std::true_type {};
