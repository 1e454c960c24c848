// See manifest.hpp.
#include "manifest.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <fstream>
#include <limits>
#include <sstream>

namespace pms::host::detail {
namespace json = boost::json;

namespace {

std::optional<std::string> string_member(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string())
        return std::nullopt;
    return std::string{v->as_string()};
}

std::optional<std::uint32_t> uint_member(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr)
        return std::nullopt;
    if (v->is_uint64() && v->as_uint64() <= std::numeric_limits<std::uint32_t>::max())
        return static_cast<std::uint32_t>(v->as_uint64());
    if (v->is_int64() && v->as_int64() >= 0 &&
        v->as_int64() <= std::numeric_limits<std::uint32_t>::max())
        return static_cast<std::uint32_t>(v->as_int64());
    return std::nullopt;
}

} // namespace

std::string version_text(std::uint32_t major, std::uint32_t minor, std::uint32_t patch) {
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

ManifestResult read_manifest(const std::filesystem::path& file) {
    ManifestResult out;
    try {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            out.error = "cannot read the manifest";
            return out;
        }
        std::ostringstream text;
        text << in.rdbuf();
        if (text.str().size() > 256 * 1024) {
            out.error = "manifest larger than 256 KiB";
            return out;
        }
        boost::system::error_code ec;
        json::value doc = json::parse(text.str(), ec);
        if (ec || !doc.is_object()) {
            out.error =
                "manifest is not a JSON object" + (ec ? ": " + ec.message() : std::string{});
            return out;
        }
        // The documented format, plugin_api/schema/plugin-manifest-v1.md: module-level fields
        // (library, api, min_host_minor) and one entry per plugin in "plugins".
        const json::object& root = doc.as_object();
        if (string_member(root, "manifest").value_or("") != "pms.plugin-manifest/1") {
            out.error = "manifest is not \"pms.plugin-manifest/1\" (member \"manifest\")";
            return out;
        }
        const auto* plugins = root.if_contains("plugins");
        if (plugins == nullptr || !plugins->is_array() || plugins->as_array().empty() ||
            !plugins->as_array().front().is_object()) {
            out.error = "manifest has no \"plugins\" entry";
            return out;
        }
        if (plugins->as_array().size() > 1) {
            // The factory can hold several plugins; this host lists one per module so far.
            out.error = "manifest lists several plugins; this host loads one plugin per module";
            return out;
        }
        const json::object& o = plugins->as_array().front().as_object();
        Manifest& m = out.partial;
        m.id = string_member(o, "id").value_or("");
        m.name = string_member(o, "name").value_or("");
        m.vendor = string_member(o, "vendor").value_or("");
        m.version = string_member(o, "version").value_or("");
        m.description = string_member(o, "description").value_or("");
        m.library = string_member(root, "library").value_or("");
        bool api_ok = false;
        if (const auto* api = root.if_contains("api"); api != nullptr && api->is_object()) {
            const auto major = uint_member(api->as_object(), "major");
            const auto minor = uint_member(api->as_object(), "minor");
            const auto patch = uint_member(api->as_object(), "patch");
            if (major && minor && patch) {
                m.api_major = *major;
                m.api_minor = *minor;
                m.api_patch = *patch;
                api_ok = true;
            }
        }
        const auto min_host_minor = uint_member(root, "min_host_minor");
        m.min_host_minor = min_host_minor.value_or(m.api_minor);
        bool caps_ok = true;
        if (const auto* caps = o.if_contains("capabilities")) {
            if (!caps->is_array()) {
                caps_ok = false;
            } else {
                for (const auto& c : caps->as_array()) {
                    if (!c.is_string()) {
                        caps_ok = false;
                        break;
                    }
                    m.capabilities.emplace_back(c.as_string());
                }
            }
        }

        if (m.id.empty())
            out.error = "manifest has no \"id\"";
        else if (m.name.empty())
            out.error = "manifest has no \"name\"";
        else if (m.version.empty())
            out.error = "manifest has no \"version\"";
        else if (m.library.empty())
            out.error = "manifest has no \"library\"";
        else if (m.library.find('/') != std::string::npos || m.library == "." || m.library == "..")
            out.error = "manifest \"library\" must be a file name in the manifest's folder";
        else if (!api_ok)
            out.error = "manifest has no valid \"api\" {major, minor, patch}";
        else if (!caps_ok)
            out.error = "manifest \"capabilities\" must be an array of strings";
        else if (root.contains("min_host_minor") && !min_host_minor)
            out.error = "manifest \"min_host_minor\" must be a non-negative integer";
        if (out.error.empty())
            out.manifest = m;
    } catch (const std::exception& e) {
        out.error = std::string{"cannot read the manifest: "} + e.what();
    }
    return out;
}

} // namespace pms::host::detail
