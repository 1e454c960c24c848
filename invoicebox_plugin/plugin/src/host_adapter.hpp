// HostAdapter: HostPorts over the host's services through the C++ SDK (pms/plugin_sdk/):
// store.hpp, folio.hpp, http.hpp, mail.hpp, timer.hpp and host.hpp (notify, clock, log,
// property, view pushes). The SDK owns the C marshalling and the exactly-once rules: every
// completion runs once on the strand, and a start the host refuses is completed through
// pms.executor/1 post, never inline from its start.
#pragma once

#include <invoicebox/plugin/host_ports.hpp>
#include <invoicebox/plugin/store_read_cache.hpp>
#include <invoicebox/plugin/store_scan_mirror.hpp>

#include <pms/plugin_sdk/executor.hpp>
#include <pms/plugin_sdk/folio.hpp>
#include <pms/plugin_sdk/host.hpp>
#include <pms/plugin_sdk/http.hpp>
#include <pms/plugin_sdk/mail.hpp>
#include <pms/plugin_sdk/store.hpp>
#include <pms/plugin_sdk/timer.hpp>

#include <cstdint>
#include <map>
#include <memory>

namespace invoicebox::plugin {

class HostAdapter final : public HostPorts {
  public:
    /// Over `host` (extensions loaded) and the instance strand `ex`; both outlive the adapter.
    /// The store's entries under `mirrored_prefix` are kept in memory whole (store_scan_mirror.hpp).
    HostAdapter(const pms::sdk::host& host, const pms::sdk::executor& ex, std::string mirrored_prefix);
    ~HostAdapter() override;

    HostAdapter(const HostAdapter&) = delete;
    HostAdapter& operator=(const HostAdapter&) = delete;

    std::optional<std::string> store_get(std::string_view key) override;
    void store_write(const std::vector<StoreOp>& ops) override;
    void store_write_async(std::vector<StoreOp> ops, std::function<void(std::optional<std::string>)> done) override;
    void store_scan(std::string_view prefix, const std::function<bool(std::string_view, std::string_view)>& visit) override;
    std::optional<std::string> get_folio(std::string_view folio_id, pms_status& status) override;
    void post_payment(const PaymentPosting& posting, std::function<void(PostOutcome, const PostingResult&)> done) override;
    std::optional<std::string> property_json() override;
    void http_send(const protocol::HttpRequest& request, std::string url, std::chrono::milliseconds timeout,
                   std::function<void(protocol::HttpOutcome)> done) override;
    void send_mail(const MailMessage& message, std::function<void(MailOutcome, std::string)> done) override;
    bool raise_alert(const StaffAlert& alert) override;
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
    pms::sdk::host host_;
    pms::sdk::store store_;
    pms::sdk::async_store async_store_;
    pms::sdk::executor ex_;
    pms::sdk::folio_client folio_;
    pms::sdk::http_client http_;
    pms::sdk::mail_client mail_;
    StoreReadCache read_cache_; ///< every store write passes it first (store_read_cache.hpp)
    StoreScanMirror scan_mirror_; ///< and this one (store_scan_mirror.hpp)
    // One SDK timer per pending start_timer(), by the id handed out (never 0); a timer leaves
    // the map when its wait completes. Declared last: destroyed (cancelling) first.
    std::map<std::uint64_t, std::unique_ptr<pms::sdk::timer>> timers_;
    std::uint64_t last_timer_id_ = 0;
};

} // namespace invoicebox::plugin
