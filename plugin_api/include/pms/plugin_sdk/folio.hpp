// pms/plugin_sdk/folio.hpp — pms.folio/1: read a folio (synchronous) and post a payment
// (completion-token adapter).
//
// async_post_payment handler signature: void(pms::sdk::error_code ec, pms::sdk::posting_result r)
//  - PMS_OK and PMS_DUPLICATE both give an empty ec (the posting exists); r.is_repeat tells a
//    repeat of an idempotency key apart, and r describes the FIRST posting then;
//  - every other status is ec (errc::conflict, folio_closed, no_mapping, currency_mismatch,
//    not_found, cancelled, ...): nothing was posted; retrying with the same key is safe.
// Completes exactly once on the strand, never inline — also when the host refuses to start the
// posting (r.started is false then, and r.status is the refusal).
#pragma once

#include <pms/plugin_api/ext/folio.h>

#include <pms/plugin_sdk/detail/async.hpp>
#include <pms/plugin_sdk/executor.hpp>
#include <pms/plugin_sdk/host.hpp>
#include <pms/plugin_sdk/status.hpp>
#include <pms/plugin_sdk/strings.hpp>

#include <boost/asio/async_result.hpp>

#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pms::sdk {

/// A posting (see ext/folio.h). Copied into the host by async_post_payment().
struct payment_posting {
    // Not an aggregate on purpose: g++ 12 destroys aggregate temporaries created inside a
    // co_await expression twice (heap corruption). With this constructor,
    // `co_await x.async_...({.field = ...}, use_awaitable)` does not compile; name the object
    // first and set its fields.
    payment_posting() = default;
    std::string folio_id{};
    std::int64_t amount_minor = 0;
    std::string currency{}; // ISO-4217, 3 letters
    std::string payment_kind{};
    std::string idempotency_key{}; // "<plugin-id>:<kind>:<id>"
    std::string provider_reference{};
    std::string description{};
    std::int64_t occurred_at_utc_ms = 0; // 0 = now
};

/// The result of a posting: every field of pms_posting_result, plus the host's status as it
/// was (ec folds PMS_DUPLICATE into success) and whether the host started the posting at all.
struct posting_result {
    bool is_repeat = false;
    std::string posting_id{};
    std::string category{};
    std::string type{};
    std::string error_message{};
    /// The completion's status unchanged: PMS_DUPLICATE stays PMS_DUPLICATE. (Issue 12.)
    pms_status status = PMS_OK;
    /// False when post_payment() itself refused (no pms.folio/1, bad currency, draining): the
    /// host never saw the posting, and error_message is the SDK's text. (Issue 12.)
    bool started = true;
};

/// Builds the namespaced idempotency key "<plugin-id>:<kind>:<id>".
inline std::string idempotency_key(std::string_view plugin_id, std::string_view kind,
                                   std::string_view id) {
    std::string key{};
    key.reserve(plugin_id.size() + kind.size() + id.size() + 2);
    key.append(plugin_id).append(1, ':').append(kind).append(1, ':').append(id);
    return key;
}

/// pms.folio/1 for one instance.
class folio_client {
public:
    using executor_type = executor;

    folio_client(const host& h, const executor& ex) noexcept : host_(h), ex_(ex) {}

    executor_type get_executor() const noexcept { return ex_; }

    /// The folio document (JSON "pms.folio/1"), or nullopt when there is no such folio.
    /// Other failures throw boost::system::system_error. [strand]
    std::optional<std::string> get_folio_json(std::string_view folio_id) const {
        const auto* f = host::require(host_.folio_ext(), PMS_EXT_FOLIO);
        string_writer out;
        const pms_status s = f->get_folio(host_.c_host(), to_pms_str(folio_id), out.writer());
        if (s == PMS_NOT_FOUND)
            return std::nullopt;
        throw_if_failed(s, "pms.folio/1 get_folio");
        return out.take();
    }

    /// Like get_folio_json(), without exceptions: clears `out`, then returns the host's status
    /// (PMS_OK with the document in `out`, PMS_NOT_FOUND, PMS_PERMISSION_DENIED, ...), or
    /// PMS_NOT_SUPPORTED when the host has no pms.folio/1. (Issue 12.) [strand]
    pms_status try_get_folio_json(std::string_view folio_id, std::string& out) const {
        out.clear();
        const pms_host_folio* f = host_.folio_ext();
        if (f == nullptr)
            return PMS_NOT_SUPPORTED;
        string_writer w;
        const pms_status s = f->get_folio(host_.c_host(), to_pms_str(folio_id), w.writer());
        if (s == PMS_OK)
            out = w.take();
        return s;
    }

    /// Posts a payment at most once per idempotency key. See the file comment.
    template <class CompletionToken>
    auto async_post_payment(const payment_posting& posting, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(error_code, posting_result)>(
            initiate_post{this}, token, posting);
    }

private:
    template <class Handler>
    using op_type = detail::pending_op<Handler>;

    template <class Handler>
    static void on_done(void* user, pms_status status, const pms_posting_result* r) noexcept {
        auto op = op_type<Handler>::adopt(user);
        const pms_host* h = op->ex.c_host();
        guard_void(h, "pms.folio/1 post_payment completion", [&] {
            posting_result out;
            out.status = status;
            if (r != nullptr) {
                out.is_repeat = r->is_repeat != 0 || status == PMS_DUPLICATE;
                out.posting_id.assign(to_string_view(r->posting_id));
                out.category.assign(to_string_view(r->category));
                out.type.assign(to_string_view(r->type));
                out.error_message.assign(to_string_view(r->error_message));
            }
            const pms_status s = status == PMS_DUPLICATE ? PMS_OK : status;
            op_type<Handler>::complete(std::move(op), make_status_error(s), std::move(out));
        });
    }

    struct initiate_post {
        folio_client* self;

        template <class Handler>
        void operator()(Handler&& handler, const payment_posting& p) const {
            using H = std::decay_t<Handler>;
            auto op = std::make_unique<op_type<H>>(std::forward<Handler>(handler), self->ex_);
            const pms_host_folio* folio = self->host_.folio_ext();
            pms_status s = PMS_NOT_SUPPORTED;
            std::uint64_t id = 0;
            if (folio != nullptr) {
                pms_payment_posting c{};
                c.struct_size = sizeof c;
                c.folio_id = to_pms_str(p.folio_id);
                c.amount.minor = p.amount_minor;
                if (p.currency.size() == 3)
                    std::memcpy(c.amount.currency, p.currency.data(), 3);
                c.payment_kind = to_pms_str(p.payment_kind);
                c.idempotency_key = to_pms_str(p.idempotency_key);
                c.provider_reference = to_pms_str(p.provider_reference);
                c.description = to_pms_str(p.description);
                c.occurred_at_utc_ms = p.occurred_at_utc_ms;
                s = p.currency.size() == 3
                        ? folio->post_payment(self->host_.c_host(), &c,
                                              pms_posting_done{&on_done<H>, op.get()}, &id)
                        : PMS_INVALID_ARGUMENT;
            }
            if (s != PMS_OK) {
                detail::complete_rejected(std::move(op), [s](std::unique_ptr<op_type<H>> o) {
                    posting_result r;
                    r.status = s;
                    r.started = false;
                    r.error_message = "posting not started: " + make_status_error(s).message();
                    op_type<H>::complete(std::move(o), make_status_error(s), std::move(r));
                });
                return;
            }
            op.release();
        }
    };

    host host_;
    executor ex_;
};

} // namespace pms::sdk
