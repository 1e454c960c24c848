// LinkDialog: the folio button «InvoiceBox» and its dialog — turns clicks and pms.view-event/1
// documents into LinkService calls and answers each with the next pms.view/1 document. Open
// sessions are remembered so that a notification or the poller can push the updated list.
#pragma once

#include <invoicebox/plugin/link_service.hpp>
#include <invoicebox/plugin/views.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace invoicebox::plugin {

class LinkDialog {
  public:
    using Done = std::function<void(std::string view_json)>;

    explicit LinkDialog(LinkService& service);
    ~LinkDialog();
    LinkDialog(const LinkDialog&) = delete;
    LinkDialog& operator=(const LinkDialog&) = delete;

    /// The button was clicked for `folio_id`.
    void open(const std::string& session_id, const std::string& folio_id, Done done);
    /// A staff action (the raw event JSON); `folio_id` and `staff` come from the host's context.
    void event(const std::string& session_id, const std::string& folio_id, const StaffUser& staff,
               std::string_view event_json, Done done);
    void closed(const std::string& session_id);

    /// Re-renders every open list view of the folio and pushes it.
    void folio_changed(const std::string& folio_id);

    /// An answer to `session_id` that shows the list: the session shows the list again, and
    /// keeps `notices` and `qr_for` for the pushes that follow (folio_changed()).
    std::string session_list(const std::string& session_id, const std::string& folio_id,
                             std::vector<Notice> notices, std::string qr_for = {});
    /// `qr_for`: the link just created, shown with its QR code (ListViewModel::qr_for).
    std::string list_view(const std::string& folio_id, std::vector<Notice> notices = {}, std::string qr_for = {},
                          LinksWindow window = {});

  private:
    struct Session {
        std::string folio_id;
        bool showing_list = true;
        std::string qr_for; ///< the link created last in this session, until the next action
        /// What the last answer said above the list (session_list()), kept in the lists pushed
        /// to this session until the next action, like qr_for.
        std::vector<Notice> notices;
        LinksWindow window; ///< the links listed; «Показать ещё» and «более новые» move it
        /// The link whose refund form this session shows, and the refundable items it listed
        /// (the form's item_<i> fields name them by position). Empty: no refund form open, and
        /// a submit_refund event is not acted on.
        std::string refund_for;
        std::vector<protocol::BasketItem> refund_items;
    };
    std::string refund_view(const std::string& folio_id, const std::string& link_moid,
                            const std::vector<protocol::BasketItem>& items, const RefundFormModel& model);
    /// The links a session lists (the default for a session not known).
    LinksWindow window_of(const std::string& session_id) const;
    std::string create_view(const std::string& folio_id, CreateFormModel model);
    /// The notice after a staff-requested mail went: «Письмо отправлено» or «… повторно».
    std::string mail_sent_text(const std::string& merchant_order_id);

    /// A refresh press waiting for its folio's one refresh: who pressed, and where the view goes.
    struct RefreshReply {
        std::string session_id;
        Done done;
    };
    /// The presses one refresh answers, a turn of the strand at a time.
    struct RefreshAnswers {
        std::string folio_id;
        std::vector<Notice> notices;
        std::vector<RefreshReply> replies;
        std::size_t next = 0; ///< the first reply not answered yet
        /// Views rendered since the last change of any folio (`changes_`), by links listed.
        std::map<LinksWindow, std::string> rendered;
        std::uint64_t rendered_at_change = 0;
    };
    /// Answers every press waiting on the folio's refresh from one read and render per distinct
    /// page size (issue 14: 200 presses rendered one by one cost ~1 s after the shared answer).
    void answer_refresh(const std::string& folio_id, const std::string& error);
    /// Answers up to `at_most` presses of `answers`, then yields the strand with a zero timer
    /// and goes on from the next turn.
    void answer_some(const std::shared_ptr<RefreshAnswers>& answers, std::size_t at_most);

    LinkService& service_;
    std::map<std::string, Session> sessions_;
    /// Presses per folio whose refresh is in flight; the first press starts it.
    std::map<std::string, std::vector<RefreshReply>> refresh_replies_;
    /// Counts folio_changed calls: a view rendered before the last change is rendered again
    /// before it answers a press, so no press is answered with a list older than a push.
    std::uint64_t changes_ = 0;
    /// False once this dialog is gone: a yielded turn then answers from what it rendered.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

/// Refresh presses answered per turn of the instance strand. The answers of a storm (200
/// presses of one folio) each carry the list view, and the host gates, copies and writes each:
/// given in one turn, all 200 reached the host's io threads at once, and a folio `GET` queued
/// behind the whole burst (issue 14, `GET` p99 during the storm). In turns of 16, a `GET`
/// waits behind one turn's answers at most.
inline constexpr std::size_t refresh_answers_per_turn = 16;

} // namespace invoicebox::plugin
