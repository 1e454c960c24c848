// glance_order_page: a boost::json::basic_parser handler that keeps three members of each order
// of a page and builds nothing else.
#include "invoicebox/protocol/order_glance.hpp"

#include "invoicebox/protocol/json_reader.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <limits>
#include <string>

namespace invoicebox::protocol {

namespace {

using boost::json::error_code;
using boost::json::string_view;

/// Follows the document by depth: the root object (depth 1), its `data` array (2), each order
/// object in it (3). Members deeper than an order's own (its basket, its customer) are parsed
/// and checked by Boost.JSON and otherwise ignored, so an `id` inside a basket item is never
/// taken for the order's.
class PageGlancer {
  public:
    static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }

    bool on_object_begin(error_code&) {
        value(Kind::object, {});
        ++depth_;
        return true;
    }
    bool on_object_end(std::size_t, error_code&) {
        --depth_;
        container_closed();
        return true;
    }
    bool on_array_begin(error_code&) {
        value(Kind::array, {});
        ++depth_;
        return true;
    }
    bool on_array_end(std::size_t, error_code&) {
        --depth_;
        container_closed();
        return true;
    }

    bool on_key_part(string_view s, std::size_t, error_code&) {
        text_.append(s.data(), s.size());
        return true;
    }
    bool on_key(string_view s, std::size_t, error_code&) {
        const std::string_view key = whole(s);
        if (depth_ == 1)
            member_is_data_ = key == "data";
        else if (depth_ == 3 && in_order_)
            field_ = key == "id" ? Field::id
                     : key == "merchantOrderId" ? Field::merchant_order_id
                     : key == "status"          ? Field::status
                                                : Field::other;
        text_.clear();
        return true;
    }
    bool on_string_part(string_view s, std::size_t, error_code&) {
        if (wants_string())
            text_.append(s.data(), s.size());
        return true;
    }
    bool on_string(string_view s, std::size_t, error_code&) {
        value(Kind::string, wants_string() ? whole(s) : std::string_view{});
        text_.clear();
        return true;
    }
    bool on_number_part(string_view, error_code&) { return true; }
    bool on_int64(std::int64_t, string_view, error_code&) { return scalar(Kind::other); }
    bool on_uint64(std::uint64_t, string_view, error_code&) { return scalar(Kind::other); }
    bool on_double(double, string_view, error_code&) { return scalar(Kind::other); }
    bool on_bool(bool, error_code&) { return scalar(Kind::other); }
    bool on_null(error_code&) { return scalar(Kind::null); }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

    /// The page's glances, when the document (parsed to its end) was a page of glanceable orders.
    std::optional<std::vector<OrderGlance>> take() {
        if (!root_is_object_ || !page_ok_)
            return std::nullopt;
        return std::move(glances_);
    }

  private:
    enum class Kind { object, array, string, null, other };
    enum class Field { id, merchant_order_id, status, other };

    /// The order being read: each field as its last occurrence left it (read_order's rule).
    struct Pending {
        std::optional<std::string> id;
        std::string merchant_order_id;
        std::optional<std::string> status;
    };

    bool scalar(Kind k) {
        value(k, {});
        return true;
    }

    bool wants_string() const noexcept { return depth_ == 3 && in_order_ && field_ != Field::other; }

    /// The text whose last piece is `last` (Boost.JSON hands a string over in one piece unless
    /// it is split; the pieces are joined in text_).
    std::string_view whole(string_view last) {
        if (text_.empty())
            return {last.data(), last.size()};
        text_.append(last.data(), last.size());
        return text_;
    }

    /// A value begins (a container) or is complete (a scalar) inside the container at depth_.
    void value(Kind k, std::string_view text) {
        if (depth_ == 0) {
            root_is_object_ = k == Kind::object;
        } else if (depth_ == 1 && member_is_data_) {
            // `data` again: the last one is the page, as for read_envelope.
            glances_.clear();
            page_ok_ = in_data_ = k == Kind::array;
        } else if (depth_ == 2 && in_data_) {
            if (k == Kind::object) {
                in_order_ = true;
                order_ = Pending{};
                field_ = Field::other;
            } else {
                page_ok_ = false; // an item that is not an order object
            }
        } else if (depth_ == 3 && in_order_) {
            field_value(k, text);
        }
    }

    void field_value(Kind k, std::string_view text) {
        if (field_ == Field::other)
            return;
        if (field_ == Field::merchant_order_id) {
            // Absent and null read as no number; a number-typed one is left to the full decode.
            if (k == Kind::string)
                order_.merchant_order_id.assign(text);
            else if (k == Kind::null)
                order_.merchant_order_id.clear();
            else
                page_ok_ = false;
            return;
        }
        auto& slot = field_ == Field::id ? order_.id : order_.status;
        if (k == Kind::string)
            slot.emplace(text);
        else if (k == Kind::null)
            slot.reset(); // null is absent, and both are required
        else
            page_ok_ = false;
    }

    void container_closed() {
        if (depth_ == 2 && in_order_) {
            in_order_ = false;
            if (!order_.id || !order_.status) {
                page_ok_ = false;
                return;
            }
            glances_.push_back(OrderGlance{OrderId(std::move(*order_.id)),
                                           MerchantOrderId(std::move(order_.merchant_order_id)),
                                           OrderStatus(std::move(*order_.status))});
        } else if (depth_ == 1 && in_data_) {
            in_data_ = false;
        }
    }

    std::size_t depth_ = 0; ///< containers open around the current position
    bool root_is_object_ = false;
    bool member_is_data_ = false; ///< the root member being read is `data`
    bool in_data_ = false;        ///< inside the page's `data` array (depth 2)
    bool in_order_ = false;       ///< inside one of its order objects (depth 3)
    bool page_ok_ = false;        ///< a `data` array was read, every item glanceable so far
    Field field_ = Field::other;  ///< the order member being read
    Pending order_;
    std::vector<OrderGlance> glances_;
    std::string text_;
};

} // namespace

OrderGlance glance_of(const Order& order) {
    return OrderGlance{order.id, order.merchant_order_id, order.status};
}

std::optional<std::vector<OrderGlance>> glance_order_page(std::string_view body) {
    const JsonReadLimits limits; // parse_json's, so both readers accept the same documents
    if (body.size() > limits.max_bytes)
        return std::nullopt;
    boost::json::parse_options opt;
    opt.max_depth = limits.max_depth;
    boost::json::basic_parser<PageGlancer> parser(opt);
    error_code ec;
    const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
    if (ec || used != body.size() || !parser.done())
        return std::nullopt;
    return parser.handler().take();
}

std::optional<std::vector<OrderGlance>> glance_order_page(const HttpOutcome& outcome) {
    if (!outcome || outcome->status < 200 || outcome->status > 299)
        return std::nullopt;
    return glance_order_page(outcome->body);
}

} // namespace invoicebox::protocol
