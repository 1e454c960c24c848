// pms/plugin_sdk/store.hpp — pms.store/1, the instance's durable key-value store.
//
// Synchronous by design (small WAL writes; see ext/store.h), so no completion tokens here.
// Failures throw boost::system::system_error, except "not found", which is a value:
//
//     pms::sdk::store st(host);
//     if (auto v = st.get("link/42")) ...;
//     pms::sdk::store_batch b;
//     b.put("link/42", record).erase("pending/42");
//     st.write(b);                                  // atomic, all or nothing
//     st.scan("link/", [](std::string_view key, std::string_view value) { return true; });
//
// Keys and values are byte strings held in std::string. Use on the strand only.
//
// Since 1.4, `async_store` writes without blocking the strand (pms.store/2): a completion-token
// adapter whose handler runs once the batch is durable. Handler signature:
// void(pms::sdk::error_code ec); ec is empty when every operation is durable, else nothing of
// the batch was applied. Completes exactly once on the strand, never inline:
//
//     pms::sdk::async_store st(host(), get_executor());
//     st.async_write(b, [](pms::sdk::error_code ec) { ... });        // or
//     auto [ec] = co_await st.async_write(b, as_tuple(pms::sdk::use_awaitable));
//
// Reads stay with `store` (get/scan): on a 1.4 host they see the batches written through
// async_store that are not yet durable. On a host without pms.store/2 (before 1.4) async_write
// falls back to a pms.store/1 write_batch (durable when it returns, on the strand) and delivers
// its outcome through the executor, so the handler is still never invoked inline.
#pragma once

#include <pms/plugin_api/ext/store.h>

#include <pms/plugin_sdk/detail/async.hpp>
#include <pms/plugin_sdk/executor.hpp>
#include <pms/plugin_sdk/host.hpp>
#include <pms/plugin_sdk/status.hpp>
#include <pms/plugin_sdk/strings.hpp>
#include <pms/plugin_sdk/trampoline.hpp>

#include <boost/asio/async_result.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pms::sdk {

/// Operations for one atomic write.
class store_batch {
public:
    store_batch& put(std::string key, std::string value) {
        ops_.push_back({PMS_STORE_PUT, std::move(key), std::move(value)});
        return *this;
    }
    store_batch& erase(std::string key) {
        ops_.push_back({PMS_STORE_ERASE, std::move(key), {}});
        return *this;
    }
    std::size_t size() const noexcept { return ops_.size(); }
    bool empty() const noexcept { return ops_.empty(); }
    void clear() noexcept { ops_.clear(); }

private:
    friend class store;
    friend class async_store;
    struct op {
        pms_store_op_kind kind;
        std::string key;
        std::string value;
    };
    std::vector<op> ops_;
};

/// pms.store/1 for one instance.
class store {
public:
    explicit store(const host& h) noexcept : host_(h) {}

    /// The value of `key`, or nullopt when absent.
    std::optional<std::string> get(std::string_view key) const {
        string_writer out;
        const pms_status s = ext()->get(host_.c_host(), to_pms_str(key), out.writer());
        if (s == PMS_NOT_FOUND)
            return std::nullopt;
        throw_if_failed(s, "pms.store/1 get");
        return out.take();
    }

    /// Inserts or replaces, durably.
    void put(std::string_view key, std::string_view value) const {
        throw_if_failed(ext()->put(host_.c_host(), to_pms_str(key), to_pms_bytes(value)),
                        "pms.store/1 put");
    }

    /// Removes (no error when absent), durably.
    void erase(std::string_view key) const {
        throw_if_failed(ext()->erase(host_.c_host(), to_pms_str(key)), "pms.store/1 erase");
    }

    /// Applies `batch` atomically: all or nothing.
    void write(const store_batch& batch) const {
        std::vector<pms_store_op> ops;
        ops.reserve(batch.ops_.size());
        for (const auto& o : batch.ops_)
            ops.push_back({o.kind, to_pms_str(o.key), to_pms_bytes(o.value)});
        throw_if_failed(ext()->write_batch(host_.c_host(), ops.empty() ? nullptr : ops.data(),
                                           ops.size()),
                        "pms.store/1 write_batch");
    }

    /// Calls `visit(key, value)` for each entry with `prefix`, in key order, until it returns
    /// false (a void-returning visitor sees every entry). The views are valid only during the
    /// call. The visitor must not use the store. An exception thrown by the visitor stops the
    /// scan and is rethrown here after the host's scan returned.
    template <class Visitor>
    void scan(std::string_view prefix, Visitor&& visit) const {
        struct context {
            Visitor* visit;
            std::exception_ptr error;
        } ctx{&visit, nullptr};
        auto fn = [](void* user, pms_str key, pms_bytes value) noexcept -> std::int32_t {
            auto* c = static_cast<context*>(user);
            try {
                if constexpr (std::is_void_v<std::invoke_result_t<Visitor&, std::string_view,
                                                                  std::string_view>>) {
                    (*c->visit)(to_string_view(key), to_string_view(value));
                    return PMS_SCAN_CONTINUE;
                } else {
                    return (*c->visit)(to_string_view(key), to_string_view(value))
                               ? PMS_SCAN_CONTINUE
                               : PMS_SCAN_STOP;
                }
            } catch (...) {
                c->error = std::current_exception();
                return PMS_SCAN_STOP;
            }
        };
        const pms_status s =
            ext()->scan(host_.c_host(), to_pms_str(prefix), pms_store_visitor{fn, &ctx});
        if (ctx.error)
            std::rethrow_exception(ctx.error);
        throw_if_failed(s, "pms.store/1 scan");
    }

private:
    const pms_host_store* ext() const { return host::require(host_.store_ext(), PMS_EXT_STORE); }

    host host_;
};

/// Durable writes that complete later (pms.store/2), with a pms.store/1 fallback. See the file
/// comment for the handler and the guarantees.
class async_store {
public:
    using executor_type = executor;

    /// Looks pms.store/2 up on `h` (NULL on a host before 1.4: the fallback is used).
    async_store(const host& h, const executor& ex) noexcept
        : host_(h), ex_(ex), store2_(usable(h.get<pms_host_store2>(PMS_EXT_STORE2))) {}

    executor_type get_executor() const noexcept { return ex_; }

    /// True when writes go through pms.store/2 (they do not block the strand).
    bool asynchronous() const noexcept { return store2_ != nullptr; }

    /// Applies `batch` atomically and durably; the handler runs once it is durable (ec empty)
    /// or failed (nothing applied). `batch` is copied into the host before this returns and
    /// may be destroyed right after. Batches complete in the order they were started. A batch
    /// the host refuses to start (invalid, too large, the instance draining) completes with
    /// that status, later, through the executor. Not cancellable: a durable write, once
    /// started, always reports its real outcome.
    template <class CompletionToken>
    auto async_write(const store_batch& batch, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(error_code)>(
            initiate_write{this}, token, batch);
    }

private:
    template <class Handler>
    using op_type = detail::pending_op<Handler>;

    static const pms_host_store2* usable(const pms_host_store2* ext) noexcept {
        return PMS_HAS_FIELD(ext, pms_host_store2, write_batch) && ext->write_batch != nullptr
                   ? ext
                   : nullptr;
    }

    template <class Handler>
    static void on_done(void* user, pms_status status) noexcept {
        auto op = op_type<Handler>::adopt(user);
        const pms_host* h = op->ex.c_host();
        guard_void(h, "pms.store/2 completion",
                   [&] { op_type<Handler>::complete(std::move(op), make_status_error(status)); });
    }

    struct initiate_write {
        async_store* self;

        template <class Handler>
        void operator()(Handler&& handler, const store_batch& batch) const {
            using H = std::decay_t<Handler>;
            auto op = std::make_unique<op_type<H>>(std::forward<Handler>(handler), self->ex_);
            std::vector<pms_store_op> ops;
            ops.reserve(batch.ops_.size());
            for (const auto& o : batch.ops_)
                ops.push_back({o.kind, to_pms_str(o.key), to_pms_bytes(o.value)});
            const pms_store_op* data = ops.empty() ? nullptr : ops.data();
            const pms_host* h = self->host_.c_host();
            pms_status s = PMS_NOT_SUPPORTED;
            if (self->store2_ != nullptr) {
                s = self->store2_->write_batch(h, data, ops.size(),
                                               pms_store_done{&on_done<H>, op.get()});
                if (s == PMS_OK) {
                    op.release(); // the host owns it until on_done
                    return;
                }
            } else if (const pms_host_store* v1 = self->host_.store_ext(); v1 != nullptr) {
                s = v1->write_batch(h, data, ops.size()); // durable when it returns
            }
            // A refused start, or the pms.store/1 outcome: delivered later, never inline.
            detail::complete_rejected(std::move(op), [s](std::unique_ptr<op_type<H>> o) {
                op_type<H>::complete(std::move(o), make_status_error(s));
            });
        }
    };

    host host_;
    executor ex_;
    const pms_host_store2* store2_ = nullptr;
};

} // namespace pms::sdk
