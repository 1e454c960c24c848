// JsonWriter: compact JSON with InvoiceBox's escaping and our amount formatting.
#include "invoicebox/protocol/json_writer.hpp"

#include <limits>
#include <stdexcept>

namespace invoicebox::protocol {

void append_json_string(std::string& out, std::string_view s, const JsonWriteOptions& opt) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        switch (c) {
        case '"':
            out += "\\\"";
            continue;
        case '\\':
            out += "\\\\";
            continue;
        case '/':
            out += opt.escape_slash ? "\\/" : "/";
            continue;
        case '\b':
            out += "\\b";
            continue;
        case '\f':
            out += "\\f";
            continue;
        case '\n':
            out += "\\n";
            continue;
        case '\r':
            out += "\\r";
            continue;
        case '\t':
            out += "\\t";
            continue;
        default:
            break;
        }
        if (c < 0x20) {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xF];
            continue;
        }
        // U+2028 / U+2029 (E2 80 A8 / E2 80 A9): PHP escapes them even with
        // JSON_UNESCAPED_UNICODE, so we do too.
        if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
            (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
             static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
            out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
            i += 2;
            continue;
        }
        out += static_cast<char>(c);
    }
    out += '"';
}

void JsonWriter::before_value() {
    if (stack_.empty()) {
        if (wrote_root_)
            throw std::logic_error("JsonWriter: second top-level value");
        return;
    }
    auto& [frame, has_members] = stack_.back();
    if (frame == Frame::object_expect_key)
        throw std::logic_error("JsonWriter: value where a key is expected");
    if (frame == Frame::array) {
        if (has_members)
            out_ += ',';
        has_members = true;
    }
}

void JsonWriter::after_value() {
    if (stack_.empty()) {
        wrote_root_ = true;
        return;
    }
    auto& frame = stack_.back().first;
    if (frame == Frame::object_expect_value)
        frame = Frame::object_expect_key;
}

JsonWriter& JsonWriter::begin_object() {
    before_value();
    out_ += '{';
    stack_.emplace_back(Frame::object_expect_key, false);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    if (stack_.empty() || stack_.back().first != Frame::object_expect_key)
        throw std::logic_error("JsonWriter: end_object without an open object (or a dangling key)");
    stack_.pop_back();
    out_ += '}';
    after_value();
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    before_value();
    out_ += '[';
    stack_.emplace_back(Frame::array, false);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    if (stack_.empty() || stack_.back().first != Frame::array)
        throw std::logic_error("JsonWriter: end_array without an open array");
    stack_.pop_back();
    out_ += ']';
    after_value();
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
    if (stack_.empty() || stack_.back().first != Frame::object_expect_key)
        throw std::logic_error("JsonWriter: key outside an object");
    auto& [frame, has_members] = stack_.back();
    if (has_members)
        out_ += ',';
    has_members = true;
    append_json_string(out_, k, opt_);
    out_ += ':';
    frame = Frame::object_expect_value;
    return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
    before_value();
    append_json_string(out_, s, opt_);
    after_value();
    return *this;
}

JsonWriter& JsonWriter::amount(std::int64_t minor) {
    before_value();
    out_ += format_amount(minor);
    after_value();
    return *this;
}

JsonWriter& JsonWriter::quantity(Quantity q) {
    before_value();
    out_ += format_quantity(q);
    after_value();
    return *this;
}

JsonWriter& JsonWriter::integer(std::int64_t v) {
    before_value();
    out_ += std::to_string(v);
    after_value();
    return *this;
}

JsonWriter& JsonWriter::boolean(bool b) {
    before_value();
    out_ += b ? "true" : "false";
    after_value();
    return *this;
}

JsonWriter& JsonWriter::null() {
    before_value();
    out_ += "null";
    after_value();
    return *this;
}

JsonWriter& JsonWriter::number_text(std::string_view text) {
    // Any scale accepts any syntactically valid number once precision and range are unbounded;
    // scale 0 with a zero limit would refuse values, so check the grammar via a wide parse.
    const auto r = detail::parse_scaled(text, 0, std::numeric_limits<std::int64_t>::max());
    if (!r && r.error() == DecimalError::syntax)
        throw std::logic_error("JsonWriter: not a JSON number: " + std::string(text));
    before_value();
    out_ += text;
    after_value();
    return *this;
}

JsonWriter& JsonWriter::value(const JsonValue& v) {
    switch (v.kind()) {
    case JsonValue::Kind::null:
        return null();
    case JsonValue::Kind::boolean:
        return boolean(*v.if_bool());
    case JsonValue::Kind::number:
        return number_text(v.if_number()->text);
    case JsonValue::Kind::string:
        return string(*v.if_string());
    case JsonValue::Kind::array:
        begin_array();
        for (const auto& e : *v.if_array())
            value(e);
        return end_array();
    case JsonValue::Kind::object:
        begin_object();
        for (const auto& [k, e] : v.if_object()->members) {
            key(k);
            value(e);
        }
        return end_object();
    }
    return *this;
}

std::string JsonWriter::take() {
    if (!complete())
        throw std::logic_error("JsonWriter: document not complete");
    wrote_root_ = false;
    return std::move(out_);
}

std::string to_json(const JsonValue& v, const JsonWriteOptions& opt) {
    JsonWriter w(opt);
    w.value(v);
    return w.take();
}

} // namespace invoicebox::protocol
