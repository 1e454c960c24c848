// Helpers shared by the host service implementations.
#pragma once

#include "../instance.hpp"
#include "../runtime_impl.hpp"

#include <pms/host/storage/errors.hpp>
#include <pms/plugin_api/pms_plugin_api.h>

#include <string>
#include <string_view>

namespace pms::host::detail {

[[nodiscard]] inline std::string_view view_of(pms_str s) noexcept {
    return s.data == nullptr ? std::string_view{} : std::string_view{s.data, s.len};
}
[[nodiscard]] inline std::string_view view_of(pms_bytes b) noexcept {
    return b.data == nullptr ? std::string_view{}
                             : std::string_view{reinterpret_cast<const char*>(b.data), b.len};
}
[[nodiscard]] inline pms_str str_of(const std::string& s) noexcept {
    return {s.data(), s.size()};
}

/// A pms_str is well-formed: data may be NULL only when len is 0.
[[nodiscard]] inline bool valid(pms_str s) noexcept {
    return s.data != nullptr || s.len == 0;
}
[[nodiscard]] inline bool valid(pms_bytes s) noexcept {
    return s.data != nullptr || s.len == 0;
}

/// Writes `text` to a plugin-supplied writer (in 64 KiB chunks).
[[nodiscard]] inline pms_status write_out(const pms_writer* out, std::string_view text) noexcept {
    if (out == nullptr || out->write == nullptr)
        return PMS_INVALID_ARGUMENT;
    constexpr std::size_t chunk = 64 * 1024;
    for (std::size_t at = 0; at < text.size(); at += chunk) {
        const std::size_t n = std::min(chunk, text.size() - at);
        const pms_status s = out->write(out->ctx, text.data() + at, n);
        if (s != PMS_OK)
            return s;
    }
    return PMS_OK;
}

/// The status for a storage failure.
[[nodiscard]] inline pms_status storage_status(const StorageError& e) noexcept {
    switch (e.errc()) {
    case StorageErrc::busy:
        return PMS_UNAVAILABLE;
    case StorageErrc::invalid_argument:
        return PMS_INVALID_ARGUMENT;
    case StorageErrc::not_found:
        return PMS_NOT_FOUND;
    default:
        return PMS_STORAGE_ERROR;
    }
}

/// Parses a decimal id ("42"); nullopt unless a positive integer.
[[nodiscard]] std::optional<std::int64_t> parse_id(std::string_view text) noexcept;

} // namespace pms::host::detail
