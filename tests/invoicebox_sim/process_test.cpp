// The invoicebox-sim binary as a child process: URL on the first line, the state file across
// a restart on the same port, graceful exit on SIGTERM, command-line errors.
#include "net_test_util.hpp"

#include <pms/test_support/child_process.hpp>
#include <pms/test_support/free_port.hpp>
#include <pms/test_support/temp_dir.hpp>

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <filesystem>

using namespace invoicebox::sim::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> shop_args() {
    return {"--merchant-id", std::string(merchant_id), "--token", std::string(token),
            "--api-key",     std::string(api_key),     "--quiet"};
}

pms::test::ChildProcess start(std::vector<std::string> extra) {
    pms::test::ChildProcess::Options o;
    o.program = INVOICEBOX_SIM_BINARY;
    o.args = shop_args();
    o.args.insert(o.args.end(), extra.begin(), extra.end());
    o.first_line_timeout = 20s;
    return pms::test::ChildProcess(std::move(o));
}

} // namespace

BOOST_AUTO_TEST_SUITE(process)

BOOST_AUTO_TEST_CASE(prints_base_url_first_and_exits_on_sigterm) {
    pms::test::ChildProcess::Options o;
    o.program = INVOICEBOX_SIM_BINARY;
    o.args = shop_args();
    o.args.insert(o.args.end(), {"--listen", "127.0.0.1:0", "--flavour", "l3"});
    pms::test::ChildProcess sim(std::move(o));
    const std::string url = sim.first_line();
    BOOST_TEST_REQUIRE(url.starts_with("http://127.0.0.1:"), url);
    BOOST_TEST(url.find(":0") == std::string::npos);
    BlockingClient c;
    auto r = c.send("GET", url + "/l3/security/api/auth/auth");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(!parse(r.body).at("data").at("userId").is_null());
    r = c.send("GET", url + "/v3/security/api/auth/auth");
    BOOST_TEST(parse(r.body).at("data").at("userId").is_null());
    BOOST_TEST(sim.stop(SIGTERM, 10s) == 0);
}

BOOST_AUTO_TEST_CASE(state_file_keeps_orders_across_restart) {
    pms::test::TempDir dir("ib-sim-state");
    const auto state = (dir.path() / "sim-state.json").string();
    const auto port = pms::test::find_free_port();
    const std::string listen = "127.0.0.1:" + std::to_string(port);
    std::string id;
    std::string payment_url;
    {
        auto sim = start({"--listen", listen, "--state", state});
        BlockingClient c;
        auto r = c.send("POST", sim.first_line() + "/v3/billing/api/order/order",
                        create_body("RESTART-1", future_date()));
        BOOST_TEST_REQUIRE(r.status == 200, r.body);
        id = str(parse(r.body).at("data").at("id"));
        payment_url = str(parse(r.body).at("data").at("paymentUrl"));
        BOOST_TEST(sim.stop(SIGTERM, 10s) == 0);
    }
    BOOST_TEST(std::filesystem::exists(state));
    auto sim = start({"--listen", listen, "--state", state});
    BOOST_TEST(sim.first_line() == "http://" + listen);
    BlockingClient c;
    auto r =
        c.send("GET", sim.first_line() + "/v3/filter/api/order/order?merchantOrderId=RESTART-1");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(str(parse(r.body).at("data").at(0).at("id")) == id);
    BOOST_TEST(str(parse(r.body).at("data").at(0).at("paymentUrl")) == payment_url);
    r = c.send("GET", payment_url, {}, "");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(sim.stop(SIGTERM, 10s) == 0);
}

BOOST_AUTO_TEST_CASE(graceful_exit_with_a_delayed_answer_pending) {
    auto sim = start({"--listen", "127.0.0.1:0"});
    const std::string url = sim.first_line();
    BlockingClient c;
    c.send("POST", url + "/__sim/faults", R"({"latency":{"ms":60000}})", "");
    auto slow = std::async(std::launch::async, [&] {
        return c.send("GET", url + "/v3/filter/api/order/order", {}, token, 30s);
    });
    std::this_thread::sleep_for(300ms);
    const auto before = std::chrono::steady_clock::now();
    sim.signal_group(SIGTERM);
    const auto code = sim.wait_exit(10s);
    BOOST_TEST_REQUIRE(code.has_value());
    BOOST_TEST(*code == 0);
    BOOST_TEST((std::chrono::steady_clock::now() - before) < 5s);
    const auto answer = slow.get(); // the server answers a request it will not finish 503
    BOOST_TEST((answer.ec || answer.status == 503));
}

BOOST_AUTO_TEST_CASE(command_line_errors) {
    pms::test::ChildProcess::Options o;
    o.program = INVOICEBOX_SIM_BINARY;
    o.args = {"--token", "only"};
    o.wait_first_line = false;
    pms::test::ChildProcess bad(std::move(o));
    BOOST_TEST(bad.wait_exit(10s).value_or(-1) == 2);

    pms::test::ChildProcess::Options h;
    h.program = INVOICEBOX_SIM_BINARY;
    h.args = {"--help"};
    pms::test::ChildProcess help(std::move(h));
    BOOST_TEST(help.first_line().starts_with("invoicebox-sim"));
    BOOST_TEST(help.wait_exit(10s).value_or(-1) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
