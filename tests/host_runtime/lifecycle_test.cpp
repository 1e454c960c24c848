// Instance life cycle: enable/disable persisted, the drain (pending timers and HTTP requests
// delivered PMS_CANCELLED on the strand before deactivate), restart from storage, activation
// retried after settings are saved, the zombie watchdog, and shutdown.
#include "harness.hpp"

#include <pms/net/http_server.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <thread>

using namespace pms::host;
using namespace pms::host::test;

namespace {

// A server that accepts requests and never answers them (until stopped).
struct SilentServer {
    std::mutex mutex;
    std::vector<pms::net::Responder> held;
    std::unique_ptr<pms::net::HttpServer> server;
    explicit SilentServer(boost::asio::io_context& ioc) {
        pms::net::ServerOptions o;
        o.response_deadline = std::chrono::minutes(5);
        server = std::make_unique<pms::net::HttpServer>(
            ioc, o, [this](pms::net::Request, pms::net::Responder r) {
                std::lock_guard lock(mutex);
                held.push_back(std::move(r));
            });
    }
    ~SilentServer() { server->stop(); }
    std::size_t requests() {
        std::lock_guard lock(mutex);
        return held.size();
    }
};

// A mail transport that keeps every message and its completion until told to finish.
struct HeldMail : MailTransport {
    std::mutex mutex;
    std::vector<std::function<void(MailSendResult)>> pending;
    void send(MailMessage, std::function<void(MailSendResult)> done) noexcept override {
        std::lock_guard lock(mutex);
        pending.push_back(std::move(done));
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return pending.size();
    }
    void finish_all() {
        std::vector<std::function<void(MailSendResult)>> list;
        {
            std::lock_guard lock(mutex);
            list.swap(pending);
        }
        for (auto& f : list)
            f(MailSendResult{PMS_OK, {}});
    }
};

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 5s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (cond())
            return true;
        std::this_thread::sleep_for(5ms);
    }
    return cond();
}

} // namespace

BOOST_AUTO_TEST_SUITE(lifecycle)

BOOST_AUTO_TEST_CASE(disable_drains_pending_operations_before_deactivate) {
    Harness h;
    SilentServer server{h.runtime->io_context()};
    h.enable("test.c-basic");
    BOOST_CHECK(h.storage->settings().is_plugin_enabled("test.c-basic", h.seed.property));

    const auto url = server.server->base_url() + "/slow";
    const InboundReply started = h.notify("test.c-basic", "slow", url);
    BOOST_CHECK_EQUAL(started.body, "started 2");
    BOOST_REQUIRE(wait_until([&] { return server.requests() == 1; }));
    BOOST_CHECK_EQUAL(h.runtime->instance("test.c-basic", h.seed.property)->outstanding_operations,
                      2u);

    h.disable("test.c-basic");
    BOOST_CHECK(!h.storage->settings().is_plugin_enabled("test.c-basic", h.seed.property));
    BOOST_CHECK(!h.runtime->instance("test.c-basic", h.seed.property));

    // Both pending operations completed CANCELLED on the strand, then deactivate, then destroy.
    const long timer = h.logs.find("slow timer done status=PMS_CANCELLED");
    const long http = h.logs.find("slow http done status=PMS_CANCELLED");
    const long deactivate = h.logs.find("deactivate slow_pending=0");
    const long post = h.logs.find("post from deactivate -> PMS_UNAVAILABLE");
    const long destroy = h.logs.find("destroy");
    BOOST_TEST_INFO(h.logs.dump());
    BOOST_CHECK(timer >= 0);
    BOOST_CHECK(http >= 0);
    BOOST_CHECK(deactivate > timer);
    BOOST_CHECK(deactivate > http);
    BOOST_CHECK(post > deactivate);
    BOOST_CHECK(destroy > post);
    BOOST_CHECK_EQUAL(h.logs.count("slow timer done"), 1u);
    BOOST_CHECK_EQUAL(h.logs.count("slow http done"), 1u);

    // Disabled: notifications for it answer 404 without calling the plugin.
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "echo", "x").http_status, 404);
    // Disabling again is a no-op success.
    h.disable("test.c-basic");
}

BOOST_AUTO_TEST_CASE(enabled_instances_come_back_after_a_restart) {
    pms::test::TempDir data{"pms-data"};
    HarnessOptions o;
    o.data_dir = data.path();
    {
        Harness h{o};
        h.enable("test.c-basic");
        h.enable("test.c-second");
        h.disable("test.c-second");
    }
    Harness h{o};
    auto r = h.wait<std::size_t>(
        [&](Callback<std::size_t> cb) { h.runtime->start_enabled_instances(std::move(cb)); });
    BOOST_REQUIRE(r.ok());
    BOOST_CHECK_EQUAL(r.value(), 1u);
    BOOST_CHECK(h.runtime->instance("test.c-basic", h.seed.property)->state ==
                InstanceState::active);
    BOOST_CHECK(!h.runtime->instance("test.c-second", h.seed.property));
}

BOOST_AUTO_TEST_CASE(activation_is_retried_after_settings_are_saved) {
    Harness h;
    auto r = h.wait<Unit>([&](Callback<Unit> cb) {
        h.runtime->enable_plugin("test.c-needs-settings", h.seed.property, std::move(cb));
    });
    BOOST_REQUIRE(!r.ok());
    BOOST_CHECK(r.error().code == RuntimeErrc::plugin_error);
    BOOST_CHECK(r.error().status == PMS_UNAVAILABLE);
    auto info = h.runtime->instance("test.c-needs-settings", h.seed.property);
    BOOST_REQUIRE(info);
    BOOST_CHECK(info->state == InstanceState::inactive);
    BOOST_CHECK_MESSAGE(info->status_message.find("activate failed: PMS_UNAVAILABLE") !=
                            std::string::npos,
                        info->status_message);
    // Not active: hooks that need an active instance are refused; 404 for its notifications.
    BOOST_CHECK_EQUAL(h.notify("test.c-needs-settings", "echo").http_status, 404);

    auto saved = h.wait<SettingsSaveOutcome>([&](Callback<SettingsSaveOutcome> cb) {
        h.runtime->save_settings("test.c-needs-settings", h.seed.property,
                                 R"({"shop_id":"s1","api_token":"tok-123456"})", "staff:1",
                                 std::move(cb));
    });
    BOOST_REQUIRE(saved.ok());
    BOOST_CHECK_MESSAGE(saved.value().saved, saved.value().errors_json);
    BOOST_CHECK(h.runtime->instance("test.c-needs-settings", h.seed.property)->state ==
                InstanceState::active);
    BOOST_CHECK_EQUAL(h.notify("test.c-needs-settings", "echo", "ok").http_status, 200);
}

BOOST_AUTO_TEST_CASE(a_drain_that_never_ends_leaves_a_zombie) {
    auto mail = std::make_shared<HeldMail>();
    HarnessOptions o;
    o.drain_timeout = 300ms;
    o.tweak = [mail](RuntimeOptions& r) { r.mail_transport = mail; };
    Harness h{o};
    h.enable("test.c-basic");
    // The mail is accepted by the transport and never finishes: the posting-like operation has
    // started, so the drain must wait for it.
    const InboundReply reply = h.notify("test.c-basic", "mail", "guest@example.org", 200ms);
    BOOST_CHECK_EQUAL(reply.http_status, 503); // the host's own deadline reply
    BOOST_CHECK(!reply.from_plugin);
    BOOST_REQUIRE(wait_until([&] { return mail->count() == 1; }));

    const auto before = std::chrono::steady_clock::now();
    h.disable("test.c-basic");
    BOOST_CHECK(std::chrono::steady_clock::now() - before >= 250ms);
    auto info = h.runtime->instance("test.c-basic", h.seed.property);
    BOOST_REQUIRE(info);
    BOOST_CHECK(info->state == InstanceState::zombie);
    BOOST_CHECK_EQUAL(h.logs.count(LogLevel::plugin_misbehaving, "left as a zombie"), 1u);
    BOOST_CHECK_EQUAL(h.logs.count("deactivate slow_pending"), 0u);

    // The operation finally completes: delivered, then the late deactivate/destroy.
    mail->finish_all();
    BOOST_CHECK(h.logs.wait_for("zombie instance finally drained and destroyed"));
    BOOST_CHECK(h.logs.find("deactivate slow_pending") >= 0);
    // The plugin replied to the notification only after the host had answered: discarded.
    BOOST_CHECK_EQUAL(h.logs.count(LogLevel::plugin_misbehaving, "completed twice"), 0u);
}

BOOST_AUTO_TEST_CASE(shutdown_is_idempotent_and_refuses_new_work) {
    Harness h;
    h.enable("test.c-basic");
    h.enable("test.sdk");
    h.runtime->shutdown();
    h.runtime->shutdown();
    BOOST_CHECK(h.logs.find("deactivate slow_pending=0") >= 0);
    BOOST_CHECK(h.logs.find("sdk deactivate") >= 0);
    BOOST_CHECK(h.runtime->instances().empty());
    // After shutdown the completion runs inline with "unavailable".
    int calls = 0;
    h.runtime->enable_plugin("test.c-basic", h.seed.property, [&](Result<Unit> r) {
        ++calls;
        BOOST_CHECK(!r.ok() && r.error().code == RuntimeErrc::unavailable);
    });
    BOOST_CHECK_EQUAL(calls, 1);
    std::optional<InboundReply> reply;
    h.runtime->deliver_notification("test.c-basic", h.seed.property, {}, 1s,
                                    [&](InboundReply r) { reply = std::move(r); });
    BOOST_REQUIRE(reply);
    BOOST_CHECK_EQUAL(reply->http_status, 503);
}

BOOST_AUTO_TEST_CASE(shutdown_with_an_external_io_context) {
    boost::asio::io_context ioc;
    auto guard = boost::asio::make_work_guard(ioc);
    std::thread a([&] { ioc.run(); });
    std::thread b([&] { ioc.run(); });
    {
        HarnessOptions o;
        o.tweak = [&](RuntimeOptions& r) { r.io_context = &ioc; };
        Harness h{o};
        BOOST_CHECK(&h.runtime->io_context() == &ioc);
        h.enable("test.c-basic");
        BOOST_CHECK_EQUAL(h.notify("test.c-basic", "slow").body, "started 1");
        h.runtime->shutdown();
        BOOST_CHECK(h.logs.find("slow timer done status=PMS_CANCELLED") >= 0);
    }
    guard.reset();
    a.join();
    b.join();
}

BOOST_AUTO_TEST_SUITE_END()
