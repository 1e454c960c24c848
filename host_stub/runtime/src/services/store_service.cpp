// pms.store/1 over the storage's PluginStore, namespaced by (plugin id, property). Synchronous
// by design (store.h): small writes to the WAL on the instance strand.
#include "service_support.hpp"
#include "services.hpp"

namespace pms::host::detail {
namespace {

// Rejects store calls from inside a scan visitor (store.h: PMS_INVALID_STATE).
#define PMS_STORE_ENTER(inst)                                                                      \
    if ((inst)->in_scan.load())                                                                    \
        return PMS_INVALID_STATE;

pms_status check_key(pms_str key) {
    if (!valid(key) || key.len == 0)
        return PMS_INVALID_ARGUMENT;
    if (key.len > PMS_STORE_MAX_KEY_BYTES)
        return PMS_TOO_LARGE;
    return PMS_OK;
}

pms_status store_get(const pms_host* host, pms_str key, const pms_writer* value_out) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || value_out == nullptr || value_out->write == nullptr)
            return PMS_INVALID_ARGUMENT;
        PMS_STORE_ENTER(inst)
        if (const pms_status s = check_key(key); s != PMS_OK)
            return s;
        auto value = inst->rt.storage.plugin_store().get(inst->store_scope(), view_of(key));
        if (!value)
            return PMS_NOT_FOUND;
        return write_out(value_out, *value);
    } catch (const StorageError& e) {
        return storage_status(e);
    } catch (...) {
        return PMS_STORAGE_ERROR;
    }
}

pms_status store_put(const pms_host* host, pms_str key, pms_bytes value) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || !valid(value))
            return PMS_INVALID_ARGUMENT;
        PMS_STORE_ENTER(inst)
        if (const pms_status s = check_key(key); s != PMS_OK)
            return s;
        if (value.len > PMS_STORE_MAX_VALUE_BYTES)
            return PMS_TOO_LARGE;
        inst->rt.storage.plugin_store().put(inst->store_scope(), view_of(key), view_of(value));
        return PMS_OK;
    } catch (const StorageError& e) {
        return storage_status(e);
    } catch (...) {
        return PMS_STORAGE_ERROR;
    }
}

pms_status store_erase(const pms_host* host, pms_str key) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr)
            return PMS_INVALID_ARGUMENT;
        PMS_STORE_ENTER(inst)
        if (const pms_status s = check_key(key); s != PMS_OK)
            return s;
        inst->rt.storage.plugin_store().erase(inst->store_scope(), view_of(key));
        return PMS_OK;
    } catch (const StorageError& e) {
        return storage_status(e);
    } catch (...) {
        return PMS_STORAGE_ERROR;
    }
}

pms_status store_scan(const pms_host* host, pms_str prefix, pms_store_visitor visitor) noexcept {
    Instance* inst = Instance::from_host(host);
    if (inst == nullptr || visitor.fn == nullptr || !valid(prefix))
        return PMS_INVALID_ARGUMENT;
    PMS_STORE_ENTER(inst)
    std::vector<StoreEntry> entries;
    try {
        entries = inst->rt.storage.plugin_store().scan_prefix(inst->store_scope(), view_of(prefix));
    } catch (const StorageError& e) {
        return storage_status(e);
    } catch (...) {
        return PMS_STORAGE_ERROR;
    }
    inst->in_scan.store(true);
    for (const auto& e : entries) {
        const pms_str key{e.key.data(), e.key.size()};
        const pms_bytes value{reinterpret_cast<const std::uint8_t*>(e.value.data()),
                              e.value.size()};
        if (visitor.fn(visitor.user, key, value) != PMS_SCAN_CONTINUE)
            break;
    }
    inst->in_scan.store(false);
    return PMS_OK;
}

pms_status store_write_batch(const pms_host* host, const pms_store_op* ops,
                             std::size_t count) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || (ops == nullptr && count != 0))
            return PMS_INVALID_ARGUMENT;
        PMS_STORE_ENTER(inst)
        if (count > PMS_STORE_MAX_BATCH_OPS)
            return PMS_TOO_LARGE;
        StoreBatch batch;
        for (std::size_t i = 0; i < count; ++i) {
            const pms_store_op& op = ops[i];
            if (const pms_status s = check_key(op.key); s != PMS_OK)
                return s;
            if (op.kind == PMS_STORE_PUT) {
                if (!valid(op.value))
                    return PMS_INVALID_ARGUMENT;
                if (op.value.len > PMS_STORE_MAX_VALUE_BYTES)
                    return PMS_TOO_LARGE;
                batch.put(view_of(op.key), view_of(op.value));
            } else if (op.kind == PMS_STORE_ERASE) {
                batch.erase(view_of(op.key));
            } else {
                return PMS_INVALID_ARGUMENT;
            }
        }
        if (batch.empty())
            return PMS_OK;
        inst->rt.storage.plugin_store().apply(inst->store_scope(), batch);
        return PMS_OK;
    } catch (const StorageError& e) {
        return storage_status(e);
    } catch (...) {
        return PMS_STORAGE_ERROR;
    }
}

constexpr pms_host_store table{&store_get, &store_put, &store_erase, &store_scan,
                               &store_write_batch};

} // namespace

const pms_host_store* store_service() noexcept {
    return &table;
}

} // namespace pms::host::detail
