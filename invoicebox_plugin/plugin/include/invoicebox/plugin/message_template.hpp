// The guest message: a template with {placeholders} filled from the link and the folio.
//
// Placeholders: {guest_name}, {amount}, {link}, {expiry}, {folio}, {booking}, {hotel}. An
// unknown placeholder is left as written (staff see it in the preview and fix the template)
// rather than silently dropped.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace invoicebox::plugin {

struct MessageValues {
    std::string guest_name;
    std::string amount; ///< formatted, "67 680,00 ₽"
    std::string link;
    std::string expiry; ///< formatted in the property's zone
    std::string folio;
    std::string booking;
    std::string hotel;
};

/// Replaces {name} by its value; "{{" and "}}" stand for literal braces.
std::string render_template(std::string_view tmpl, const std::map<std::string, std::string, std::less<>>& values);

/// The guest message for a link.
std::string render_message(std::string_view tmpl, const MessageValues& v);

} // namespace invoicebox::plugin
