// pms/plugin_sdk/strings.hpp — conversions between C++ strings and the ABI's views, and a
// pms_writer that appends to a std::string.
//
// Nothing here allocates on the other side: pms_str/pms_bytes are views (valid while the
// std::string they point into lives), and string_writer copies what the producer writes.
#pragma once

#include <pms/plugin_api/types.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <string>
#include <string_view>

namespace pms::sdk {

/// A pms_str viewing `s` (valid while `s` is).
inline pms_str to_pms_str(std::string_view s) noexcept { return pms_str{s.data(), s.size()}; }

/// A pms_bytes viewing `s` (valid while `s` is).
inline pms_bytes to_pms_bytes(std::string_view s) noexcept {
    return pms_bytes{reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// A string_view of a pms_str; {NULL, 0} gives an empty view.
inline std::string_view to_string_view(pms_str s) noexcept {
    return s.data != nullptr ? std::string_view(s.data, s.len) : std::string_view();
}

/// A string_view of a pms_bytes; {NULL, 0} gives an empty view.
inline std::string_view to_string_view(pms_bytes b) noexcept {
    return b.data != nullptr ? std::string_view(reinterpret_cast<const char*>(b.data), b.len)
                             : std::string_view();
}

/// A NUL-terminated C string as a view; NULL gives an empty view.
inline std::string_view to_string_view(const char* s) noexcept {
    return s != nullptr ? std::string_view(s) : std::string_view();
}

/// A pms_writer that appends to `out`, refusing more than `limit` bytes in total with
/// PMS_TOO_LARGE (and allocation failure likewise). Pass `writer()` to a C function; the
/// object must outlive that call.
class string_writer {
public:
    explicit string_writer(std::size_t limit = std::numeric_limits<std::size_t>::max()) noexcept
        : limit_(limit) {}

    string_writer(const string_writer&) = delete;
    string_writer& operator=(const string_writer&) = delete;

    /// The C view of this writer; valid while *this is.
    const pms_writer* writer() noexcept {
        c_ = pms_writer{this, &string_writer::write};
        return &c_;
    }

    std::string& str() noexcept { return out_; }
    std::string take() noexcept { return std::move(out_); }

private:
    static pms_status write(void* ctx, const char* data, std::size_t len) noexcept {
        auto* self = static_cast<string_writer*>(ctx);
        if (len == 0)
            return PMS_OK;
        if (data == nullptr)
            return PMS_INVALID_ARGUMENT;
        if (len > self->limit_ - self->out_.size())
            return PMS_TOO_LARGE;
        try {
            self->out_.append(data, len);
        } catch (const std::bad_alloc&) {
            return PMS_TOO_LARGE;
        }
        return PMS_OK;
    }

    std::string out_;
    std::size_t limit_;
    pms_writer c_{};
};

/// Writes `text` to a writer received from the other side (a hook's output), returning the
/// writer's status. A NULL writer is PMS_INVALID_ARGUMENT.
inline pms_status write_to(const pms_writer* writer, std::string_view text) noexcept {
    if (writer == nullptr || writer->write == nullptr)
        return PMS_INVALID_ARGUMENT;
    if (text.empty())
        return PMS_OK;
    return writer->write(writer->ctx, text.data(), text.size());
}

} // namespace pms::sdk

namespace pms::sdk {

/// Appends `text` (UTF-8) to `out` as a JSON string literal, quotes included. Escapes what
/// JSON requires; control characters become \u00XX; other bytes pass through unchanged.
inline void append_json_string(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 0xF]);
            } else {
                out.push_back(ch);
            }
        }
    }
    out.push_back('"');
}

} // namespace pms::sdk
