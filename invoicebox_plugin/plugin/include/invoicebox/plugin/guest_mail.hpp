// The guest's mail with a payment link: what a hotel would send, as multipart/alternative.
//
// Both parts come from the same template (the link's own, else the settings'), so what staff
// previewed is what the guest reads. The text part is the template filled in; the HTML part is
// the same text escaped, under the hotel's name, with {link} as a button. Every substituted
// value is HTML-escaped: a guest or hotel name is typed by people and must stay text.
//
// Where the values come from: the hotel's name is «Название отеля» when the admin set it, else
// the property's name (pms.property/1); the expiry is shown in the property's zone with its
// label («08.12.2026 05:18 (МСК)», zone_label()); the amount comes from format_money_ru, the
// plugin's one money formatter.
#pragma once

#include <invoicebox/plugin/host_ports.hpp>
#include <invoicebox/plugin/link_record.hpp>
#include <invoicebox/plugin/settings.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace invoicebox::plugin {

/// What the mail needs besides the link and the settings: read from the host when it is sent.
struct GuestMailContext {
    std::string hotel;            ///< guest_hotel_name()
    std::string zone_label;       ///< "МСК", "UTC+5": zone_label() at the expiry
    int expiry_offset_minutes = 0; ///< the property's UTC offset at the link's expiry
};

/// «Название отеля» when set, else the property's name from the pms.property/1 document (none
/// on a host older than 1.2), else "".
std::string guest_hotel_name(const Settings& s, const std::optional<std::string>& property_json);

/// The mail of `link` (to, subject, text and HTML parts).
MailMessage compose_guest_mail(const LinkRecord& link, const Settings& s, const GuestMailContext& ctx);

/// `text` safe as HTML text and as a double- or single-quoted attribute value.
std::string html_escape(std::string_view text);

} // namespace invoicebox::plugin
