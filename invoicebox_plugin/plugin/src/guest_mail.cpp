// The guest's mail with a payment link (guest_mail.hpp).
#include <invoicebox/plugin/guest_mail.hpp>

#include <invoicebox/plugin/formatting.hpp>
#include <invoicebox/plugin/message_template.hpp>

namespace invoicebox::plugin {

namespace {

constexpr std::string_view default_subject = "Ссылка на оплату";

// Inline styles only: most mail clients drop <style> blocks and external sheets. Colours keep
// WCAG AA contrast on white (text #1d2433, muted #4b5565, the button's white on #1f5fd6).
constexpr std::string_view body_style =
    "margin:0;padding:0;background:#f2f4f7;font-family:Arial,'DejaVu Sans',sans-serif;color:#1d2433";
constexpr std::string_view card_style =
    "max-width:560px;margin:24px auto;background:#ffffff;border-radius:8px;padding:24px 32px;"
    "font-size:16px;line-height:1.5";
constexpr std::string_view button_style =
    "display:inline-block;background:#1f5fd6;color:#ffffff;text-decoration:none;font-weight:bold;"
    "padding:12px 24px;border-radius:6px;margin:8px 0";

/// InvoiceBox's pay URLs are https; anything else is shown, never made a link the guest clicks.
bool clickable(std::string_view url) { return url.starts_with("https://") || url.starts_with("http://"); }

std::string pay_button(const std::string& url, const std::string& amount) {
    if (!clickable(url))
        return html_escape(url);
    const std::string label = amount.empty() ? "Перейти к оплате" : "Оплатить " + html_escape(amount);
    return "<a href=\"" + html_escape(url) + "\" style=\"" + std::string(button_style) + "\">" + label + "</a>";
}

} // namespace

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    for (const char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string guest_hotel_name(const Settings& s, const std::optional<std::string>& property_json) {
    if (s.hotel_name.find_first_not_of(" \t") != std::string::npos)
        return s.hotel_name;
    return property_json ? parse_property_name(*property_json) : std::string();
}

MailMessage compose_guest_mail(const LinkRecord& link, const Settings& s, const GuestMailContext& ctx) {
    MessageValues v;
    v.guest_name = link.guest_name;
    v.amount = format_money_ru(link.amount_minor, link.currency);
    v.link = link.payment_url;
    v.expiry = format_local_datetime(link.expires_at_ms, ctx.expiry_offset_minutes);
    if (!ctx.zone_label.empty())
        v.expiry += " (" + ctx.zone_label + ")";
    v.folio = link.folio_number;
    v.booking = link.booking_number;
    v.hotel = ctx.hotel;
    const std::string& tmpl = link.message_template.empty() ? s.message_template : link.message_template;

    MailMessage m;
    m.to = link.guest_email;
    m.to_name = link.guest_name;
    m.subject = s.mail_subject.empty() ? std::string(default_subject) : s.mail_subject;

    const MessageWriter as_text{[](std::string_view t) { return std::string(t); },
                                [](std::string_view, std::string_view value) { return std::string(value); }};
    m.text_body = render_message_for_guest(tmpl, v, as_text);
    const bool template_has_link = m.text_body.find(link.payment_url) != std::string::npos;
    if (!template_has_link)
        m.text_body += "\n\nСсылка на оплату: " + link.payment_url;

    const MessageWriter as_html{
        [](std::string_view t) {
            std::string out;
            for (const char c : html_escape(t)) {
                if (c == '\r')
                    continue;
                out += c == '\n' ? std::string("<br>\n") : std::string(1, c);
            }
            return out;
        },
        [&v](std::string_view name, std::string_view value) {
            if (name == "link")
                return pay_button(v.link, v.amount);
            if (name == "amount")
                return "<b>" + html_escape(value) + "</b>"; // no-break spaces already (format_money_ru)
            if (name == "expiry")
                return "<span style=\"white-space:nowrap\">" + html_escape(value) + "</span>";
            return html_escape(value);
        }};
    std::string html = "<!DOCTYPE html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
                       html_escape(m.subject) + "</title>\n</head>\n<body style=\"" + std::string(body_style) +
                       "\">\n<div style=\"" + std::string(card_style) + "\">\n";
    if (!ctx.hotel.empty())
        html += "<h1 style=\"font-size:20px;margin:0 0 16px\">" + html_escape(ctx.hotel) + "</h1>\n";
    html += "<p style=\"margin:0 0 16px\">" + render_message_for_guest(tmpl, v, as_html) + "</p>\n";
    if (!template_has_link)
        html += "<p style=\"margin:0 0 16px\">" + pay_button(v.link, v.amount) + "</p>\n";
    // Mail clients that block styled links still show the address itself.
    if (clickable(link.payment_url))
        html += "<p style=\"margin:16px 0 0;font-size:13px;color:#4b5565\">Если кнопка не открывается, скопируйте "
                "адрес в браузер: <a href=\"" + html_escape(link.payment_url) + "\" style=\"color:#1f5fd6\">" +
                html_escape(link.payment_url) + "</a></p>\n";
    html += "</div>\n</body>\n</html>\n";
    m.html_body = std::move(html);
    return m;
}

} // namespace invoicebox::plugin
