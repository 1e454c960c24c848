// Tests of composer.hpp, rfc2047.hpp, transfer_encoding.hpp and mail_message.hpp: the bytes
// the host sends, parsed back by an independent strict reader.
#include <pms/host/mail/composer.hpp>

#include <pms/host/mail/error.hpp>
#include <pms/host/mail/rfc2047.hpp>
#include <pms/host/mail/transfer_encoding.hpp>

#include "mime_reader.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>

using namespace pms::host::mail;
using pms::host::mail::test::crlf_lines;
using pms::host::mail::test::parse_mime;

namespace {

// 2025-03-14 10:00:00 UTC, a Friday.
const MailTime kFixedTime{std::chrono::milliseconds{1'741'946'400'000}};

const std::string kLongCyrillicSubject =
    "Ссылка на оплату счёта №471887 — ООО «Суперотель», проживание с 14 по 21 марта 2025 года, "
    "сумма 67 680,00 ₽, гость Иванов Иван Иванович 😀";

bool valid_utf8(std::string_view s) {
    // A minimal independent check: decode every sequence by its lead byte.
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80             ? 1
                        : (c & 0xE0) == 0xC0 ? 2
                        : (c & 0xF0) == 0xE0 ? 3
                        : (c & 0xF8) == 0xF0 ? 4
                                             : 0;
        if (n == 0 || i + n > s.size())
            return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
                return false;
        i += n;
    }
    return true;
}

MailMessage sample_message() {
    MailMessage m;
    m.from = "pms@hotel.example";
    m.from_name = "Отель «Суперотель»";
    m.to = "guest@example.org";
    m.to_name = "Иванов Иван";
    m.reply_to = "frontdesk@hotel.example";
    m.subject = kLongCyrillicSubject;
    m.text_body =
        "Здравствуйте, Иван!\n\nСсылка на оплату: https://pay.example/l/abc?x=1&y=2\n"
        "Сумма: 67 680,00 ₽\n. a line that starts with a dot\nFrom the front desk\n";
    m.html_body = "<!doctype html><html><body><p>Здравствуйте, Иван!</p>"
                  "<p><a href=\"https://pay.example/l/abc?x=1&amp;y=2\">Оплатить счёт</a></p>"
                  "</body></html>";
    m.message_id = "<1741946400000.1.abc@hotel.example>";
    m.date = kFixedTime;
    return m;
}

} // namespace

BOOST_AUTO_TEST_SUITE(composer)

BOOST_AUTO_TEST_CASE(base64_matches_rfc4648_vectors) {
    const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                           {"f", "Zg=="},
                                                           {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},
                                                           {"foob", "Zm9vYg=="},
                                                           {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors) {
        BOOST_TEST(base64_encode(plain) == encoded);
        const auto decoded = base64_decode(encoded);
        BOOST_REQUIRE(decoded.has_value());
        BOOST_TEST(*decoded == plain);
    }
    BOOST_TEST(!base64_decode("Zm9v!").has_value());
    BOOST_TEST(!base64_decode("Z").has_value());
    BOOST_TEST(!base64_decode("Zm9=v").has_value());
}

BOOST_AUTO_TEST_CASE(base64_lines_are_76_characters_with_crlf) {
    std::string bytes;
    for (int i = 0; i < 1000; ++i)
        bytes += static_cast<char>(i * 7);
    const auto text = base64_encode_lines(bytes);
    BOOST_TEST(text.ends_with("\r\n"));
    const auto lines = crlf_lines(text);
    BOOST_REQUIRE(lines.size() > 2);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i)
        BOOST_TEST(lines[i].size() == 76u);
    BOOST_TEST(lines.back().size() <= 76u);
    BOOST_TEST(*base64_decode(text) == bytes);
}

BOOST_AUTO_TEST_CASE(quoted_printable_respects_line_length_and_round_trips) {
    const std::string text =
        std::string(200, 'a') + " trailing space \n" + ".dot\r\nFrom here\n" +
        "Кириллица в длинной строке, которая обязательно будет перенесена мягким переносом, "
        "потому что её закодированная длина намного больше семидесяти шести символов\n"
        "tab\t\nequals=sign\n";
    const auto qp = quoted_printable_encode(text);
    BOOST_TEST(qp.ends_with("\r\n"));
    for (const auto& line : crlf_lines(qp)) {
        BOOST_TEST(line.size() <= 76u, "line too long: " << line);
        BOOST_TEST(!line.ends_with(" "));
        BOOST_TEST(!line.ends_with("\t"));
        BOOST_TEST(!line.starts_with("."), "unencoded leading dot: " << line);
        BOOST_TEST(!line.starts_with("From "), "unencoded From_: " << line);
        for (unsigned char c : line)
            BOOST_TEST((c >= 0x20 && c < 0x7F), "non-ASCII in QP");
        // No escape may be cut by a soft break: "=X" + CRLF would be malformed.
        if (line.size() >= 2)
            BOOST_TEST(line[line.size() - 2] != '=');
    }
    const auto decoded = quoted_printable_decode(qp);
    BOOST_REQUIRE(decoded.has_value());
    BOOST_TEST(*decoded == to_crlf(text));
    BOOST_TEST(!quoted_printable_decode("bad =G1 escape").has_value());
}

BOOST_AUTO_TEST_CASE(rfc2047_long_cyrillic_subject_round_trips) {
    const auto words = encode_header_words(kLongCyrillicSubject, 67);
    BOOST_REQUIRE(words.size() > 3);
    BOOST_TEST(words.front().size() <= 67u);
    std::string joined;
    std::string concatenated;
    for (const auto& w : words) {
        BOOST_TEST(w.size() <= kMaxEncodedWord, "word too long: " << w);
        BOOST_TEST(w.starts_with("=?UTF-8?B?"));
        BOOST_TEST(w.ends_with("?="));
        // Every word decodes on its own to whole characters (no split multibyte sequence).
        const auto payload = w.substr(10, w.size() - 12);
        const auto bytes = base64_decode(payload);
        BOOST_REQUIRE(bytes.has_value());
        BOOST_TEST(valid_utf8(*bytes), "word splits a character: " << w);
        concatenated += *bytes;
        if (!joined.empty())
            joined += "\r\n ";
        joined += w;
    }
    BOOST_TEST(concatenated == kLongCyrillicSubject);
    const auto decoded = decode_header_words(joined);
    BOOST_REQUIRE(decoded.has_value());
    BOOST_TEST(*decoded == kLongCyrillicSubject);
}

BOOST_AUTO_TEST_CASE(rfc2047_never_splits_characters_at_any_limit) {
    // 1-, 2-, 3- and 4-byte characters in turn, against every first-word limit.
    const std::string text = "aЖ€😀bЯ₽🏨 Оплата €😀😀😀";
    for (std::size_t limit = 0; limit <= 80; ++limit) {
        const auto words = encode_header_words(text, limit);
        std::string all;
        for (const auto& w : words) {
            BOOST_TEST(w.size() <= kMaxEncodedWord);
            const auto bytes = base64_decode(w.substr(10, w.size() - 12));
            BOOST_REQUIRE(bytes.has_value());
            BOOST_TEST(valid_utf8(*bytes));
            all += *bytes;
        }
        BOOST_TEST(all == text);
    }
}

BOOST_AUTO_TEST_CASE(rfc2047_decoder_reads_q_words_and_keeps_plain_text) {
    BOOST_TEST(*decode_header_words(
                   "=?utf-8?Q?=D0=9F=D1=80=D0=B8=D0=B2=D0=B5=D1=82_=D0=BC=D0=B8=D1=80?=") ==
               "Привет мир");
    BOOST_TEST(*decode_header_words("Re: =?UTF-8?B?0J/RgNC40LLQtdGC?= =?UTF-8?B?IQ==?= ok") ==
               "Re: Привет! ok");
    BOOST_TEST(*decode_header_words("plain subject") == "plain subject");
    BOOST_TEST(!decode_header_words("=?KOI8-R?B?8NLJ18XU?=").has_value());
}

BOOST_AUTO_TEST_CASE(multipart_message_parses_back) {
    const auto m = sample_message();
    const auto composed = compose_message(m);
    BOOST_REQUIRE_MESSAGE(!composed.ec, composed.detail);
    const auto& bytes = composed.bytes;

    // Wire rules: CRLF only (the reader throws on bare LF/CR), 7-bit, line lengths.
    for (unsigned char c : bytes)
        BOOST_TEST((c < 0x80), "8-bit byte in the message");
    bool in_headers = true;
    for (const auto& line : crlf_lines(bytes)) {
        if (line.empty())
            in_headers = false;
        BOOST_TEST(line.size() <= (in_headers ? 76u : 78u), "line too long: " << line);
    }

    const auto msg = parse_mime(bytes);
    BOOST_TEST(msg.header("date") == "Fri, 14 Mar 2025 10:00:00 +0000");
    BOOST_TEST(msg.header("message-id") == m.message_id);
    BOOST_TEST(msg.header("mime-version") == "1.0");
    BOOST_TEST(msg.header("reply-to") == "<frontdesk@hotel.example>");
    BOOST_TEST(*decode_header_words(msg.header("subject")) == kLongCyrillicSubject);
    BOOST_TEST(*decode_header_words(msg.header("from")) ==
               "Отель «Суперотель» <pms@hotel.example>");
    BOOST_TEST(*decode_header_words(msg.header("to")) == "Иванов Иван <guest@example.org>");

    BOOST_TEST(msg.media_type() == "multipart/alternative");
    BOOST_REQUIRE(msg.parts.size() == 2u);
    const auto& text = msg.parts[0];
    const auto& html = msg.parts[1];
    BOOST_TEST(text.media_type() == "text/plain");
    BOOST_TEST(html.media_type() == "text/html");
    BOOST_TEST(text.param("content-type", "charset") == "UTF-8");
    BOOST_TEST(html.param("content-type", "charset") == "UTF-8");
    // Bodies come back as the CRLF form of what was given.
    BOOST_TEST(text.body == to_crlf(m.text_body));
    auto html_body = html.body;
    if (html_body.ends_with("\r\n") && !m.html_body->ends_with("\n"))
        html_body.resize(html_body.size() - 2);
    BOOST_TEST(html_body == *m.html_body);
    // Mostly Cyrillic: base64 is the shorter encoding and is chosen.
    BOOST_TEST(text.header("content-transfer-encoding") == "base64");
    for (const auto& line : crlf_lines(text.raw_body))
        BOOST_TEST(line.size() <= 76u);
}

BOOST_AUTO_TEST_CASE(encodings_can_be_forced_and_ascii_prefers_quoted_printable) {
    auto m = sample_message();
    ComposeOptions qp;
    qp.text_encoding = BodyEncoding::quoted_printable;
    qp.html_encoding = BodyEncoding::quoted_printable;
    auto msg = parse_mime(compose_message(m, qp).bytes);
    BOOST_TEST(msg.parts[0].header("content-transfer-encoding") == "quoted-printable");
    BOOST_TEST(msg.parts[0].body == to_crlf(m.text_body));
    for (const auto& line : crlf_lines(msg.parts[0].raw_body))
        BOOST_TEST(line.size() <= 76u);

    m.text_body = "Hello,\nyour payment link: https://pay.example/l/abc\nThank you.\n";
    m.html_body.reset();
    msg = parse_mime(compose_message(m).bytes);
    BOOST_TEST(msg.media_type() == "text/plain");
    BOOST_TEST(msg.parts.empty());
    BOOST_TEST(msg.header("content-transfer-encoding") == "quoted-printable");
    BOOST_TEST(msg.body == to_crlf(m.text_body));
}

BOOST_AUTO_TEST_CASE(golden_bytes_of_a_small_message) {
    MailMessage m;
    m.from = "pms@hotel.example";
    m.from_name = "Front Desk";
    m.to = "guest@example.org";
    m.to_name = "J. Smith";
    m.subject = "Оплата";
    m.text_body = "Hi";
    m.html_body = "<p>Hi</p>";
    m.message_id = "<1.2@hotel.example>";
    m.date = kFixedTime;
    ComposeOptions o;
    o.boundary = "=_pms_test";
    const auto composed = compose_message(m, o);
    BOOST_REQUIRE(!composed.ec);
    BOOST_TEST(composed.bytes ==
               "Date: Fri, 14 Mar 2025 10:00:00 +0000\r\n"
               "From: Front Desk <pms@hotel.example>\r\n"
               "To: \"J. Smith\" <guest@example.org>\r\n"
               "Subject: =?UTF-8?B?0J7Qv9C70LDRgtCw?=\r\n"
               "Message-ID: <1.2@hotel.example>\r\n"
               "User-Agent: pms-host\r\n"
               "MIME-Version: 1.0\r\n"
               "Content-Type: multipart/alternative;\r\n boundary=\"=_pms_test\"\r\n"
               "\r\n"
               "This is a multi-part message in MIME format.\r\n"
               "\r\n--=_pms_test\r\n"
               "Content-Type: text/plain; charset=UTF-8\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n"
               "\r\n"
               "Hi\r\n"
               "\r\n--=_pms_test\r\n"
               "Content-Type: text/html; charset=UTF-8\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n"
               "\r\n"
               "<p>Hi</p>\r\n"
               "\r\n--=_pms_test--\r\n");
}

BOOST_AUTO_TEST_CASE(long_ascii_subject_is_folded_not_encoded) {
    auto m = sample_message();
    m.subject = "Your payment link for booking 471887 at Hotel Superotel, stay from March 14 to "
                "March 21, total 67680.00 RUB, please pay before the arrival date";
    const auto bytes = compose_message(m).bytes;
    const auto msg = parse_mime(bytes);
    BOOST_TEST(msg.header("subject") == m.subject); // unfolding restores it exactly
    BOOST_TEST(msg.header("subject").find("=?") == std::string::npos);
    BOOST_TEST(bytes.find("Subject: Your payment link") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rfc5322_date) {
    BOOST_TEST(format_rfc5322_date(kFixedTime) == "Fri, 14 Mar 2025 10:00:00 +0000");
    BOOST_TEST(format_rfc5322_date(MailTime{}) == "Thu, 01 Jan 1970 00:00:00 +0000");
    BOOST_TEST(format_rfc5322_date(MailTime{std::chrono::milliseconds{951'782'400'999}}) ==
               "Tue, 29 Feb 2000 00:00:00 +0000");
}

BOOST_AUTO_TEST_CASE(mailbox_display_names) {
    BOOST_TEST(format_mailbox("", "a@b.example", 4) == "<a@b.example>");
    BOOST_TEST(format_mailbox("Front Desk", "a@b.example", 4) == "Front Desk <a@b.example>");
    BOOST_TEST(format_mailbox("Smith, John \"JJ\"", "a@b.example", 4) ==
               "\"Smith, John \\\"JJ\\\"\" <a@b.example>");
    const auto encoded = format_mailbox("Иванов Иван", "a@b.example", 4);
    BOOST_TEST(encoded.starts_with("=?UTF-8?B?"));
    BOOST_TEST(*decode_header_words(encoded) == "Иванов Иван <a@b.example>");
}

BOOST_AUTO_TEST_CASE(invalid_messages_are_refused_without_echoing_content) {
    auto check = [](MailMessage m, const std::string& field) {
        const auto composed = compose_message(m);
        BOOST_TEST((composed.ec == error::invalid_message), field);
        BOOST_TEST(composed.detail.find(field) != std::string::npos, composed.detail);
        BOOST_TEST(composed.detail.find("SECRET") == std::string::npos, composed.detail);
        BOOST_TEST(composed.bytes.empty());
    };
    auto m = sample_message();
    m.subject = "Hi\r\nBcc: victim@example.org SECRET";
    check(m, "subject");
    m = sample_message();
    m.to_name = "x\nSECRET";
    check(m, "to_name");
    m = sample_message();
    m.to = "guest@example.org>, other@example.org SECRET";
    check(m, "to");
    m = sample_message();
    m.from = "";
    check(m, "from");
    m = sample_message();
    m.text_body = "";
    check(m, "text_body");
    m = sample_message();
    m.subject = std::string("bad \xD0 utf8 SECRET");
    check(m, "subject");
    m = sample_message();
    m.message_id = "no-brackets@x";
    check(m, "message_id");
    m = sample_message();
    m.date.reset();
    check(m, "date");
}

BOOST_AUTO_TEST_CASE(defaults_fill_sender_date_and_unique_message_ids) {
    MailMessage m;
    m.to = "guest@example.org";
    m.subject = "s";
    m.text_body = "t";
    fill_defaults(m, "pms@hotel.example", "Отель", kFixedTime);
    BOOST_TEST(m.from == "pms@hotel.example");
    BOOST_TEST(m.from_name == "Отель");
    BOOST_TEST((m.date == kFixedTime));
    BOOST_TEST(m.message_id.starts_with("<1741946400000."));
    BOOST_TEST(m.message_id.ends_with("@hotel.example>"));
    std::string detail;
    BOOST_TEST(!validate_message(m, detail));
    auto other = m;
    other.message_id.clear();
    fill_defaults(other, "x@y.example", "", kFixedTime);
    BOOST_TEST(other.message_id != m.message_id);
    BOOST_TEST(other.from == "pms@hotel.example"); // an explicit sender is kept
}

BOOST_AUTO_TEST_SUITE_END()
