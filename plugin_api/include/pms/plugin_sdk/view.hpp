// pms/plugin_sdk/view.hpp — a typed builder of "pms.view/1" documents (schema/view-v1.md), the
// dialogs and pages a plugin answers clicks and events with.
//
//     namespace v = pms::sdk::view;
//     v::document doc("Платёжная ссылка");
//     doc.size = v::dialog_size::small;
//     doc.add(v::text_element{.text = "Здравствуйте, " + name, .style = v::text_style::heading});
//     doc.add(v::fields_element{.items = {{.label = "Счёт", .value = number}}});
//     doc.buttons.push_back({.id = "again", .label = "Ещё раз", .style = v::button_style::primary});
//     reply.show(doc.to_json());
//
// Every member is typed after the schema: enumerations are enums, booleans bools, money a
// decimal string (never a JSON number); optional members left at their default are not
// written. Texts are escaped by the writer, whatever they contain. to_json() checks what the
// host would refuse and a type cannot express — ids (^[A-Za-z0-9_.:-]{1,64}$), the 500-row
// table limit, the 256 KiB document limit — and throws std::invalid_argument naming it (inside
// a hook the SDK turns that into PMS_INTERNAL). Header-only, no Boost.
#pragma once

#include <pms/plugin_sdk/detail/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace pms::sdk::view {

enum class dialog_size : std::uint8_t { medium, small, large };
enum class text_style : std::uint8_t { normal, muted, heading, success, warning, error };
enum class notice_level : std::uint8_t { info, success, warning, error };
/// A badge colour of a table cell or a fields item; `none` writes a plain text.
enum class cell_tone : std::uint8_t { none, neutral, info, success, warning, error };
enum class value_kind : std::uint8_t { text, url, pay_url };
enum class column_align : std::uint8_t { left, right, center };
enum class button_style : std::uint8_t { secondary, primary, danger, link };
enum class field_type : std::uint8_t { text, textarea, money, select, checkbox };
enum class text_input : std::uint8_t { text, email, tel, url };

/// A footer button (document::buttons) or a row action (row::actions): one shape in the schema.
struct button {
    std::string id{};
    std::string label{};
    button_style style = button_style::secondary;
    bool submit = false;      ///< footer buttons: validate locally, then send the form values
    std::string confirm{};    ///< ask this first; empty = no question
    bool disabled = false;
    std::string copy_text{};  ///< non-empty: copy this locally, send no event
    bool close = false;       ///< close the dialog locally, send no event
};

/// {"type": "text"}
struct text_element {
    std::string text{};
    text_style style = text_style::normal;
    std::string id{};
};

/// {"type": "notice"}: a coloured box.
struct notice_element {
    notice_level level = notice_level::info;
    std::string title{}; ///< empty = none
    std::string text{};
    std::string id{};
};

/// {"type": "value"}: a labelled value, a link, or a pay URL shown with a QR code.
struct value_element {
    std::string label{};
    std::string value{};
    value_kind kind = value_kind::text;
    bool copy = false; ///< implied by pay_url
    std::string id{};
};

/// One label/value pair of a fields element.
struct field_item {
    std::string label{};
    std::string value{};
    cell_tone tone = cell_tone::none;
};

/// {"type": "fields"}: read-only label/value pairs.
struct fields_element {
    std::vector<field_item> items{};
    std::string id{};
};

struct column {
    std::string key{};
    std::string label{};
    column_align align = column_align::left;
};

/// A table cell: a text, shown as a badge when it has a tone.
struct cell {
    std::string text{};
    cell_tone tone = cell_tone::none;
};

struct row {
    std::string key{};                               ///< sent back with row actions
    std::vector<std::pair<std::string, cell>> cells{}; ///< column key -> cell
    std::vector<button> actions{};
};

/// {"type": "table"}: at most 500 rows.
struct table_element {
    std::string id{};
    std::vector<column> columns{};
    std::vector<row> rows{};
    std::string empty_text{}; ///< shown when rows is empty
};

/// A form field; which members apply depends on `type` (the others are not written).
struct form_field {
    field_type type = field_type::text;
    std::string name{};  ///< the key in the event's values
    std::string label{};
    std::string value{}; ///< text, textarea, select; money as a decimal string ("15500.00")
    bool checked = false; ///< checkbox: its value
    bool required = false;
    bool readonly = false;
    std::string placeholder{};
    std::string help{};
    std::string error{}; ///< shown next to the field in error style
    // text
    text_input input = text_input::text;
    std::string pattern{}; ///< ECMAScript regex, checked by the host before sending
    // text, textarea
    std::optional<std::int64_t> max_length{};
    // textarea
    std::optional<std::int64_t> rows{};
    // money
    std::string currency{}; ///< ISO-4217, required for money
    std::string min{};      ///< decimal string; empty = none
    std::string max{};
    // select
    struct option {
        std::string value{};
        std::string label{};
    };
    std::vector<option> options{};
};

/// {"type": "form"}
struct form_element {
    std::string id{};
    std::vector<form_field> fields{};
};

using element = std::variant<text_element, notice_element, value_element, fields_element,
                             table_element, form_element>;

/// Limits of view-v1.md.
inline constexpr std::size_t max_document_bytes = 256 * 1024;
inline constexpr std::size_t max_table_rows = 500;

namespace detail {

using sdk::detail::json::writer;

inline bool valid_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 64)
        return false;
    for (const char c : id)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '-'))
            return false;
    return true;
}

inline void check_id(std::string_view id, const char* what) {
    if (!valid_id(id))
        throw std::invalid_argument(std::string("pms.view/1: invalid ") + what + " \"" +
                                    std::string(id) + "\" (want ^[A-Za-z0-9_.:-]{1,64}$)");
}

inline void optional_id(writer& w, const std::string& id) {
    if (!id.empty()) {
        check_id(id, "element id");
        w.member("id", id);
    }
}

inline const char* name(dialog_size v) noexcept {
    switch (v) {
    case dialog_size::small: return "small";
    case dialog_size::large: return "large";
    case dialog_size::medium: break;
    }
    return "medium";
}
inline const char* name(text_style v) noexcept {
    switch (v) {
    case text_style::muted: return "muted";
    case text_style::heading: return "heading";
    case text_style::success: return "success";
    case text_style::warning: return "warning";
    case text_style::error: return "error";
    case text_style::normal: break;
    }
    return "normal";
}
inline const char* name(notice_level v) noexcept {
    switch (v) {
    case notice_level::success: return "success";
    case notice_level::warning: return "warning";
    case notice_level::error: return "error";
    case notice_level::info: break;
    }
    return "info";
}
inline const char* name(cell_tone v) noexcept {
    switch (v) {
    case cell_tone::info: return "info";
    case cell_tone::success: return "success";
    case cell_tone::warning: return "warning";
    case cell_tone::error: return "error";
    case cell_tone::neutral:
    case cell_tone::none: break;
    }
    return "neutral";
}
inline const char* name(value_kind v) noexcept {
    switch (v) {
    case value_kind::url: return "url";
    case value_kind::pay_url: return "pay_url";
    case value_kind::text: break;
    }
    return "text";
}
inline const char* name(column_align v) noexcept {
    switch (v) {
    case column_align::right: return "right";
    case column_align::center: return "center";
    case column_align::left: break;
    }
    return "left";
}
inline const char* name(button_style v) noexcept {
    switch (v) {
    case button_style::primary: return "primary";
    case button_style::danger: return "danger";
    case button_style::link: return "link";
    case button_style::secondary: break;
    }
    return "secondary";
}
inline const char* name(field_type v) noexcept {
    switch (v) {
    case field_type::textarea: return "textarea";
    case field_type::money: return "money";
    case field_type::select: return "select";
    case field_type::checkbox: return "checkbox";
    case field_type::text: break;
    }
    return "text";
}
inline const char* name(text_input v) noexcept {
    switch (v) {
    case text_input::email: return "email";
    case text_input::tel: return "tel";
    case text_input::url: return "url";
    case text_input::text: break;
    }
    return "text";
}

inline void write(writer& w, const button& b, bool footer) {
    check_id(b.id, footer ? "button id" : "action id");
    w.begin_object().member("id", b.id).member("label", b.label);
    if (b.style != button_style::secondary)
        w.member("style", name(b.style));
    if (b.submit && footer)
        w.member("submit", true);
    if (!b.confirm.empty())
        w.member("confirm", b.confirm);
    if (b.disabled)
        w.member("disabled", true);
    if (!b.copy_text.empty())
        w.member("copy_text", b.copy_text);
    if (b.close)
        w.member("close", true);
    w.end_object();
}

inline void write(writer& w, const text_element& e) {
    w.begin_object().member("type", "text");
    optional_id(w, e.id);
    w.member("text", e.text);
    if (e.style != text_style::normal)
        w.member("style", name(e.style));
    w.end_object();
}

inline void write(writer& w, const notice_element& e) {
    w.begin_object().member("type", "notice");
    optional_id(w, e.id);
    w.member("level", name(e.level));
    if (!e.title.empty())
        w.member("title", e.title);
    w.member("text", e.text).end_object();
}

inline void write(writer& w, const value_element& e) {
    w.begin_object().member("type", "value");
    optional_id(w, e.id);
    w.member("label", e.label).member("value", e.value);
    if (e.kind != value_kind::text)
        w.member("kind", name(e.kind));
    if (e.copy)
        w.member("copy", true);
    w.end_object();
}

inline void write(writer& w, const fields_element& e) {
    w.begin_object().member("type", "fields");
    optional_id(w, e.id);
    w.key("items").begin_array();
    for (const auto& item : e.items) {
        w.begin_object().member("label", item.label).member("value", item.value);
        if (item.tone != cell_tone::none)
            w.member("tone", name(item.tone));
        w.end_object();
    }
    w.end_array().end_object();
}

inline void write(writer& w, const table_element& e) {
    if (e.rows.size() > max_table_rows)
        throw std::invalid_argument("pms.view/1: table \"" + e.id + "\" has " +
                                    std::to_string(e.rows.size()) + " rows, at most " +
                                    std::to_string(max_table_rows) + " are allowed");
    w.begin_object().member("type", "table");
    optional_id(w, e.id);
    w.key("columns").begin_array();
    for (const auto& c : e.columns) {
        check_id(c.key, "column key");
        w.begin_object().member("key", c.key).member("label", c.label);
        if (c.align != column_align::left)
            w.member("align", name(c.align));
        w.end_object();
    }
    w.end_array().key("rows").begin_array();
    for (const auto& r : e.rows) {
        check_id(r.key, "row key");
        w.begin_object().member("key", r.key).key("cells").begin_object();
        for (const auto& [key, c] : r.cells) {
            if (c.tone == cell_tone::none)
                w.member(key, c.text);
            else
                w.key(key).begin_object().member("text", c.text).member("tone", name(c.tone)).end_object();
        }
        w.end_object();
        if (!r.actions.empty()) {
            w.key("actions").begin_array();
            for (const auto& a : r.actions)
                write(w, a, false);
            w.end_array();
        }
        w.end_object();
    }
    w.end_array();
    if (!e.empty_text.empty())
        w.member("empty_text", e.empty_text);
    w.end_object();
}

inline void write(writer& w, const form_field& f) {
    check_id(f.name, "field name");
    w.begin_object().member("type", name(f.type)).member("name", f.name).member("label", f.label);
    if (f.type == field_type::checkbox)
        w.member("value", f.checked);
    else if (!f.value.empty())
        w.member("value", f.value);
    if (f.required)
        w.member("required", true);
    if (f.readonly)
        w.member("readonly", true);
    if (!f.placeholder.empty())
        w.member("placeholder", f.placeholder);
    if (!f.help.empty())
        w.member("help", f.help);
    if (!f.error.empty())
        w.member("error", f.error);
    switch (f.type) {
    case field_type::text:
        if (f.input != text_input::text)
            w.member("input", name(f.input));
        if (f.max_length)
            w.member("max_length", *f.max_length);
        if (!f.pattern.empty())
            w.member("pattern", f.pattern);
        break;
    case field_type::textarea:
        if (f.max_length)
            w.member("max_length", *f.max_length);
        if (f.rows)
            w.member("rows", *f.rows);
        break;
    case field_type::money:
        if (f.currency.empty())
            throw std::invalid_argument("pms.view/1: money field \"" + f.name + "\" needs a currency");
        w.member("currency", f.currency);
        if (!f.min.empty())
            w.member("min", f.min);
        if (!f.max.empty())
            w.member("max", f.max);
        break;
    case field_type::select:
        w.key("options").begin_array();
        for (const auto& o : f.options)
            w.begin_object().member("value", o.value).member("label", o.label).end_object();
        w.end_array();
        break;
    case field_type::checkbox: break;
    }
    w.end_object();
}

inline void write(writer& w, const form_element& e) {
    w.begin_object().member("type", "form");
    optional_id(w, e.id);
    w.key("fields").begin_array();
    for (const auto& f : e.fields)
        write(w, f);
    w.end_array().end_object();
}

} // namespace detail

/// A "pms.view/1" document. Fill the members, then to_json().
struct document {
    document() = default;
    explicit document(std::string title_text) : title(std::move(title_text)) {}

    std::string title{};
    std::optional<dialog_size> size{}; ///< unset = the host's default (medium)
    std::vector<element> elements{};
    std::vector<button> buttons{};
    bool busy = false;

    /// Appends an element; returns *this for chaining.
    template <class Element>
    document& add(Element&& e) {
        elements.emplace_back(std::forward<Element>(e));
        return *this;
    }

    /// The JSON text. Throws std::invalid_argument for what the host would refuse (see the file
    /// comment); duplicate ids across the view are left to the host's check.
    std::string to_json() const {
        detail::writer w;
        w.begin_object().member("schema", "pms.view/1").member("title", title);
        if (size)
            w.member("size", detail::name(*size));
        w.key("elements").begin_array();
        for (const auto& e : elements)
            std::visit([&](const auto& x) { detail::write(w, x); }, e);
        w.end_array();
        if (!buttons.empty()) {
            w.key("buttons").begin_array();
            for (const auto& b : buttons)
                detail::write(w, b, true);
            w.end_array();
        }
        if (busy)
            w.member("busy", true);
        w.end_object();
        if (w.str().size() > max_document_bytes)
            throw std::invalid_argument("pms.view/1: the document has " +
                                        std::to_string(w.str().size()) + " bytes, at most " +
                                        std::to_string(max_document_bytes) + " are allowed");
        return w.take();
    }
};

} // namespace pms::sdk::view
