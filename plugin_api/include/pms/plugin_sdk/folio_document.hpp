// pms/plugin_sdk/folio_document.hpp — the "pms.folio/1" document (schema/folio-v1.md) as a
// typed value: what folio_client::get_folio_json() returns, read.
//
//     const auto json = folio().get_folio_json(ctx.folio_id);       // folio.hpp
//     if (!json) ...                                                 // no such folio
//     const pms::sdk::folio_document f = pms::sdk::parse_folio_document(*json);
//     f.totals.balance_due_minor;                                    // std::int64_t, minor units
//
// Amounts are read as integers in minor units and nothing else: a fraction, an exponent or a
// number beyond int64 is an error, never rounded through double. The reader checks what the
// schema requires (members, types, `status`, `currency`, `quantity`, `direction`) and ignores
// members it does not know, as later minors may add some. Header-only, no Boost.
#pragma once

#include <pms/plugin_sdk/detail/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pms::sdk {

/// A document that is not JSON, or not a valid "pms.folio/1". what() names the place: a byte
/// offset for a syntax error, a JSON Pointer for a schema error ("/lines/1/amount_minor").
class folio_document_error : public std::runtime_error {
public:
    folio_document_error(const std::string& pointer, const std::string& problem)
        : std::runtime_error("pms.folio/1 document: " +
                             (pointer.empty() ? problem : pointer + ": " + problem)),
          pointer_(pointer) {}
    /// Where the problem is (JSON Pointer; empty for a syntax error or the whole document).
    const std::string& pointer() const noexcept { return pointer_; }

private:
    std::string pointer_;
};

/// One charge (lines[]).
struct folio_line {
    std::string line_id{};
    std::string date{};        ///< YYYY-MM-DD, property-local; may be empty
    std::string description{};
    std::string quantity{};    ///< decimal string, "2", "0.5"
    std::optional<std::int64_t> unit_amount_minor{}; ///< price of one unit incl. VAT
    std::int64_t amount_minor = 0;                   ///< line total incl. VAT; < 0 for corrections
    std::string vat_code{};    ///< none, vat0 … vat22; unknown codes are "not mappable"
    std::string category{};    ///< accommodation, food, service, tax, other; may be empty
};

/// One posting already on the folio (payments[]).
struct folio_payment {
    enum class direction_type : std::uint8_t { incoming, outgoing };

    std::string posting_id{};
    std::int64_t amount_minor = 0; ///< positive; the direction gives the sign
    direction_type direction = direction_type::incoming;
    std::string category{};
    std::string type{};
    std::string posted_at{};       ///< RFC 3339 UTC; may be empty
    std::string idempotency_key{}; ///< present for plugin postings, else empty
};

/// The folio document.
struct folio_document {
    std::string folio_id{};
    std::string folio_number{};
    bool closed = false; ///< "status": "closed" — the folio refuses postings
    std::string property_id{};
    std::string currency{}; ///< ISO-4217 of every amount in the document
    struct legal_entity_type {
        std::string id{};
        std::string name{};
        std::string tax_id{}; ///< ИНН; may be empty
    } legal_entity{};
    struct booking_type {
        std::string id{};
        std::string number{};
        std::string arrival{};   ///< YYYY-MM-DD; may be empty
        std::string departure{}; ///< YYYY-MM-DD; may be empty
    } booking{};
    struct guest_type {
        std::string name{};
        std::string email{};
        std::string phone{};
    } guest{};
    std::vector<folio_line> lines{};
    std::vector<folio_payment> payments{};
    struct totals_type {
        std::int64_t charges_minor = 0;
        std::int64_t paid_minor = 0;
        std::int64_t balance_due_minor = 0; ///< negative = overpaid
    } totals{};
};

namespace detail::folio_reader {

using json::value;

inline std::string child(const std::string& pointer, std::string_view name) {
    return pointer + "/" + std::string(name);
}

[[noreturn]] inline void wrong_type(const std::string& pointer, const char* expected,
                                    const value& v) {
    throw folio_document_error(pointer, std::string("expected ") + expected + ", got " +
                                            json::kind_name(v.type));
}

inline const value& object_member(const value& obj, const std::string& pointer,
                                  std::string_view name) {
    const value* v = obj.find(name);
    if (v == nullptr)
        throw folio_document_error(child(pointer, name), "missing");
    return *v;
}

inline const value& require_kind(const value& v, value::kind k, const std::string& pointer) {
    if (v.type == k)
        return v;
    if (k == value::kind::integer && v.type == value::kind::number)
        throw folio_document_error(pointer, "expected an integer amount in minor units, got " +
                                                v.text);
    wrong_type(pointer, json::kind_name(k), v);
}

inline std::string string_of(const value& obj, const std::string& pointer, std::string_view name,
                             bool required) {
    const value* v = obj.find(name);
    if (v == nullptr) {
        if (required)
            throw folio_document_error(child(pointer, name), "missing");
        return {};
    }
    return require_kind(*v, value::kind::string, child(pointer, name)).text;
}

inline std::optional<std::int64_t> integer_of(const value& obj, const std::string& pointer,
                                              std::string_view name, bool required) {
    const value* v = obj.find(name);
    if (v == nullptr) {
        if (required)
            throw folio_document_error(child(pointer, name), "missing");
        return std::nullopt;
    }
    return require_kind(*v, value::kind::integer, child(pointer, name)).integer;
}

inline const value& object_of(const value& obj, const std::string& pointer, std::string_view name) {
    return require_kind(object_member(obj, pointer, name), value::kind::object,
                        child(pointer, name));
}

inline bool is_decimal(std::string_view s) noexcept { // ^[0-9]+(\.[0-9]+)?$
    std::size_t i = 0;
    auto digits = [&] {
        const std::size_t from = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9')
            ++i;
        return i > from;
    };
    if (!digits())
        return false;
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!digits())
            return false;
    }
    return i == s.size();
}

inline folio_document read(const value& doc) {
    const std::string root;
    require_kind(doc, value::kind::object, root);
    if (string_of(doc, root, "schema", true) != "pms.folio/1")
        throw folio_document_error("/schema", "not \"pms.folio/1\"");
    folio_document f;
    f.folio_id = string_of(doc, root, "folio_id", true);
    if (f.folio_id.empty())
        throw folio_document_error("/folio_id", "empty");
    f.folio_number = string_of(doc, root, "folio_number", true);
    const std::string status = string_of(doc, root, "status", true);
    if (status != "open" && status != "closed")
        throw folio_document_error("/status", "expected \"open\" or \"closed\", got \"" + status + "\"");
    f.closed = status == "closed";
    f.property_id = string_of(doc, root, "property_id", true);
    f.currency = string_of(doc, root, "currency", true);
    if (f.currency.size() != 3 || f.currency.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
                                      std::string::npos)
        throw folio_document_error("/currency", "expected an ISO-4217 code, got \"" + f.currency + "\"");

    const value& le = object_of(doc, root, "legal_entity");
    f.legal_entity.id = string_of(le, "/legal_entity", "id", true);
    f.legal_entity.name = string_of(le, "/legal_entity", "name", true);
    f.legal_entity.tax_id = string_of(le, "/legal_entity", "tax_id", false);

    const value& b = object_of(doc, root, "booking");
    f.booking.id = string_of(b, "/booking", "id", true);
    f.booking.number = string_of(b, "/booking", "number", true);
    f.booking.arrival = string_of(b, "/booking", "arrival", false);
    f.booking.departure = string_of(b, "/booking", "departure", false);

    const value& g = object_of(doc, root, "guest");
    f.guest.name = string_of(g, "/guest", "name", true);
    f.guest.email = string_of(g, "/guest", "email", true);
    f.guest.phone = string_of(g, "/guest", "phone", false);

    const value& lines = require_kind(object_member(doc, root, "lines"), value::kind::array, "/lines");
    f.lines.reserve(lines.items.size());
    for (std::size_t i = 0; i < lines.items.size(); ++i) {
        const std::string at = "/lines/" + std::to_string(i);
        const value& l = require_kind(lines.items[i], value::kind::object, at);
        folio_line line;
        line.line_id = string_of(l, at, "line_id", true);
        line.date = string_of(l, at, "date", false);
        line.description = string_of(l, at, "description", true);
        line.quantity = string_of(l, at, "quantity", true);
        if (!is_decimal(line.quantity))
            throw folio_document_error(at + "/quantity", "expected a decimal string, got \"" +
                                                             line.quantity + "\"");
        line.unit_amount_minor = integer_of(l, at, "unit_amount_minor", false);
        line.amount_minor = *integer_of(l, at, "amount_minor", true);
        line.vat_code = string_of(l, at, "vat_code", true);
        line.category = string_of(l, at, "category", false);
        f.lines.push_back(std::move(line));
    }

    const value& payments =
        require_kind(object_member(doc, root, "payments"), value::kind::array, "/payments");
    f.payments.reserve(payments.items.size());
    for (std::size_t i = 0; i < payments.items.size(); ++i) {
        const std::string at = "/payments/" + std::to_string(i);
        const value& p = require_kind(payments.items[i], value::kind::object, at);
        folio_payment pay;
        pay.posting_id = string_of(p, at, "posting_id", true);
        pay.amount_minor = *integer_of(p, at, "amount_minor", true);
        const std::string direction = string_of(p, at, "direction", true);
        if (direction == "incoming")
            pay.direction = folio_payment::direction_type::incoming;
        else if (direction == "outgoing")
            pay.direction = folio_payment::direction_type::outgoing;
        else
            throw folio_document_error(at + "/direction", "expected \"incoming\" or \"outgoing\", got \"" +
                                                              direction + "\"");
        pay.category = string_of(p, at, "category", false);
        pay.type = string_of(p, at, "type", false);
        pay.posted_at = string_of(p, at, "posted_at", false);
        pay.idempotency_key = string_of(p, at, "idempotency_key", false);
        f.payments.push_back(std::move(pay));
    }

    const value& t = object_of(doc, root, "totals");
    f.totals.charges_minor = *integer_of(t, "/totals", "charges_minor", true);
    f.totals.paid_minor = *integer_of(t, "/totals", "paid_minor", true);
    f.totals.balance_due_minor = *integer_of(t, "/totals", "balance_due_minor", true);
    return f;
}

} // namespace detail::folio_reader

/// Reads a "pms.folio/1" document. Throws folio_document_error (std::runtime_error) when it is
/// not JSON or not a valid folio document; what() says where and why.
inline folio_document parse_folio_document(std::string_view json_text) {
    detail::json::value doc;
    try {
        doc = detail::json::parse(json_text);
    } catch (const detail::json::parse_error& e) {
        throw folio_document_error({}, std::string("not JSON: ") + e.what());
    }
    return detail::folio_reader::read(doc);
}

/// Like parse_folio_document(), without exceptions for a bad document: nullopt, and the reason
/// in `*error` when given (cleared first). Out of memory still throws.
inline std::optional<folio_document> read_folio_document(std::string_view json_text,
                                                         std::string* error = nullptr) {
    if (error != nullptr)
        error->clear();
    try {
        return parse_folio_document(json_text);
    } catch (const folio_document_error& e) {
        if (error != nullptr)
            *error = e.what();
        return std::nullopt;
    }
}

} // namespace pms::sdk
