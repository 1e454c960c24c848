// pms/plugin_sdk/reply.hpp — exactly-once helpers for the completions a plugin owes the host.
//
// Hooks that answer later (folio-button clicks and view events, settings actions, inbound
// notifications) receive a C {fn, user} pair that the plugin must call exactly once. These
// move-only wrappers make that hard to get wrong:
//  - the first answer calls the host; later answers are ignored and logged as
//    PLUGIN_MISBEHAVING (never a second call into the host);
//  - a wrapper destroyed without an answer answers on its own: PMS_INTERNAL when destroyed by
//    an exception unwinding the stack, else PMS_CANCELLED (a forgotten path, a coroutine torn
//    down at deactivate) for views and actions; HTTP 503 for inbound notifications (so the
//    provider retries);
//  - a moved-from wrapper owes nothing.
// Call them on the instance strand, like every completion.
#pragma once

#include <pms/plugin_api/ext/log.h>
#include <pms/plugin_api/hooks/folio_button.h>
#include <pms/plugin_api/hooks/notification_sink.h>
#include <pms/plugin_api/hooks/settings_schema.h>

#include <pms/plugin_sdk/strings.hpp>
#include <pms/plugin_sdk/trampoline.hpp>

#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pms::sdk {

namespace detail {

// The exactly-once bookkeeping shared by the reply types: the C pair and whether it is owed.
template <class Done>
class once {
public:
    once() noexcept = default;
    once(Done done, const pms_host* host) noexcept
        : done_(done), host_(host), owed_(done.fn != nullptr),
          uncaught_(std::uncaught_exceptions()) {}
    once(once&& other) noexcept
        : done_(other.done_), host_(other.host_), owed_(std::exchange(other.owed_, false)),
          uncaught_(std::uncaught_exceptions()) {}
    once& operator=(once&& other) noexcept {
        if (this != &other) {
            done_ = other.done_;
            host_ = other.host_;
            owed_ = std::exchange(other.owed_, false);
            uncaught_ = std::uncaught_exceptions();
        }
        return *this;
    }
    once(const once&) = delete;
    once& operator=(const once&) = delete;

    bool owed() const noexcept { return owed_; }
    const pms_host* c_host() const noexcept { return host_; }

    // The status an unanswered wrapper sends from its destructor.
    pms_status abandon_status() const noexcept {
        return std::uncaught_exceptions() > uncaught_ ? PMS_INTERNAL : PMS_CANCELLED;
    }

    // Stops owing without answering (for a trampoline that reports a failure by its return
    // value instead: then the host never expects the answer).
    void disarm() noexcept { owed_ = false; }

    // Returns the pair if still owed (and marks it paid), else logs the double answer.
    bool take(Done& out, const char* what) noexcept {
        if (!owed_) {
            log_to_host(host_, PMS_LOG_PLUGIN_MISBEHAVING,
                        std::string_view(what != nullptr ? what : "a completion"));
            return false;
        }
        owed_ = false;
        out = done_;
        return true;
    }

private:
    Done done_{};
    const pms_host* host_ = nullptr;
    bool owed_ = false;
    int uncaught_ = 0;
};

} // namespace detail

/// The answer to a folio-button click or view event (pms_view_done).
class view_reply {
public:
    view_reply() noexcept = default;
    view_reply(pms_view_done done, const pms_host* host) noexcept : once_(done, host) {}
    view_reply(view_reply&&) noexcept = default;
    view_reply& operator=(view_reply&& other) noexcept {
        if (this != &other) {
            abandon();
            once_ = std::move(other.once_);
        }
        return *this;
    }
    ~view_reply() { abandon(); }

    /// Shows `view_json` ("pms.view/1").
    void show(std::string_view view_json) noexcept { send(PMS_OK, view_json); }
    /// Closes the dialog.
    void close() noexcept { send(PMS_OK, {}); }
    /// Fails: the host keeps the previous view and shows a generic error.
    void fail(pms_status status) noexcept { send(status == PMS_OK ? PMS_INTERNAL : status, {}); }

    /// True while the answer is still owed.
    bool pending() const noexcept { return once_.owed(); }
    /// Gives the obligation up without answering. Only for SDK trampolines whose hook then
    /// returns a failure status (the host expects no answer then).
    void disarm() noexcept { once_.disarm(); }

private:
    void send(pms_status status, std::string_view json) noexcept {
        pms_view_done d{};
        if (once_.take(d, "a view was answered twice; the second answer is ignored"))
            d.fn(d.user, status, to_pms_str(json));
    }
    void abandon() noexcept {
        if (once_.owed())
            send(once_.abandon_status(), {});
    }

    detail::once<pms_view_done> once_;
};

/// The answer to a settings-page action (pms_action_done).
class action_reply {
public:
    action_reply() noexcept = default;
    action_reply(pms_action_done done, const pms_host* host) noexcept : once_(done, host) {}
    action_reply(action_reply&&) noexcept = default;
    action_reply& operator=(action_reply&& other) noexcept {
        if (this != &other) {
            abandon();
            once_ = std::move(other.once_);
        }
        return *this;
    }
    ~action_reply() { abandon(); }

    /// Answers {"level": level, "message": message}; level is "success", "info", "warning"
    /// or "error". The status is PMS_OK: the action ran, whatever it found.
    void result(std::string_view level, std::string_view message) noexcept {
        std::string json;
        try {
            json = "{\"level\":";
            append_json_string(json, level);
            json += ",\"message\":";
            append_json_string(json, message);
            json += '}';
        } catch (...) {
            json.clear();
        }
        send(json.empty() ? PMS_INTERNAL : PMS_OK, json);
    }
    void success(std::string_view message) noexcept { result("success", message); }
    void error(std::string_view message) noexcept { result("error", message); }
    /// Fails without a result document (the host shows a generic error).
    void fail(pms_status status) noexcept { send(status == PMS_OK ? PMS_INTERNAL : status, {}); }

    bool pending() const noexcept { return once_.owed(); }
    void disarm() noexcept { once_.disarm(); }

private:
    void send(pms_status status, std::string_view json) noexcept {
        pms_action_done d{};
        if (once_.take(d, "a settings action was answered twice; the second answer is ignored"))
            d.fn(d.user, status, to_pms_str(json));
    }
    void abandon() noexcept {
        if (once_.owed())
            send(once_.abandon_status(), {});
    }

    detail::once<pms_action_done> once_;
};

/// The answer to an inbound notification (pms_reply_done).
class inbound_reply {
public:
    struct header {
        std::string name;
        std::string value;
    };

    inbound_reply() noexcept = default;
    inbound_reply(pms_reply_done done, const pms_host* host) noexcept : once_(done, host) {}
    inbound_reply(inbound_reply&&) noexcept = default;
    inbound_reply& operator=(inbound_reply&& other) noexcept {
        if (this != &other) {
            abandon();
            once_ = std::move(other.once_);
        }
        return *this;
    }
    ~inbound_reply() { abandon(); }

    /// Sends the HTTP answer.
    void send(int http_status, std::string_view content_type, std::string_view body,
              const std::vector<header>& headers = {}) noexcept {
        pms_reply_done d{};
        if (!once_.take(d, "an inbound request was answered twice; the second answer is ignored"))
            return;
        std::vector<pms_header> c_headers;
        try {
            c_headers.reserve(headers.size());
            for (const auto& h : headers)
                c_headers.push_back({to_pms_str(h.name), to_pms_str(h.value)});
        } catch (...) {
            c_headers.clear();
        }
        pms_inbound_reply r{};
        r.struct_size = sizeof r;
        r.http_status = http_status;
        r.content_type = to_pms_str(content_type);
        r.headers = c_headers.empty() ? nullptr : c_headers.data();
        r.header_count = c_headers.size();
        r.body = to_pms_bytes(body);
        d.fn(d.user, &r);
    }
    /// Sends a JSON body with status 200 (or `http_status`).
    void json(std::string_view body, int http_status = 200) noexcept {
        send(http_status, "application/json", body);
    }

    bool pending() const noexcept { return once_.owed(); }
    void disarm() noexcept { once_.disarm(); }

private:
    void abandon() noexcept {
        if (once_.owed())
            send(503, "text/plain", "unavailable");
    }

    detail::once<pms_reply_done> once_;
};

} // namespace pms::sdk
