// End-to-end harness: the real pms-host (with the real invoicebox_plugin.so) and the real
// invoicebox-sim as child processes on loopback. The host listens on a fixed port (from
// find_free_port) so that it can be killed and restarted on the same port: the notificationUrl
// given to the simulator holds it. Both children run in their own process group with
// PR_SET_PDEATHSIG (pms::test::ChildProcess); their stderr goes to files so the tests can
// grep every log line for secrets. Every HTTP body the tests receive is kept for the same grep.
#pragma once

#include <pms/net/http_client.hpp>
#include <pms/test_support/test_support.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ibe2e {

namespace json = boost::json;
using namespace std::chrono_literals;

inline constexpr const char* plugin_id = "ru.invoicebox.pms.payment-link";
inline constexpr const char* button_id = "invoicebox";
inline constexpr const char* merchant_id = "2b1c7a52-3f0e-4d7b-9a51-6f5e1c0d9e11";
inline constexpr const char* foreign_merchant_id = "9d9d9d9d-1111-4222-8333-444455556666";
/// The demo seed's legal entities (GET /api/properties/1 → legal_entities, ids in seed order).
inline constexpr const char* superhotel_legal_entity_id = "1"; // «ООО «Суперотель»», account 30682277
inline constexpr const char* yes_arenda_legal_entity_id = "2"; // «ООО «ЙЕС-АРЕНДА»», account 30682278
// Distinctive values so a leak is unmistakable in any log or body.
inline constexpr const char* api_token = "e2etok5f3a9c1d7b2e8f4a6c0d9b1e3f";
inline constexpr const char* api_key = "e2ekey-7Qx9Lm2Vb8Nc4Zr6Tw1Ys3";
inline constexpr const char* foreign_token = "e2eforeigntok0a1b2c3d4e5f60718293";
inline constexpr const char* foreign_key = "e2eforeignkey-Hh5Jj7Kk9";
inline constexpr const char* wrong_token = "e2ewrongtok99887766554433221100ff";
inline constexpr const char* booking_number = "471887";
inline constexpr const char* folio_number = "30682277";

struct Reply {
    int status = 0;
    std::string body;
    json::value json; // null when the body is not JSON
    std::error_code ec;
    bool outcome_unknown = false;
    std::string describe() const;
};

/// A blocking HTTP client over pms::net::HttpClient; records every response body. Like a
/// browser it keeps the `pms_session` cookie per origin and sends it back, and sends
/// `Origin: <the URL's origin>` on state changes (the host's staff door requires both).
class Http {
  public:
    Http();
    ~Http();
    Reply request(const std::string& method, const std::string& url, const std::string& body = {},
                  pms::net::Headers headers = {}, std::chrono::milliseconds timeout = 40s);
    Reply get(const std::string& url) { return request("GET", url); }
    Reply post(const std::string& url, const json::value& body, std::chrono::milliseconds timeout = 40s);
    Reply put(const std::string& url, const json::value& body);
    std::string all_bodies() const;
    /// Forgets every cookie.
    void forget_cookies();
    /// The session cookie ("pms_session=…") kept for `origin` ("http://127.0.0.1:8080"), or "".
    std::string cookie_for(const std::string& origin) const;

  private:
    boost::asio::io_context ioc_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::thread thread_;
    std::unique_ptr<pms::net::HttpClient> client_;
    mutable std::mutex mutex_;
    std::string bodies_;
    std::map<std::string, std::string> cookies_; ///< origin -> "pms_session=..."
};

/// A child process whose stderr is appended to a file (the shell only redirects and execs).
std::unique_ptr<pms::test::ChildProcess> start_logged(const std::filesystem::path& program,
                                                      std::vector<std::string> args,
                                                      const std::filesystem::path& stderr_file,
                                                      std::vector<std::pair<std::string, std::string>> env = {});

std::string read_file(const std::filesystem::path& p);

struct SimOptions {
    std::vector<std::string> extra_args;
};

struct HostStart {
    std::string failpoint;         // PMS_FAILPOINT for this run ("" = none)
    std::string token = api_token; // the --secret api_token preset
    bool expect_listening = true;  // false: the host may die before its first line
    std::vector<std::string> extra_args; // appended to the host's command line (more --setting/--secret)
};

/// One test world: a simulator, a host (restartable on its port), the demo folio.
class World {
  public:
    explicit World(SimOptions sim = {});
    ~World();

    // ---- processes
    /// Starts the host; returns false if it exited before printing its first line (only allowed
    /// when start.expect_listening is false).
    bool start_host(const HostStart& start = {});
    /// SIGKILL or SIGTERM to the host's group; returns the exit status (128+signal when killed).
    int stop_host(int signal);
    /// Waits for the host to die on its own (a failpoint); returns the status or nullopt.
    std::optional<int> wait_host_exit(std::chrono::milliseconds timeout);
    bool host_running();
    void restart_host(int signal, const HostStart& start = {});

    // ---- urls
    std::string host_url() const { return "http://127.0.0.1:" + std::to_string(host_port_); }
    const std::string& sim_url() const { return sim_url_; }
    std::string hook_url() const;
    std::string api(const std::string& path) const { return host_url() + "/api/properties/" + property_ + path; }

    // ---- host API helpers
    /// Signs in as the demo admin (every permission); the session survives host restarts.
    void sign_in(const std::string& login = "admin");
    void map_payment_kind();
    /// Maps both kinds, "payment" and "refund" (issue 13), to «Онлайн-оплата (ссылка)».
    void map_payment_and_refund_kinds();
    std::string folio_id() const { return folio_id_; }
    json::object folio();                   // GET folio
    std::vector<json::object> payments();   // the folio's payments
    std::vector<json::object> notifications(); // staff notifications, newest first
    std::size_t count_paid_notifications();    // «Получена оплата …»
    std::vector<std::filesystem::path> outbox_files();
    std::int64_t balance_due();

    // ---- the dialog
    struct View {
        std::string session;
        json::value view;
        Reply reply;
    };
    View click();                                     // the InvoiceBox button on 30682277
    View event(const std::string& session, const json::object& ev, std::chrono::milliseconds timeout = 45s);
    View open_create_form(const std::string& session);
    /// Opens the create form, fills it (defaults unless given) and submits.
    View create_link(const std::string& session, const std::string& amount, bool send_mail,
                     const std::string& lifetime = "", const std::string& action = "submit_create");
    View refresh(const std::string& session);
    static std::vector<json::object> link_rows(const json::value& view);
    static std::string status_of(const json::object& row);
    static std::string all_text(const json::value& view); // notices, texts, errors, cells

    // ---- simulator helpers
    std::vector<json::object> sim_orders(const std::string& query = "");
    std::optional<json::object> sim_order_by_moid(const std::string& moid);
    json::object sim_pay(const std::string& order_id, bool late = false);
    std::vector<json::object> sim_notifications(const std::string& order_id = "");
    void sim_faults(const json::value& faults);
    void sim_advance(double seconds);
    void sim_config(const json::object& config);
    /// A refund made in InvoiceBox's cabinet (`POST /__sim/orders/{id}/refund`): `amount_minor`
    /// kopecks, or 0 for all that is left. Returns the refund (`data`).
    json::object sim_cabinet_refund(const std::string& order_id, std::int64_t amount_minor = 0);
    std::vector<json::object> sim_refunds(); ///< every refund the simulator holds

    // ---- secrets and logs
    std::string host_log() const;
    std::string sim_log() const;
    std::string all_bodies() const { return http.all_bodies(); }

    /// Polls `pred` every 100 ms until it holds or `timeout` passes.
    static bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

    Http http;
    pms::test::TempDir dir{"ib-e2e"};

  private:
    std::vector<std::string> host_args(const HostStart& start);
    std::string secret_file(const std::string& name, const std::string& value);

    std::unique_ptr<pms::test::ChildProcess> sim_;
    std::unique_ptr<pms::test::ChildProcess> host_;
    std::uint16_t host_port_ = 0;
    std::string sim_url_;
    std::string property_ = "1";
    std::string folio_id_;
    int host_runs_ = 0;
    bool signed_in_ = false; ///< sessions are stored: one sign-in serves every restart
};

/// HMAC-SHA1 hex of `body` with `key` (the InvoiceBox X-Signature).
std::string sign(const std::string& key, const std::string& body);

/// Decoded text of every part of an .eml file (headers decoded by hand only for To).
struct Mail {
    std::string to;
    std::string subject_raw;
    std::string text; // every single part, transfer-decoded, concatenated
};
Mail read_mail(const std::filesystem::path& eml);

} // namespace ibe2e
