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
#pragma once

#include <pms/plugin_api/ext/store.h>

#include <pms/plugin_sdk/host.hpp>
#include <pms/plugin_sdk/status.hpp>
#include <pms/plugin_sdk/strings.hpp>
#include <pms/plugin_sdk/trampoline.hpp>

#include <exception>
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

} // namespace pms::sdk
