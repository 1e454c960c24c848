// parse_json: a boost::json::basic_parser handler that builds JsonValue and keeps number text.
#include "invoicebox/protocol/json_reader.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <limits>
#include <vector>

namespace invoicebox::protocol {

namespace {

using boost::json::error_code;
using boost::json::string_view;

class DomBuilder {
  public:
    static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

    explicit DomBuilder(std::string_view skip_member) : skip_member_(skip_member) {}

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }

    bool on_object_begin(error_code&) {
        if (skipping_)
            return enter_skipped();
        // Room for an order's members up front: growing one by doubling moved every member
        // five times (perf of a poll pass, issue 14).
        JsonObject o;
        o.members.reserve(16);
        frames_.push_back(Frame{JsonValue(std::move(o)), {}});
        return true;
    }
    bool on_object_end(std::size_t, error_code&) { return skipping_ ? leave_skipped() : close_frame(); }
    bool on_array_begin(error_code&) {
        if (skipping_)
            return enter_skipped();
        frames_.push_back(Frame{JsonValue(JsonArray{}), {}});
        return true;
    }
    bool on_array_end(std::size_t, error_code&) { return skipping_ ? leave_skipped() : close_frame(); }

    bool on_key_part(string_view s, std::size_t, error_code&) {
        if (!skipping_)
            text_.append(s.data(), s.size());
        return true;
    }
    bool on_key(string_view s, std::size_t, error_code&) {
        if (skipping_)
            return true; // a key inside the value being left out
        std::string key = take_text(s);
        if (!skip_member_.empty() && key == skip_member_) {
            skipping_ = true; // the member's value, whatever it is, is left out
            skip_nesting_ = 0;
            return true;
        }
        frames_.back().key = std::move(key);
        return true;
    }
    bool on_string_part(string_view s, std::size_t, error_code&) {
        if (!skipping_)
            text_.append(s.data(), s.size());
        return true;
    }
    bool on_string(string_view s, std::size_t, error_code&) {
        return skipping_ ? skipped_scalar() : add(JsonValue(take_text(s)));
    }

    // The number callbacks receive the source text in pieces; the converted value is ignored.
    bool on_number_part(string_view s, error_code&) {
        if (!skipping_)
            text_.append(s.data(), s.size());
        return true;
    }
    bool on_int64(std::int64_t, string_view s, error_code&) { return finish_number(s); }
    bool on_uint64(std::uint64_t, string_view s, error_code&) { return finish_number(s); }
    bool on_double(double, string_view s, error_code&) { return finish_number(s); }

    bool on_bool(bool b, error_code&) { return skipping_ ? skipped_scalar() : add(JsonValue(b)); }
    bool on_null(error_code&) { return skipping_ ? skipped_scalar() : add(JsonValue(nullptr)); }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

    JsonValue take_root() { return std::move(root_); }

  private:
    struct Frame {
        JsonValue container;
        std::string key; // pending key when the container is an object
    };

    bool finish_number(string_view s) {
        return skipping_ ? skipped_scalar() : add(JsonValue(JsonNumber{take_text(s)}));
    }

    // The value of a skipped member: containers are counted in and out, and the member is done
    // when its value is (a scalar at the top, or the container that opened it closing).
    bool enter_skipped() {
        ++skip_nesting_;
        return true;
    }
    bool leave_skipped() {
        if (--skip_nesting_ == 0)
            skipping_ = false;
        return true;
    }
    bool skipped_scalar() {
        if (skip_nesting_ == 0)
            skipping_ = false;
        return true;
    }

    /// The text whose last piece is `last`: in one allocation of its size when it came in one
    /// piece (nearly always: the parser is given the whole document), else the pieces joined.
    std::string take_text(string_view last) {
        if (text_.empty())
            return std::string(last.data(), last.size());
        text_.append(last.data(), last.size());
        std::string done = std::move(text_);
        text_.clear();
        return done;
    }

    bool add(JsonValue v) {
        if (frames_.empty()) {
            root_ = std::move(v);
            return true;
        }
        auto& top = frames_.back();
        if (auto* a = top.container.if_array())
            a->push_back(std::move(v));
        else
            top.container.if_object()->emplace(std::move(top.key), std::move(v));
        return true;
    }

    bool close_frame() {
        JsonValue done = std::move(frames_.back().container);
        frames_.pop_back();
        return add(std::move(done));
    }

    std::vector<Frame> frames_;
    std::string text_;
    JsonValue root_;
    std::string_view skip_member_;
    bool skipping_ = false;
    std::size_t skip_nesting_ = 0; ///< containers open inside the skipped value
};

} // namespace

Expected<JsonValue, JsonParseError> parse_json(std::string_view text,
                                               const JsonReadLimits& limits) {
    if (text.size() > limits.max_bytes)
        return unexpected(JsonParseError{"document too large", 0});
    boost::json::parse_options opt;
    opt.max_depth = limits.max_depth;
    boost::json::basic_parser<DomBuilder> parser(opt, limits.skip_member);
    error_code ec;
    const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
    if (ec)
        return unexpected(JsonParseError{ec.message(), used});
    if (used != text.size())
        return unexpected(JsonParseError{"extra data after the JSON value", used});
    if (!parser.done())
        return unexpected(JsonParseError{"incomplete JSON", used});
    return parser.handler().take_root();
}

} // namespace invoicebox::protocol
