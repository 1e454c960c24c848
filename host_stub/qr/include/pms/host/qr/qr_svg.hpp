// QR codes for payment links, rendered by the host as SVG so that the web UI needs no
// script library and staff can show a guest a code to scan from the screen.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pms::host {

/// Encodes `text` (UTF-8, at most 2000 bytes) as a QR code with error correction level M and
/// returns a standalone SVG document: black modules on white, a 4-module quiet zone, scaled
/// by the viewer. Returns nullopt when the text is empty, too long or cannot be encoded.
std::optional<std::string> qr_svg(std::string_view text);

} // namespace pms::host
