// Static web files: the web UI is a folder of files served as they are. Paths are decoded and
// checked segment by segment (no "..", no hidden files, no NUL or backslash), and the resolved
// file must still lie under the web root after following symlinks, so a request can never read
// outside it.
#pragma once

#include <pms/net/http_server.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace pms::host::server {

/// The Content-Type for a file name by its extension ("application/octet-stream" if unknown).
[[nodiscard]] std::string_view content_type_for(const std::filesystem::path& file);

class StaticFiles {
  public:
    /// `root` may be empty or missing: then every request is 404 except "/", which shows a
    /// minimal page listing the API.
    explicit StaticFiles(std::filesystem::path root);

    /// Answers a GET/HEAD for `request.path`; nullopt when no file matches (the caller sends
    /// 404). Files larger than `max_file_bytes` are refused with 500 rather than loaded.
    [[nodiscard]] std::optional<net::Response> serve(const net::Request& request) const;

    [[nodiscard]] const std::filesystem::path& root() const noexcept { return root_; }

  private:
    std::filesystem::path root_;
};

/// The page shown at "/" when the web root has no index.html.
[[nodiscard]] std::string fallback_index_page();

} // namespace pms::host::server
