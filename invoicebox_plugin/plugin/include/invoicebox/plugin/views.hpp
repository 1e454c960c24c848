// The "pms.view/1" documents of the dialog «Платежные ссылки InvoiceBox» (plugin_api/schema/
// view-v1.md): the list of the folio's links and the create form. Pure functions of their
// inputs, so every word staff see is testable without a host.
#pragma once

#include <invoicebox/plugin/folio.hpp>
#include <invoicebox/plugin/link_record.hpp>
#include <invoicebox/plugin/settings.hpp>

#include <invoicebox/protocol/basket_item.hpp>

#include <compare>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace invoicebox::plugin {

struct Notice {
    std::string level; ///< info, success, warning, error
    std::string title;
    std::string text;
};

/// "Создан", "Оплачен", "Истёк", "Отменён"; any other InvoiceBox status verbatim; plus our own
/// states (creating, failed, posted/suspense).
struct StatusLabel {
    std::string text;
    std::string tone; ///< neutral, info, success, warning, error
};
StatusLabel status_label(const LinkRecord& r);

/// The row action that mails the link: «Отправить письмо» (none went yet), «Отправить письмо
/// повторно» (one went), «Отправить ещё раз» (the last one failed).
std::string_view resend_label(const LinkRecord& r);

/// Links the dialog lists at first, newest first; «Показать ещё» adds as many again.
inline constexpr std::size_t links_page_rows = 50;
/// The most rows one view lists: past it «Показать ещё» moves the window to older links and
/// «Показать более новые» back. A full window of the longest rows a link can have stays below
/// the host's view size cap (256 KiB) and the schema's 500 rows, whatever the folio holds
/// (issue 14; units_test proves it). Long cell texts (description, error, suspense reason) are
/// cut to links_cell_chars for the same reason; the link's «История» shows them whole.
inline constexpr std::size_t links_window_rows = 100;
inline constexpr std::size_t links_cell_chars = 300;

/// Which of a folio's links (newest first) a list view shows.
struct LinksWindow {
    std::size_t offset = 0;              ///< newer links not shown
    std::size_t rows = links_page_rows;  ///< at most links_window_rows
    friend auto operator<=>(const LinksWindow&, const LinksWindow&) = default;

    /// «Показать ещё»: a page more while the window has room, else the window a page older.
    LinksWindow older() const noexcept;
    /// «Показать более новые»: the window a page newer.
    LinksWindow newer() const noexcept;
    /// The positions [first, last) listed of `total` links: a window past the oldest link (the
    /// folio lost links, or a stale «Показать ещё») lists the oldest `rows` instead.
    std::pair<std::size_t, std::size_t> span(std::size_t total) const noexcept;
};

struct ListViewModel {
    const Folio* folio = nullptr; ///< may be null when the folio could not be read
    std::vector<LinkRecord> links;
    int offset_minutes = 0;
    bool configured = true;
    /// The folio's legal entity has a shop; false: explain and offer no create (architecture §7).
    bool has_shop = true;
    std::vector<Notice> notices;
    /// The merchantOrderId of the link staff just created: shown with its QR code above the
    /// list, as the guest is likely at the desk. Otherwise the QR opens on demand («QR-код для
    /// гостя»), so that at 1366×768 the history shows four rows or more without scrolling.
    std::string qr_for;
    LinksWindow window; ///< the links listed (the rest behind «Показать ещё» / «более новые»)
    /// The refunds of each listed link, by the link's merchantOrderId (issue 13).
    std::map<std::string, std::vector<RefundRecord>> refunds;
    /// Offer «Возврат» on paid links (the host gates "permission": ABI minor 5+).
    bool refunds_offered = false;
};

/// The permission the host checks before it shows or sends a refund action (view-v1.md).
inline constexpr std::string_view refund_permission = "refund.manage";

/// «Возвращено 10 000,00 из 67 680,00 ₽», «возврат 1 000,00 ₽ выполняется», … for a link's row;
/// "" when the link has no refunds.
std::string refund_summary(const LinkRecord& link, const std::vector<RefundRecord>& refunds);

/// The newest link a guest can still pay by its URL (nullptr when none): the one «QR-код для
/// гостя» shows.
const LinkRecord* newest_payable(const std::vector<LinkRecord>& links);

/// What a new link defaults to: the balance due minus the open (unpaid, not expired or
/// cancelled) links of the folio, never below 0, so a second link does not ask the guest for
/// money already asked for.
std::int64_t default_link_amount(const Folio& f, std::int64_t open_total);

std::string render_links_view(const ListViewModel& m);

struct CreateFormModel {
    std::string amount;
    std::string description;
    std::string message_template;
    std::string lifetime;
    bool send_mail = true;
    std::map<std::string, std::string> errors; ///< field name -> message
    std::vector<Notice> notices;
    bool ask_over_balance = false; ///< show «Создать всё равно»
};

/// Defaults: default_link_amount() (empty when 0), «Предоплата по заявке №471887 и номеру счёта 30682277»,
/// the settings' template and lifetime, mail on when the guest has an e-mail.
CreateFormModel default_create_form(const Folio& f, const Settings& s, std::int64_t open_total = 0);

std::string render_create_view(const Folio& f, const CreateFormModel& m, std::int64_t open_total);

/// The refund form of a paid link: its refundable items (InvoiceBox's availableAmount each),
/// full or partial, a reason.
struct RefundFormModel {
    std::string mode = "full";                  ///< "full" | "partial"
    std::map<std::string, std::string> amounts; ///< field name ("item_0", …) -> staff text
    std::string reason;
    std::map<std::string, std::string> errors; ///< field name -> message
    std::vector<Notice> notices;
};
/// The form field of the i-th refundable item.
std::string refund_item_field(std::size_t i);
std::string render_refund_view(const LinkRecord& link, const std::vector<RefundRecord>& refunds,
                               const std::vector<protocol::BasketItem>& items, const RefundFormModel& m);

/// «История» of one link: its audit trail (created by whom, sent, resent, cancelled, status
/// changes, posting, alert), oldest first, with who or what made each change.
std::string render_history_view(const LinkRecord& link, int offset_minutes);

/// The QR code of a link's pay URL, on demand, with the way back to the list.
std::string render_qr_view(const LinkRecord& link);

/// A one-line view that only explains a problem (settings missing, folio unreadable).
std::string render_message_view(std::string_view title, const Notice& n);

} // namespace invoicebox::plugin
