// pms.http/1 end to end against a local pms::net::HttpServer: plain HTTP, HTTPS with the extra
// CA from the runtime options (and refused without it), transport failures mapped to statuses,
// outcome_unknown passed through, and the Authorization header never logged.
#include "harness.hpp"

#include <pms/net/http_server.hpp>
#include <pms/test_support/test_certificates.hpp>

#include <boost/test/unit_test.hpp>

using namespace pms::host;
using namespace pms::host::test;

namespace {

struct Server {
    std::string last_authorization;
    std::mutex mutex;
    std::unique_ptr<pms::net::HttpServer> server;
    Server(boost::asio::io_context& ioc, std::optional<pms::net::ServerTls> tls = {}) {
        pms::net::ServerOptions o;
        o.tls = std::move(tls);
        server = std::make_unique<pms::net::HttpServer>(
            ioc, o, [this](pms::net::Request req, pms::net::Responder respond) {
                {
                    std::lock_guard lock(mutex);
                    last_authorization = std::string{req.header("Authorization").value_or("")};
                }
                if (req.path == "/drop")
                    respond.drop();
                else
                    respond(pms::net::Response::text(req.path == "/missing" ? 404 : 200, "pong"));
            });
    }
    ~Server() { server->stop(); }
    std::string url(const std::string& path) const {
        auto base = server->base_url();
        return base + path;
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(http)

BOOST_AUTO_TEST_CASE(plain_http_round_trip_and_failures) {
    Harness h;
    Server s{h.runtime->io_context()};
    h.enable("test.c-basic");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "http", s.url("/ping")).body,
                      "status=PMS_OK http=200 unknown=0 body=pong");
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "http", s.url("/missing")).body,
                      "status=PMS_OK http=404 unknown=0 body=pong");
    {
        std::lock_guard lock(s.mutex);
        BOOST_CHECK_EQUAL(s.last_authorization, "Bearer fixture-token-123456");
    }
    // The connection drops after the request was sent: the outcome is unknown.
    const std::string dropped = h.notify("test.c-basic", "http", s.url("/drop")).body;
    BOOST_CHECK_MESSAGE(dropped.rfind("status=PMS_NETWORK_ERROR", 0) == 0, dropped);
    BOOST_CHECK_MESSAGE(dropped.find("unknown=1") != std::string::npos, dropped);
    // Nobody listens on port 1.
    const std::string refused = h.notify("test.c-basic", "http", "http://127.0.0.1:1/x").body;
    BOOST_CHECK_MESSAGE(refused.rfind("status=PMS_NETWORK_ERROR http=0 unknown=0", 0) == 0,
                        refused);
    // A malformed URL is refused at the call (the plugin gets the status back).
    BOOST_CHECK_EQUAL(h.notify("test.c-basic", "http", "ftp://example.org/").http_status, 500);
    BOOST_CHECK_EQUAL(h.logs.count("fixture-token-123456"), 0u);
}

BOOST_AUTO_TEST_CASE(https_with_the_extra_ca_and_without_it) {
    pms::test::TempDir certs{"pms-certs"};
    const auto tls = pms::test::generate_test_certificates(certs.path());
    {
        HarnessOptions o;
        o.tweak = [&](RuntimeOptions& r) { r.http.extra_ca_file = tls.ca_certificate; };
        Harness h{o};
        Server s{h.runtime->io_context(),
                 pms::net::ServerTls{tls.server_certificate, tls.server_key}};
        h.enable("test.c-basic");
        BOOST_CHECK_EQUAL(h.notify("test.c-basic", "http", s.url("/ping")).body,
                          "status=PMS_OK http=200 unknown=0 body=pong");
    }
    Harness h;
    Server s{h.runtime->io_context(), pms::net::ServerTls{tls.server_certificate, tls.server_key}};
    h.enable("test.c-basic");
    const std::string untrusted = h.notify("test.c-basic", "http", s.url("/ping")).body;
    BOOST_CHECK_MESSAGE(untrusted.rfind("status=PMS_TLS_ERROR", 0) == 0, untrusted);
}

BOOST_AUTO_TEST_SUITE_END()
