// Tests of outbox_transport.hpp: atomic files, exactly-once completion off the caller's thread,
// failures reported, and the listing the admin UI shows.
#include <pms/host/mail/outbox_transport.hpp>

#include <pms/host/mail/error.hpp>
#include <pms/host/mail/rfc2047.hpp>
#include <pms/test_support/temp_dir.hpp>

#include "mime_reader.hpp"
#include "send_probe.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

using namespace pms::host::mail;
using pms::host::mail::test::SendProbe;
using pms::test::TempDir;
using namespace std::chrono_literals;

namespace {

const MailTime kFixedTime{std::chrono::milliseconds{1'741'946'400'123}};

MailMessage message(std::string subject = "Ссылка на оплату счёта №471887") {
    MailMessage m;
    m.to = "guest@example.org";
    m.to_name = "Иванов Иван";
    m.subject = std::move(subject);
    m.text_body = "Ссылка: https://pay.example/l/abc\n";
    m.html_body = "<p>Ссылка: <a href=\"https://pay.example/l/abc\">оплатить</a></p>";
    return m;
}

OutboxTransport::Options options() {
    OutboxTransport::Options o;
    o.default_from = "pms@hotel.example";
    o.default_from_name = "Отель";
    o.now = [] { return kFixedTime; };
    return o;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(outbox_transport)

BOOST_AUTO_TEST_CASE(writes_one_complete_eml_file_off_the_callers_thread) {
    TempDir tmp("pms-mail-outbox");
    const auto dir = tmp.path() / "outbox" / "nested"; // created on demand
    OutboxTransport outbox(dir, options());
    BOOST_TEST(outbox.describe() == "outbox " + dir.string());

    SendProbe probe;
    outbox.async_send(message(), probe.handler());
    BOOST_REQUIRE(probe.wait());
    BOOST_REQUIRE_MESSAGE(!probe.ec(), probe.detail());
    BOOST_TEST((probe.thread() != std::this_thread::get_id()));

    const auto files = files_in(dir);
    BOOST_REQUIRE(files.size() == 1u); // no temporary file left behind
    BOOST_TEST(probe.detail() == files[0].string());
    const auto name = files[0].filename().string();
    BOOST_TEST(std::regex_match(
                   name, std::regex(R"(20250314T100000\.123Z-1741946400123\.\d+\.[0-9a-f]+\.eml)")),
               name);

    const auto msg = pms::host::mail::test::parse_mime(read_file(files[0]));
    BOOST_TEST(*decode_header_words(msg.header("subject")) == "Ссылка на оплату счёта №471887");
    BOOST_TEST(*decode_header_words(msg.header("from")) == "Отель <pms@hotel.example>");
    BOOST_TEST(msg.header("date") == "Fri, 14 Mar 2025 10:00:00 +0000");
    BOOST_TEST(msg.parts.size() == 2u);
    BOOST_TEST(msg.parts[0].body == "Ссылка: https://pay.example/l/abc\r\n");

    std::this_thread::sleep_for(100ms);
    BOOST_TEST(probe.calls() == 1);
}

BOOST_AUTO_TEST_CASE(same_message_id_never_overwrites) {
    TempDir tmp("pms-mail-outbox");
    OutboxTransport outbox(tmp.path(), options());
    std::vector<SendProbe> probes(3);
    for (auto& p : probes) {
        auto m = message();
        m.message_id = "<same-id@hotel.example>";
        outbox.async_send(std::move(m), p.handler());
    }
    for (auto& p : probes) {
        BOOST_REQUIRE(p.wait());
        BOOST_TEST(!p.ec());
    }
    const auto files = files_in(tmp.path());
    BOOST_REQUIRE(files.size() == 3u);
    BOOST_TEST(files[0].filename() == "20250314T100000.123Z-same-id-1.eml");
    BOOST_TEST(files[1].filename() == "20250314T100000.123Z-same-id-2.eml");
    BOOST_TEST(files[2].filename() == "20250314T100000.123Z-same-id.eml");
}

BOOST_AUTO_TEST_CASE(an_unwritable_folder_is_reported_once) {
    TempDir tmp("pms-mail-outbox");
    std::ofstream(tmp / "a-file") << "x";
    // Root ignores permissions, so the failure is a path through a regular file (ENOTDIR).
    const auto dir = tmp.path() / "a-file" / "outbox";
    OutboxTransport outbox(dir, options());
    SendProbe probe;
    outbox.async_send(message(), probe.handler());
    BOOST_REQUIRE(probe.wait());
    BOOST_TEST((probe.ec() == error::storage_error));
    BOOST_TEST(probe.detail().find(dir.string()) != std::string::npos, probe.detail());
    BOOST_TEST(is_transient(probe.ec()));
    std::this_thread::sleep_for(100ms);
    BOOST_TEST(probe.calls() == 1);
}

BOOST_AUTO_TEST_CASE(an_invalid_message_is_reported_and_not_written) {
    TempDir tmp("pms-mail-outbox");
    OutboxTransport outbox(tmp.path(), options());
    SendProbe probe;
    auto m = message("Subject\r\nBcc: someone@example.org");
    outbox.async_send(std::move(m), probe.handler());
    BOOST_REQUIRE(probe.wait());
    BOOST_TEST((probe.ec() == error::invalid_message));
    BOOST_TEST(probe.detail().find("Bcc") == std::string::npos);
    BOOST_TEST(files_in(tmp.path()).empty());
}

BOOST_AUTO_TEST_CASE(after_shutdown_sends_complete_cancelled) {
    TempDir tmp("pms-mail-outbox");
    OutboxTransport outbox(tmp.path(), options());
    outbox.shutdown();
    outbox.shutdown(); // idempotent
    SendProbe probe;
    outbox.async_send(message(), probe.handler());
    BOOST_REQUIRE(probe.wait());
    BOOST_TEST((probe.ec() == error::cancelled));
    BOOST_TEST((probe.ec() == std::errc::operation_canceled));
    BOOST_TEST(files_in(tmp.path()).empty());
}

BOOST_AUTO_TEST_CASE(many_senders_many_files_each_completed_once) {
    TempDir tmp("pms-mail-outbox");
    auto o = options();
    o.now = {}; // the system clock: distinct timestamps are not needed, distinct ids are
    o.fsync = false;
    std::vector<SendProbe> probes(40);
    {
        OutboxTransport outbox(tmp.path(), o);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (int i = t; i < 40; i += 4)
                    outbox.async_send(message("m" + std::to_string(i)), probes[i].handler());
            });
        for (auto& t : threads)
            t.join();
    } // the destructor drains the queue: every handler has run when it returns
    for (auto& p : probes) {
        BOOST_TEST(p.calls() == 1);
        BOOST_TEST(!p.ec(), p.detail());
    }
    BOOST_TEST(files_in(tmp.path()).size() == 40u);

    std::error_code ec;
    const auto listed = list_outbox(tmp.path(), 10, ec);
    BOOST_TEST(!ec);
    BOOST_TEST(listed.size() == 10u);
}

BOOST_AUTO_TEST_CASE(listing_decodes_headers_newest_first) {
    TempDir tmp("pms-mail-outbox");
    MailTime now = kFixedTime;
    auto o = options();
    o.now = [&now] { return now; };
    OutboxTransport outbox(tmp.path(), o);
    for (const char* subject : {"Первое письмо", "Второе письмо"}) {
        SendProbe p;
        outbox.async_send(message(subject), p.handler());
        BOOST_REQUIRE(p.wait());
        BOOST_REQUIRE(!p.ec());
        now += 1s;
    }
    std::error_code ec;
    const auto listed = list_outbox(tmp.path(), 100, ec);
    BOOST_TEST(!ec);
    BOOST_REQUIRE(listed.size() == 2u);
    BOOST_TEST(listed[0].subject == "Второе письмо");
    BOOST_TEST(listed[1].subject == "Первое письмо");
    BOOST_TEST(listed[0].to == "Иванов Иван <guest@example.org>");
    BOOST_TEST(listed[0].from == "Отель <pms@hotel.example>");
    BOOST_TEST(listed[0].message_id.ends_with("@hotel.example>"));
    BOOST_TEST(listed[0].size > 0u);

    BOOST_TEST(list_outbox(tmp.path() / "missing", 10, ec).empty());
    BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_SUITE_END()
