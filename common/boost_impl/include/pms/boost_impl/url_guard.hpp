// A guard to call before Boost.URL parses text that came from outside.
//
// Boost.URL 1.81 (Debian 12) trips `assert(nseg == 0)` in detail::path_segments on a scheme
// followed by a rootless path it must refuse, such as "htIp:]" or "http:]" (found by
// tests/fuzz, target settings): a build with asserts aborts. Every caller here wants an
// absolute http(s) URL with an authority anyway, so it checks "scheme://" by hand first and
// hands Boost.URL only text that passes.
#pragma once

#include <cctype>
#include <cstddef>
#include <string_view>

namespace pms::boost_impl {

/// True when `url` starts with an RFC 3986 scheme (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ))
/// followed by "://".
inline bool starts_with_scheme_and_authority(std::string_view url) noexcept {
    const auto colon = url.find("://");
    if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(url[0])))
        return false;
    for (std::size_t i = 1; i < colon; ++i) {
        const auto c = static_cast<unsigned char>(url[i]);
        if (!std::isalnum(c) && c != '+' && c != '-' && c != '.')
            return false;
    }
    return true;
}

} // namespace pms::boost_impl
