// Template rendering (message_template.hpp).
#include <invoicebox/plugin/message_template.hpp>

namespace invoicebox::plugin {

namespace {

using Values = std::map<std::string, std::string, std::less<>>;

/// The one reading of the template syntax: "{{" and "}}" are literal braces, "{name}" with a
/// known name is a placeholder, anything else (an unknown name, a lone brace) is literal text.
/// `literal(text)` gets the template's own text in pieces, `placeholder(name, value, next)` each
/// known placeholder with the template character after it (0 at the end).
template <class Literal, class Placeholder>
void scan_template(std::string_view tmpl, const Values& values, Literal literal, Placeholder placeholder) {
    for (std::size_t i = 0; i < tmpl.size();) {
        const char c = tmpl[i];
        if ((c == '{' || c == '}') && i + 1 < tmpl.size() && tmpl[i + 1] == c) {
            literal(std::string_view(&tmpl[i], 1));
            i += 2;
            continue;
        }
        if (c == '{') {
            const auto end = tmpl.find('}', i + 1);
            if (end != std::string_view::npos) {
                const auto name = tmpl.substr(i + 1, end - i - 1);
                if (auto it = values.find(name); it != values.end()) {
                    placeholder(name, std::string_view(it->second), end + 1 < tmpl.size() ? tmpl[end + 1] : '\0');
                    i = end + 1;
                    continue;
                }
            }
        }
        literal(std::string_view(&tmpl[i], 1));
        ++i;
    }
}

} // namespace

std::string render_template(std::string_view tmpl, const std::map<std::string, std::string, std::less<>>& values) {
    std::string out;
    out.reserve(tmpl.size() + 64);
    scan_template(
        tmpl, values, [&](std::string_view text) { out += text; },
        [&](std::string_view, std::string_view value, char) { out += value; });
    return out;
}

std::string render_message(std::string_view tmpl, const MessageValues& v) {
    return render_template(tmpl, {{"guest_name", v.guest_name},
                                  {"amount", v.amount},
                                  {"link", v.link},
                                  {"expiry", v.expiry},
                                  {"folio", v.folio},
                                  {"booking", v.booking},
                                  {"hotel", v.hotel}});
}

namespace {

/// Drops what an empty placeholder leaves dangling at the end of `out`, given the template
/// character that follows it (`next`, 0 at the end): the space before it when a space,
/// punctuation or the line's end follows, and then a comma that would end the line.
void drop_separator(std::string& out, char next) {
    const bool line_ends = next == 0 || next == '\n' || next == '\r';
    const bool closes = line_ends || next == ' ' || std::string_view(",.!?;:)").find(next) != std::string_view::npos;
    if (!closes)
        return;
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    if (line_ends && !out.empty() && out.back() == ',') {
        out.pop_back();
        while (!out.empty() && out.back() == ' ')
            out.pop_back();
    }
}

/// One space where a template or a value had several; no spaces before a line's end.
std::string tidy_spaces(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (const char c : in) {
        if (c == ' ' && !out.empty() && out.back() == ' ')
            continue;
        if (c == '\n')
            while (!out.empty() && out.back() == ' ')
                out.pop_back();
        out += c;
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

} // namespace

std::string render_message_for_guest(std::string_view tmpl, const MessageValues& v, const MessageWriter& w) {
    const Values values{{"guest_name", v.guest_name}, {"amount", v.amount}, {"link", v.link},
                        {"expiry", v.expiry},         {"folio", v.folio},   {"booking", v.booking},
                        {"hotel", v.hotel}};
    std::string out;
    std::string pending; // the template's own text not yet written
    auto flush = [&] {
        if (!pending.empty())
            out += w.literal(pending);
        pending.clear();
    };
    scan_template(
        tmpl, values, [&](std::string_view text) { pending += text; },
        [&](std::string_view name, std::string_view value, char next) {
            flush();
            // Whitespace only counts as empty: a name of spaces would leave the same hole.
            if (value.find_first_not_of(" \t\r\n") == std::string_view::npos)
                drop_separator(out, next);
            else
                out += w.value(name, value);
        });
    flush();
    return tidy_spaces(out);
}

} // namespace invoicebox::plugin
