// See static_files.hpp.
#include "static_files.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

namespace pms::host::server {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t max_file_bytes = 32 * 1024 * 1024;

struct TypeByExtension {
    std::string_view extension;
    std::string_view type;
};

constexpr std::array<TypeByExtension, 20> content_types{{
    {".html", "text/html; charset=utf-8"},
    {".htm", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".ico", "image/x-icon"},
    {".webp", "image/webp"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
    {".md", "text/markdown; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
}};

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return text;
}

// Splits the decoded path into segments and refuses anything that could leave the root or
// reach a hidden file. Empty segments ("//") are skipped.
std::optional<fs::path> safe_relative_path(std::string_view decoded) {
    fs::path relative;
    std::size_t pos = 0;
    while (pos <= decoded.size()) {
        const auto slash = decoded.find('/', pos);
        const auto segment = decoded.substr(
            pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
        if (!segment.empty()) {
            if (segment.front() == '.' || segment.find('\\') != std::string_view::npos ||
                segment.find('\0') != std::string_view::npos)
                return std::nullopt;
            relative /= std::string{segment};
        }
        if (slash == std::string_view::npos)
            break;
        pos = slash + 1;
    }
    return relative;
}

bool is_within(const fs::path& root, const fs::path& candidate) {
    auto r = root.begin();
    auto c = candidate.begin();
    for (; r != root.end(); ++r, ++c) {
        if (c == candidate.end() || *r != *c)
            return false;
    }
    return true;
}

} // namespace

std::string_view content_type_for(const fs::path& file) {
    const auto extension = lower(file.extension().string());
    for (const auto& entry : content_types)
        if (entry.extension == extension)
            return entry.type;
    return "application/octet-stream";
}

StaticFiles::StaticFiles(fs::path root) : root_{std::move(root)} {
    std::error_code ec;
    if (!root_.empty()) {
        auto canonical = fs::canonical(root_, ec);
        if (!ec)
            root_ = std::move(canonical);
    }
}

std::optional<net::Response> StaticFiles::serve(const net::Request& request) const {
    const auto decoded = request.decoded_path();
    if (!decoded)
        return std::nullopt;
    const auto relative = safe_relative_path(*decoded);
    if (!relative)
        return std::nullopt;

    std::error_code ec;
    const bool have_root = !root_.empty() && fs::is_directory(root_, ec);
    fs::path file = have_root ? root_ / *relative : fs::path{};
    if (have_root && fs::is_directory(file, ec))
        file /= "index.html";

    if (!have_root || !fs::is_regular_file(file, ec)) {
        if (relative->empty()) {
            net::Response page{
                200, {{"Content-Type", "text/html; charset=utf-8"}}, fallback_index_page()};
            return page;
        }
        return std::nullopt;
    }

    // Symlinks inside the root may point anywhere; only their targets under the root count.
    const auto resolved = fs::canonical(file, ec);
    if (ec || !is_within(root_, resolved))
        return std::nullopt;
    const auto size = fs::file_size(resolved, ec);
    if (ec || size > max_file_bytes)
        return std::nullopt;

    std::ifstream in{resolved, std::ios::binary};
    if (!in)
        return std::nullopt;
    std::string body{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};

    net::Response response;
    response.status = 200;
    response.headers.push_back({"Content-Type", std::string{content_type_for(resolved)}});
    // The UI is small and changes with every build; the browser revalidates each time.
    response.headers.push_back({"Cache-Control", "no-cache"});
    response.headers.push_back({"X-Content-Type-Options", "nosniff"});
    if (request.method != "HEAD")
        response.body = std::move(body);
    return response;
}

std::string fallback_index_page() {
    return R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>pms-host</title></head>
<body>
<h1>pms-host</h1>
<p>The web UI is not installed (no <code>index.html</code> in the web root). The JSON API is
documented in <code>host_stub/API.md</code>:</p>
<ul>
<li><a href="/api/health">GET /api/health</a></li>
<li><a href="/api/plugins">GET /api/plugins</a></li>
<li><a href="/api/properties">GET /api/properties</a></li>
<li>GET /api/properties/{property}/bookings/{number}</li>
<li>GET /api/properties/{property}/folios/{folio}</li>
<li>GET /api/properties/{property}/folios/{folio}/buttons</li>
<li>POST /api/properties/{property}/folios/{folio}/buttons/{plugin}/{button}/click</li>
<li>POST /api/properties/{property}/views/{session}/events</li>
<li>GET /api/properties/{property}/plugins/{plugin}/settings</li>
<li>GET /api/properties/{property}/notifications</li>
<li>GET /api/properties/{property}/events (Server-Sent Events)</li>
</ul>
</body>
</html>
)";
}

} // namespace pms::host::server
