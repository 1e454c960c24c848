// ClientConfig: where and as whom the plugin talks to InvoiceBox. Changing base_url is all it
// takes to move from the simulator to https://api.invoicebox.ru (architecture §1).
#pragma once

#include "invoicebox/protocol/expected.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::protocol {

/// The path prefix: /v3/ for shops of the Invoicebox app, /l3/ for Invoicebox.Business shops
/// (invoicebox-api.md §1.2). Everything after the prefix is the same.
enum class ApiFlavour : std::uint8_t { v3, l3 };

std::string_view path_prefix(ApiFlavour f) noexcept;                        ///< "/v3" or "/l3"
std::optional<ApiFlavour> flavour_from_string(std::string_view s) noexcept; ///< "v3"/"l3", any case

/// Paging parameter names disagree between sources (§1.6): `_page`/`_pageSize` (MCP, InvoiceBox
/// backend boilerplate) or `page`/`pageSize` (docs). Sending both is the documented advice.
enum class PagingStyle : std::uint8_t { underscore, plain, both };

/// The documented User-Agent form "<AppName>/<version> (<module> <version>) {other ids}" (§1.4).
struct UserAgentParts {
    std::string app_name = "PmsHost";
    std::string app_version = "0.1.0";
    std::string module_name = "InvoiceboxPlugin";
    std::string module_version = "0.1.0";
    std::vector<std::string> extra; ///< appended space-separated, e.g. "property/hotel-1"
};

/// "PmsHost/0.1.0 (InvoiceboxPlugin 0.1.0)"; spaces in names become '-', control characters
/// are dropped (they would split the header).
std::string make_user_agent(const UserAgentParts& parts);

struct BaseUrl {
    std::string scheme; ///< "https" or "http" (simulator on loopback)
    std::string host;
    std::uint16_t port = 443;
    std::string path_prefix; ///< "" or e.g. "/invoicebox" (no trailing slash)

    /// "https://api.invoicebox.ru" (port only when not the scheme's default).
    std::string origin() const;
};

/// Accepts http(s) URLs without query or fragment; a trailing slash is ignored.
Expected<BaseUrl, std::string> parse_base_url(std::string_view url);

struct ClientConfig {
    std::string base_url = "https://api.invoicebox.ru";
    ApiFlavour flavour = ApiFlavour::v3;
    std::string token; ///< API token, sent as "Authorization: Bearer <token>"; a secret
    std::string user_agent = make_user_agent({});
    PagingStyle paging = PagingStyle::both;
};

/// Why a config cannot be used (bad URL, empty token, CR/LF in a header value), or nullopt.
std::optional<std::string> validate(const ClientConfig& c);

} // namespace invoicebox::protocol
