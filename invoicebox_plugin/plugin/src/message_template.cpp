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

} // namespace invoicebox::plugin
