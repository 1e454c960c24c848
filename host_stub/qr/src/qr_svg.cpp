// QR encoding is libqrencode's (Debian package libqrencode-dev); this file only draws the
// module matrix as one SVG path, one rectangle per run of dark modules in a row.
#include "pms/host/qr/qr_svg.hpp"

#include <qrencode.h>

#include <memory>

namespace pms::host {

namespace {
constexpr std::size_t max_text_bytes = 2000;
constexpr int quiet_zone = 4;

struct QrFree {
    void operator()(QRcode* code) const { QRcode_free(code); }
};
} // namespace

std::optional<std::string> qr_svg(std::string_view text) {
    if (text.empty() || text.size() > max_text_bytes)
        return std::nullopt;
    const std::string owned(text); // QRcode_encodeString needs a NUL-terminated string
    std::unique_ptr<QRcode, QrFree> code(
        QRcode_encodeString8bit(owned.c_str(), 0, QR_ECLEVEL_M));
    if (!code)
        return std::nullopt;

    const int width = code->width;
    const int size = width + 2 * quiet_zone;
    std::string svg;
    svg.reserve(static_cast<std::size_t>(width) * width * 4);
    svg += R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )" + std::to_string(size) + ' ' +
           std::to_string(size) + R"(" shape-rendering="crispEdges">)";
    svg += R"(<rect width="100%" height="100%" fill="#fff"/><path fill="#000" d=")";
    for (int y = 0; y < width; ++y) {
        const unsigned char* row = code->data + static_cast<std::ptrdiff_t>(y) * width;
        for (int x = 0; x < width;) {
            if ((row[x] & 1U) == 0) {
                ++x;
                continue;
            }
            const int start = x;
            while (x < width && (row[x] & 1U) != 0)
                ++x;
            svg += 'M' + std::to_string(start + quiet_zone) + ' ' + std::to_string(y + quiet_zone) +
                   'h' + std::to_string(x - start) + "v1h-" + std::to_string(x - start) + 'z';
        }
    }
    svg += R"("/></svg>)";
    return svg;
}

} // namespace pms::host
