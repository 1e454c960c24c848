// Template rendering (message_template.hpp).
#include <invoicebox/plugin/message_template.hpp>

namespace invoicebox::plugin {

std::string render_template(std::string_view tmpl, const std::map<std::string, std::string, std::less<>>& values) {
    std::string out;
    out.reserve(tmpl.size() + 64);
    for (std::size_t i = 0; i < tmpl.size();) {
        const char c = tmpl[i];
        if (c == '{' && i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
            out += '{';
            i += 2;
            continue;
        }
        if (c == '}' && i + 1 < tmpl.size() && tmpl[i + 1] == '}') {
            out += '}';
            i += 2;
            continue;
        }
        if (c == '{') {
            const auto end = tmpl.find('}', i + 1);
            if (end != std::string_view::npos) {
                const auto name = tmpl.substr(i + 1, end - i - 1);
                if (auto it = values.find(name); it != values.end()) {
                    out += it->second;
                    i = end + 1;
                    continue;
                }
            }
        }
        out += c;
        ++i;
    }
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
    const std::map<std::string, std::string, std::less<>> values{
        {"guest_name", v.guest_name}, {"amount", v.amount}, {"link", v.link},     {"expiry", v.expiry},
        {"folio", v.folio},           {"booking", v.booking}, {"hotel", v.hotel}};
    std::string out;
    std::string pending; // the template's own text not yet written
    auto flush = [&] {
        if (!pending.empty())
            out += w.literal(pending);
        pending.clear();
    };
    for (std::size_t i = 0; i < tmpl.size();) {
        const char c = tmpl[i];
        if ((c == '{' || c == '}') && i + 1 < tmpl.size() && tmpl[i + 1] == c) {
            pending += c;
            i += 2;
            continue;
        }
        if (c == '{') {
            const auto end = tmpl.find('}', i + 1);
            if (end != std::string_view::npos) {
                const auto name = tmpl.substr(i + 1, end - i - 1);
                if (auto it = values.find(name); it != values.end()) {
                    flush();
                    // Whitespace only counts as empty: a name of spaces would leave the same hole.
                    if (it->second.find_first_not_of(" \t\r\n") == std::string::npos)
                        drop_separator(out, end + 1 < tmpl.size() ? tmpl[end + 1] : '\0');
                    else
                        out += w.value(name, it->second);
                    i = end + 1;
                    continue;
                }
            }
        }
        pending += c;
        ++i;
    }
    flush();
    return tidy_spaces(out);
}

} // namespace invoicebox::plugin
