// Tests of pms_test_support itself: temp folders, free ports, the generated certificates
// (checked with OpenSSL's own verifier) and child processes in their own process group.
#define BOOST_TEST_MODULE pms_test_support_tests
#include <pms/test_support/test_support.hpp>

#include <boost/test/unit_test.hpp>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <csignal>
#include <fstream>
#include <memory>

using namespace pms::test;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<X509, decltype(&X509_free)> load_certificate(const std::filesystem::path& p) {
    std::unique_ptr<std::FILE, decltype(&std::fclose)> f(std::fopen(p.c_str(), "rb"), &std::fclose);
    BOOST_REQUIRE(f);
    return {PEM_read_X509(f.get(), nullptr, nullptr, nullptr), &X509_free};
}

// OpenSSL's verdict on `leaf` with `ca` as the only trust anchor.
int verify(X509* ca, X509* leaf) {
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                  &X509_STORE_free);
    X509_STORE_add_cert(store.get(), ca);
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                        &X509_STORE_CTX_free);
    X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
    X509_verify_cert(ctx.get());
    return X509_STORE_CTX_get_error(ctx.get());
}

// True if `pid` is gone or a zombie (killed, awaiting its reaper).
bool process_dead(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat)
        return true;
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

} // namespace

BOOST_AUTO_TEST_CASE(temp_dir_is_created_and_removed) {
    std::filesystem::path kept;
    {
        TempDir dir("pms-support");
        kept = dir.path();
        BOOST_TEST(std::filesystem::is_directory(kept));
        std::ofstream(dir / "file.txt") << "x";
        TempDir moved(std::move(dir));
        BOOST_TEST(moved.path() == kept);
    }
    BOOST_TEST(!std::filesystem::exists(kept));
}

BOOST_AUTO_TEST_CASE(free_port_is_nonzero) {
    BOOST_TEST(find_free_port() != 0);
}

BOOST_AUTO_TEST_CASE(certificates_verify_against_the_ca) {
    TempDir dir;
    auto files = generate_test_certificates(dir.path());
    auto ca = load_certificate(files.ca_certificate);
    auto server = load_certificate(files.server_certificate);
    auto wrong = load_certificate(files.wrong_host_certificate);
    BOOST_REQUIRE(ca);
    BOOST_REQUIRE(server);
    BOOST_REQUIRE(wrong);
    BOOST_TEST(X509_check_ca(ca.get()) == 1);
    BOOST_TEST(X509_check_ca(server.get()) == 0);
    BOOST_TEST(verify(ca.get(), server.get()) == X509_V_OK);
    BOOST_TEST(verify(ca.get(), wrong.get()) == X509_V_OK);
    BOOST_TEST(X509_check_ip_asc(server.get(), "127.0.0.1", 0) == 1);
    BOOST_TEST(X509_check_ip_asc(server.get(), "::1", 0) == 1);
    BOOST_TEST(X509_check_host(server.get(), "localhost", 0, 0, nullptr) == 1);
    BOOST_TEST(X509_check_host(wrong.get(), "localhost", 0, 0, nullptr) != 1);
    BOOST_TEST(X509_check_ip_asc(wrong.get(), "127.0.0.1", 0) != 1);
    // A second run makes different keys.
    TempDir other;
    auto again = generate_test_certificates(other.path());
    auto ca2 = load_certificate(again.ca_certificate);
    BOOST_TEST(verify(ca2.get(), server.get()) != X509_V_OK);
}

BOOST_AUTO_TEST_CASE(child_first_line_environment_and_exit_code) {
    ChildProcess::Options o;
    o.program = "sh";
    o.args = {"-c", "echo \"ready $PMS_SUPPORT_TEST\"; echo second; exit 3"};
    o.env = {{"PMS_SUPPORT_TEST", "yes"}};
    ChildProcess child(o);
    BOOST_TEST(child.first_line() == "ready yes");
    BOOST_TEST(child.read_line(5s).value_or("") == "second");
    BOOST_TEST(child.wait_exit(5s).value_or(-1) == 3);
    BOOST_TEST(!child.read_line(1s));
}

BOOST_AUTO_TEST_CASE(child_group_is_killed_on_destruction) {
    pid_t grandchild = 0;
    pid_t child_pid = 0;
    auto start = std::chrono::steady_clock::now();
    {
        ChildProcess::Options o;
        o.program = "/bin/sh";
        // The grandchild ignores SIGTERM: only the group-wide SIGKILL after the grace ends it.
        o.args = {"-c", "trap '' TERM; sleep 60 & echo $!; wait"};
        o.stop_grace = 300ms;
        ChildProcess child(o);
        grandchild = std::stoi(child.first_line());
        child_pid = child.pid();
        BOOST_TEST(child.running());
    }
    BOOST_TEST((std::chrono::steady_clock::now() - start < 10s));
    BOOST_TEST(process_dead(child_pid));
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!process_dead(grandchild) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    BOOST_TEST(process_dead(grandchild));
}

BOOST_AUTO_TEST_CASE(child_stop_reports_the_signal) {
    ChildProcess::Options o;
    o.program = "sh";
    o.args = {"-c", "echo up; exec sleep 60"};
    ChildProcess child(o);
    BOOST_TEST(child.stop(SIGTERM, 5s) == 128 + SIGTERM);
    BOOST_TEST(!child.running());
}

BOOST_AUTO_TEST_CASE(child_failures_are_reported) {
    ChildProcess::Options missing;
    missing.program = "/nonexistent/program";
    BOOST_CHECK_THROW(ChildProcess{missing}, std::system_error);

    ChildProcess::Options silent;
    silent.program = "sh";
    silent.args = {"-c", "exit 0"};
    silent.first_line_timeout = 2s;
    BOOST_CHECK_THROW(ChildProcess{silent}, std::runtime_error);
}

BOOST_AUTO_TEST_CASE(raw_server_and_connection) {
    RawServer server([](RawConnection& c) {
        auto request = c.read_until("\n", 2s);
        c.send_all("echo: " + request);
    });
    RawConnection c(server.port());
    BOOST_REQUIRE(c.send_all("hi\n"));
    bool closed = false;
    BOOST_TEST(c.read_to_eof(5s, &closed) == "echo: hi\n");
    BOOST_TEST(closed);
}
