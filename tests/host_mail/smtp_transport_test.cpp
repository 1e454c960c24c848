// Tests of smtp_transport.hpp against a real SMTP server (maildev on loopback) and against
// servers that refuse, black-hole or stall: every send completes exactly once, with the right
// error, without blocking the caller, and without a password in any text.
#include <pms/host/mail/smtp_transport.hpp>

#include <pms/host/mail/error.hpp>
#include <pms/test_support/free_port.hpp>
#include <pms/test_support/raw_socket.hpp>
#include <pms/test_support/temp_dir.hpp>
#include <pms/test_support/test_certificates.hpp>

#include "maildev.hpp"
#include "send_probe.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <mutex>

using namespace pms::host::mail;
using pms::host::mail::test::MailDev;
using pms::host::mail::test::SendProbe;
using namespace std::chrono_literals;

namespace {

const std::string kSubject =
    "Ссылка на оплату счёта №471887 — ООО «Суперотель», проживание с 14 по 21 марта, "
    "67 680,00 ₽";
const std::string kText = "Здравствуйте, Иван Иванович!\n\nОплатить: https://pay.example/l/abc\n"
                          ". строка с точкой в начале\n";
const std::string kHtml = "<p>Здравствуйте, <b>Иван Иванович</b>!</p>"
                          "<p><a href=\"https://pay.example/l/abc\">Оплатить счёт</a></p>";
const std::string kPassword = "S3cr3t-p@ss:w0rd";

MailMessage guest_mail() {
    MailMessage m;
    m.from = "pms@hotel.example";
    m.from_name = "Отель «Суперотель»";
    m.to = "guest@example.org";
    m.to_name = "Иванов Иван";
    m.subject = kSubject;
    m.text_body = kText;
    m.html_body = kHtml;
    return m;
}

SmtpConfig plain_config(std::uint16_t port) {
    SmtpConfig c;
    c.host = "127.0.0.1";
    c.port = port;
    c.tls = SmtpConfig::Tls::none;
    c.connect_timeout = 5s;
    c.total_timeout = 20s;
    return c;
}

// Line ends as mailparser returns them, trailing blank lines ignored.
std::string normalise(std::string s) {
    std::string out;
    for (char c : s)
        if (c != '\r')
            out += c;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
        out.pop_back();
    return out;
}

struct LogSink {
    std::mutex mutex;
    std::vector<std::string> lines;
    std::function<void(std::string_view)> fn() {
        return [this](std::string_view l) {
            std::lock_guard lock(mutex);
            lines.emplace_back(l);
        };
    }
    std::string all() {
        std::lock_guard lock(mutex);
        std::string s;
        for (auto& l : lines)
            s += l + "\n";
        return s;
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(smtp_transport)

BOOST_AUTO_TEST_CASE(cyrillic_multipart_mail_arrives_decoded) {
    MailDev maildev;
    LogSink log;
    SmtpTransport::Options o;
    o.log = log.fn();
    SmtpTransport smtp(plain_config(maildev.smtp_port()), o);

    SendProbe probe;
    const auto before = std::chrono::steady_clock::now();
    smtp.async_send(guest_mail(), probe.handler());
    // async_send only queues: it returns at once, the exchange runs on the worker thread.
    BOOST_TEST((std::chrono::steady_clock::now() - before < 200ms));
    BOOST_REQUIRE(probe.wait());
    BOOST_REQUIRE_MESSAGE(!probe.ec(), probe.ec().message() << ": " << probe.detail());
    BOOST_TEST((probe.thread() != std::this_thread::get_id()));
    BOOST_TEST(probe.detail().find("accepted by 127.0.0.1:") == 0, probe.detail());

    const auto emails = maildev.wait_for_emails(1);
    BOOST_REQUIRE(emails.size() == 1u);
    const auto& mail = emails[0].as_object();
    BOOST_TEST(boost::json::value_to<std::string>(mail.at("subject")) == kSubject);
    BOOST_TEST(normalise(boost::json::value_to<std::string>(mail.at("text"))) == normalise(kText));
    BOOST_TEST(normalise(boost::json::value_to<std::string>(mail.at("html"))) == normalise(kHtml));
    const auto& from = mail.at("from").as_array().at(0).as_object();
    BOOST_TEST(boost::json::value_to<std::string>(from.at("address")) == "pms@hotel.example");
    BOOST_TEST(boost::json::value_to<std::string>(from.at("name")) == "Отель «Суперотель»");
    const auto& to = mail.at("to").as_array().at(0).as_object();
    BOOST_TEST(boost::json::value_to<std::string>(to.at("address")) == "guest@example.org");
    BOOST_TEST(boost::json::value_to<std::string>(to.at("name")) == "Иванов Иван");
    const auto& headers = mail.at("headers").as_object();
    BOOST_TEST(boost::json::value_to<std::string>(headers.at("content-type"))
                   .starts_with("multipart/alternative"));
    BOOST_TEST(headers.contains("message-id"));
    BOOST_TEST(headers.contains("date"));
    // The envelope is the message's sender and recipient.
    const auto& envelope = mail.at("envelope").as_object();
    BOOST_TEST(boost::json::value_to<std::string>(envelope.at("from").as_object().at("address")) ==
               "pms@hotel.example");

    std::this_thread::sleep_for(200ms);
    BOOST_TEST(probe.calls() == 1);
    BOOST_TEST(log.all().find("mail: sent <") == 0, log.all());
}

// A plugin that gives no HTML gets a single text/plain part, not an empty alternative
// (issue 10: multipart/alternative only when there are two bodies to choose from).
BOOST_AUTO_TEST_CASE(text_only_mail_arrives_as_one_plain_part) {
    MailDev maildev;
    SmtpTransport smtp(plain_config(maildev.smtp_port()), {});
    auto m = guest_mail();
    m.html_body.reset();
    SendProbe probe;
    smtp.async_send(std::move(m), probe.handler());
    BOOST_REQUIRE(probe.wait());
    BOOST_REQUIRE_MESSAGE(!probe.ec(), probe.ec().message() << ": " << probe.detail());
    const auto emails = maildev.wait_for_emails(1);
    BOOST_REQUIRE(emails.size() == 1u);
    const auto& mail = emails[0].as_object();
    BOOST_TEST(boost::json::value_to<std::string>(mail.at("subject")) == kSubject);
    BOOST_TEST(normalise(boost::json::value_to<std::string>(mail.at("text"))) == normalise(kText));
    const auto* html = mail.if_contains("html");
    BOOST_TEST((html == nullptr || html->is_null() ||
                (html->is_string() && html->as_string().empty())));
    const auto& headers = mail.at("headers").as_object();
    BOOST_TEST(boost::json::value_to<std::string>(headers.at("content-type")).starts_with("text/plain"));
}

BOOST_AUTO_TEST_CASE(parallel_sends_all_arrive) {
    MailDev maildev;
    SmtpTransport::Options o;
    o.worker_threads = 2;
    std::vector<SendProbe> probes(6);
    {
        SmtpTransport smtp(plain_config(maildev.smtp_port()), o);
        for (std::size_t i = 0; i < probes.size(); ++i) {
            auto m = guest_mail();
            m.subject = "Письмо " + std::to_string(i);
            smtp.async_send(std::move(m), probes[i].handler());
        }
        for (auto& p : probes) {
            BOOST_REQUIRE(p.wait());
            BOOST_TEST(!p.ec(), p.detail());
        }
    }
    for (auto& p : probes)
        BOOST_TEST(p.calls() == 1);
    const auto emails = maildev.wait_for_emails(probes.size());
    BOOST_TEST(emails.size() == probes.size());
}

BOOST_AUTO_TEST_CASE(smtps_with_login_and_ca_file) {
    pms::test::TempDir tmp("pms-mail-tls");
    const auto certs = pms::test::generate_test_certificates(tmp.path());
    MailDev maildev({"--incoming-secure", "--incoming-cert", certs.server_certificate.string(),
                     "--incoming-key", certs.server_key.string(), "--incoming-user", "pms",
                     "--incoming-pass", kPassword});

    SmtpConfig c = plain_config(maildev.smtp_port());
    c.tls = SmtpConfig::Tls::implicit;
    c.username = "pms";
    c.password = kPassword;
    c.ca_file = certs.ca_certificate;

    LogSink log;
    SmtpTransport::Options o;
    o.log = log.fn();
    {
        SmtpTransport smtp(c, o);
        SendProbe probe;
        smtp.async_send(guest_mail(), probe.handler());
        BOOST_REQUIRE(probe.wait());
        BOOST_REQUIRE_MESSAGE(!probe.ec(), probe.ec().message() << ": " << probe.detail());
        BOOST_TEST(smtp.describe() ==
                   "smtps://pms@127.0.0.1:" + std::to_string(maildev.smtp_port()) + " (TLS)");
    }
    const auto emails = maildev.wait_for_emails(1);
    BOOST_REQUIRE(emails.size() == 1u);
    BOOST_TEST(boost::json::value_to<std::string>(emails[0].at("subject")) == kSubject);

    // A wrong password: refused, reported as such, and no form of any password in the texts.
    {
        SmtpConfig wrong = c;
        wrong.password = "Wr0ng-" + kPassword;
        SmtpTransport smtp(wrong, o);
        SendProbe probe;
        smtp.async_send(guest_mail(), probe.handler());
        BOOST_REQUIRE(probe.wait());
        BOOST_TEST((probe.ec() == error::auth_failed), probe.ec().message()
                                                           << ": " << probe.detail());
        BOOST_TEST(!is_transient(probe.ec()));
        BOOST_TEST(probe.detail().find(kPassword) == std::string::npos, probe.detail());
    }
    BOOST_TEST(maildev.emails().size() == 1u);

    // Without our CA the server's certificate is not trusted. Last: maildev 2.2.1 exits on the
    // TLS alert our refusal sends (an unhandled error in its SMTP server).
    {
        SmtpConfig untrusted = c;
        untrusted.ca_file.clear();
        SmtpTransport smtp(untrusted, o);
        SendProbe probe;
        smtp.async_send(guest_mail(), probe.handler());
        BOOST_REQUIRE(probe.wait());
        BOOST_TEST((probe.ec() == error::tls_failed), probe.ec().message()
                                                          << ": " << probe.detail());
    }
    const auto logged = log.all();
    BOOST_TEST(logged.find(kPassword) == std::string::npos, logged);
    BOOST_TEST(logged.find("S3cr3t") == std::string::npos, logged);
    BOOST_TEST(logged.find("mail: failed") != std::string::npos, logged);
}

BOOST_AUTO_TEST_CASE(starttls_required_but_not_offered_is_refused) {
    MailDev maildev; // maildev never offers STARTTLS
    SmtpConfig c = plain_config(maildev.smtp_port());
    c.tls = SmtpConfig::Tls::starttls_required;
    SmtpTransport smtp(c);
    SendProbe probe;
    smtp.async_send(guest_mail(), probe.handler());
    BOOST_REQUIRE(probe.wait());
    BOOST_TEST((probe.ec() == error::tls_unavailable), probe.ec().message()
                                                           << ": " << probe.detail());
    BOOST_TEST(maildev.emails().empty());

    // Optional STARTTLS falls back to plain with such a server.
    c.tls = SmtpConfig::Tls::starttls_optional;
    SmtpTransport optional(c);
    SendProbe probe2;
    optional.async_send(guest_mail(), probe2.handler());
    BOOST_REQUIRE(probe2.wait());
    BOOST_TEST(!probe2.ec(), probe2.detail());
}

BOOST_AUTO_TEST_CASE(server_down_is_one_error_not_a_hang) {
    const auto port = pms::test::find_free_port(); // nothing listens there any more
    SmtpTransport smtp(plain_config(port));
    SendProbe probe;
    const auto start = std::chrono::steady_clock::now();
    smtp.async_send(guest_mail(), probe.handler());
    BOOST_REQUIRE(probe.wait(10s));
    BOOST_TEST((std::chrono::steady_clock::now() - start < 3s));
    BOOST_TEST((probe.ec() == error::connection_refused), probe.ec().message()
                                                              << ": " << probe.detail());
    BOOST_TEST((probe.ec() == std::errc::connection_refused));
    BOOST_TEST(is_transient(probe.ec()));
    std::this_thread::sleep_for(300ms);
    BOOST_TEST(probe.calls() == 1);
}

BOOST_AUTO_TEST_CASE(connect_timeout_against_a_black_hole) {
    pms::test::BlackholeListener hole;
    SmtpConfig c = plain_config(hole.port());
    c.connect_timeout = 1s;
    SmtpTransport smtp(c);
    SendProbe probe;
    const auto start = std::chrono::steady_clock::now();
    smtp.async_send(guest_mail(), probe.handler());
    BOOST_REQUIRE(probe.wait(10s));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    BOOST_TEST((elapsed >= 900ms && elapsed < 5s));
    BOOST_TEST((probe.ec() == error::connect_timeout || probe.ec() == error::timeout),
               probe.ec().message() << ": " << probe.detail());
    std::this_thread::sleep_for(300ms);
    BOOST_TEST(probe.calls() == 1);
}

BOOST_AUTO_TEST_CASE(a_server_that_never_greets_times_out) {
    pms::test::RawServer silent([](pms::test::RawConnection& conn) {
        (void)conn.read_to_eof(10s); // accept, say nothing, wait for the client to give up
    });
    SmtpConfig c = plain_config(silent.port());
    c.connect_timeout = 1s;
    c.total_timeout = 2s;
    SmtpTransport smtp(c);
    SendProbe probe;
    smtp.async_send(guest_mail(), probe.handler());
    BOOST_REQUIRE(probe.wait(10s));
    BOOST_TEST((probe.ec() == error::timeout), probe.ec().message() << ": " << probe.detail());
    BOOST_TEST((probe.ec() == std::errc::timed_out));
    std::this_thread::sleep_for(300ms);
    BOOST_TEST(probe.calls() == 1);
}

BOOST_AUTO_TEST_CASE(a_server_that_hangs_up_mid_exchange) {
    pms::test::RawServer rude([](pms::test::RawConnection& conn) {
        conn.send_all("220 rude.example ESMTP\r\n");
        (void)conn.read_until("\r\n", 5s); // EHLO, then hang up without an answer
    });
    SmtpTransport smtp(plain_config(rude.port()));
    SendProbe probe;
    smtp.async_send(guest_mail(), probe.handler());
    BOOST_REQUIRE(probe.wait(10s));
    BOOST_TEST((probe.ec() == error::connection_closed || probe.ec() == error::protocol_error),
               probe.ec().message() << ": " << probe.detail());
}

BOOST_AUTO_TEST_CASE(a_rejected_recipient_is_named_as_such) {
    pms::test::RawServer strict([](pms::test::RawConnection& conn) {
        conn.send_all("220 strict.example ESMTP\r\n");
        for (int i = 0; i < 6; ++i) {
            const auto line = conn.read_until("\r\n", 5s);
            if (line.empty())
                return;
            if (line.starts_with("EHLO"))
                conn.send_all("250 strict.example\r\n");
            else if (line.starts_with("MAIL"))
                conn.send_all("250 OK\r\n");
            else if (line.starts_with("RCPT"))
                conn.send_all("550 5.1.1 No such user here\r\n");
            else if (line.starts_with("QUIT")) {
                conn.send_all("221 Bye\r\n");
                return;
            } else
                conn.send_all("502 Not implemented\r\n");
        }
    });
    SmtpTransport smtp(plain_config(strict.port()));
    SendProbe probe;
    smtp.async_send(guest_mail(), probe.handler());
    BOOST_REQUIRE(probe.wait(10s));
    BOOST_TEST((probe.ec() == error::recipient_rejected), probe.ec().message()
                                                              << ": " << probe.detail());
    BOOST_TEST(probe.detail().find("550 5.1.1 No such user here") != std::string::npos,
               probe.detail());
    BOOST_TEST(!is_transient(probe.ec()));
}

BOOST_AUTO_TEST_CASE(a_message_refused_after_data_is_named_as_such) {
    pms::test::RawServer picky([](pms::test::RawConnection& conn) {
        conn.send_all("220 picky.example ESMTP\r\n");
        for (int i = 0; i < 8; ++i) {
            const auto line = conn.read_until("\r\n", 5s);
            if (line.empty())
                return;
            if (line.starts_with("EHLO"))
                conn.send_all("250 picky.example\r\n");
            else if (line.starts_with("MAIL") || line.starts_with("RCPT"))
                conn.send_all("250 OK\r\n");
            else if (line.starts_with("DATA")) {
                conn.send_all("354 Go ahead\r\n");
                (void)conn.read_until("\r\n.\r\n", 5s);
                conn.send_all("554 5.7.1 Message refused by policy\r\n");
            } else if (line.starts_with("QUIT")) {
                conn.send_all("221 Bye\r\n");
                return;
            } else
                conn.send_all("502 Not implemented\r\n");
        }
    });
    SmtpTransport smtp(plain_config(picky.port()));
    SendProbe probe;
    smtp.async_send(guest_mail(), probe.handler());
    BOOST_REQUIRE(probe.wait(10s));
    BOOST_TEST((probe.ec() == error::message_rejected), probe.ec().message()
                                                            << ": " << probe.detail());
    BOOST_TEST(probe.detail().find("554 5.7.1 Message refused by policy") != std::string::npos,
               probe.detail());
}

BOOST_AUTO_TEST_CASE(shutdown_cuts_an_exchange_in_flight_and_cancels_the_queue) {
    pms::test::RawServer silent(
        [](pms::test::RawConnection& conn) { (void)conn.read_to_eof(10s); });
    SmtpConfig c = plain_config(silent.port());
    c.connect_timeout = 30s;
    c.total_timeout = 60s;
    auto smtp = std::make_unique<SmtpTransport>(c);
    SendProbe in_flight;
    SendProbe queued;
    smtp->async_send(guest_mail(), in_flight.handler());
    smtp->async_send(guest_mail(), queued.handler());
    std::this_thread::sleep_for(300ms); // the first exchange is now waiting for a greeting
    const auto start = std::chrono::steady_clock::now();
    smtp.reset(); // shutdown() + join
    BOOST_TEST((std::chrono::steady_clock::now() - start < 2s));
    BOOST_TEST(in_flight.calls() == 1);
    BOOST_TEST(queued.calls() == 1);
    BOOST_TEST((in_flight.ec() == error::cancelled), in_flight.detail());
    BOOST_TEST((queued.ec() == error::cancelled), queued.detail());
}

BOOST_AUTO_TEST_CASE(shutdown_cuts_a_connect_in_progress) {
    pms::test::BlackholeListener hole;
    SmtpConfig c = plain_config(hole.port());
    c.connect_timeout = 30s;
    c.total_timeout = 60s;
    SmtpTransport smtp(c);
    SendProbe probe;
    smtp.async_send(guest_mail(), probe.handler());
    std::this_thread::sleep_for(300ms); // the SYN is now unanswered
    const auto start = std::chrono::steady_clock::now();
    smtp.shutdown();
    BOOST_TEST((std::chrono::steady_clock::now() - start < 2s));
    BOOST_TEST(probe.calls() == 1);
    BOOST_TEST((probe.ec() == error::cancelled), probe.detail());
}

BOOST_AUTO_TEST_CASE(destroying_the_transport_from_its_own_handler_is_safe) {
    const auto port = pms::test::find_free_port();
    auto smtp = std::make_shared<SmtpTransport>(plain_config(port));
    SendProbe probe;
    std::atomic<bool> destroyed{false};
    std::shared_ptr<SmtpTransport> holder = smtp;
    smtp->async_send(guest_mail(), [holder = std::move(holder), h = probe.handler(),
                                    &destroyed](std::error_code ec, std::string d) mutable {
        holder.reset(); // may drop the last reference: the worker then detaches
        destroyed = true;
        h(ec, std::move(d));
    });
    smtp.reset();
    BOOST_REQUIRE(probe.wait(10s));
    BOOST_TEST(destroyed.load());
    BOOST_TEST((probe.ec() == error::connection_refused));
}

BOOST_AUTO_TEST_CASE(invalid_settings_and_messages_are_reported_to_the_sender) {
    SmtpConfig c = plain_config(25);
    c.host = "";
    SmtpTransport bad_config(c);
    SendProbe p1;
    bad_config.async_send(guest_mail(), p1.handler());
    BOOST_REQUIRE(p1.wait());
    BOOST_TEST((p1.ec() == error::invalid_config));

    SmtpTransport smtp(plain_config(pms::test::find_free_port()));
    SendProbe p2;
    auto m = guest_mail();
    m.to = "not an address";
    smtp.async_send(std::move(m), p2.handler());
    BOOST_REQUIRE(p2.wait());
    BOOST_TEST((p2.ec() == error::invalid_message));
    BOOST_TEST(p2.detail() == "to is not a valid address");
}

BOOST_AUTO_TEST_SUITE_END()
