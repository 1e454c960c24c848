// HostAdapter: HostPorts over the host's C services (pms.store/1, pms.folio/1, pms.http/1,
// pms.mail/1, pms.notify/1, pms.clock/1, pms.executor/1, pms.log/1). Rejected starts are
// completed through pms.executor/1 post, so no callback ever runs inline from its start.
#pragma once

#include <invoicebox/plugin/host_ports.hpp>

#include <pms/plugin_sdk/host.hpp>
#include <pms/plugin_sdk/store.hpp>

namespace invoicebox::plugin {

class HostAdapter final : public HostPorts {
  public:
    explicit HostAdapter(const pms::sdk::host& host) : host_(host), store_(host) {}

    std::optional<std::string> store_get(std::string_view key) override;
    void store_write(const std::vector<StoreOp>& ops) override;
    void store_scan(std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& visit) override;
    std::optional<std::string> get_folio(std::string_view folio_id, pms_status& status) override;
    void post_payment(const PaymentPosting& posting, std::function<void(PostOutcome, const PostingResult&)> done) override;
    std::optional<std::string> property_json() override;
    void http_send(const protocol::HttpRequest& request, std::string url, std::chrono::milliseconds timeout,
                   std::function<void(protocol::HttpOutcome)> done) override;
    void send_mail(const MailMessage& message, std::function<void(MailOutcome, std::string)> done) override;
    void raise_alert(const StaffAlert& alert) override;
    void resolve_alert(std::string_view dedupe_key) override;
    std::int64_t now_utc_ms() override;
    int utc_offset_minutes(std::int64_t at_utc_ms) override;
    std::string property_timezone() override;
    std::uint64_t start_timer(std::chrono::milliseconds delay, std::function<void(bool)> fn) override;
    void cancel_timer(std::uint64_t id) override;
    void log(LogLevel level, std::string_view text) override;
    bool push_view(std::string_view view_session_id, std::string_view view_json) override;
    bool push_page_view(std::string_view view_session_id, std::string_view view_json) override;

  private:
    /// Runs `fn(true)` on the strand soon (for completing a rejected start).
    void post(std::function<void(bool)> fn);

    pms::sdk::host host_;
    pms::sdk::store store_;
};

} // namespace invoicebox::plugin
