// The guest message: a template with {placeholders} filled from the link and the folio.
//
// Placeholders: {guest_name}, {amount}, {link}, {expiry}, {folio}, {booking}, {hotel}. An
// unknown placeholder is left as written (staff see it in the preview and fix the template)
// rather than silently dropped.
#pragma once

#include <functional>
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

/// How a guest-facing rendering writes the template's own text and each placeholder's value
/// (the mail's HTML part escapes both and turns {link} into a button; the text part copies).
struct MessageWriter {
    std::function<std::string(std::string_view literal)> literal;
    std::function<std::string(std::string_view name, std::string_view value)> value;
};

/// The guest message as a guest reads it: render_message, except that a placeholder whose
/// value is empty takes its separator with it («в отеле {hotel} перейдите» → «в отеле
/// перейдите», «С уважением, {hotel}» → «С уважением»), so an optional value that is missing
/// leaves no hole. Runs of spaces are then made one and lines lose trailing spaces.
std::string render_message_for_guest(std::string_view tmpl, const MessageValues& v, const MessageWriter& w);

} // namespace invoicebox::plugin
