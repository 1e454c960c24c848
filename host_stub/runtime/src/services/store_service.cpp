// pms.store/1 and pms.store/2 over the storage's PluginStore, namespaced by (plugin id,
// property). Both go through the storage's writer thread (group commit, one savepoint per
// batch): a store/1 write waits on the strand for its batch to be durable, as before; a store/2
// batch is an operation of the instance (drained before deactivate) whose completion is posted
// back to the strand once the writer reports it. Reads of both see pending store/2 batches.
#include "service_support.hpp"
#include "services.hpp"

#include <memory>

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

/// Checks `ops` against the limits of store.h and copies them into `batch` (the same rules for
/// pms.store/1 and pms.store/2).
pms_status make_batch(const pms_store_op* ops, std::size_t count, StoreBatch& batch) {
    if (ops == nullptr && count != 0)
        return PMS_INVALID_ARGUMENT;
    if (count > PMS_STORE_MAX_BATCH_OPS)
        return PMS_TOO_LARGE;
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
    return PMS_OK;
}

pms_status store_write_batch(const pms_host* host, const pms_store_op* ops,
                             std::size_t count) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr)
            return PMS_INVALID_ARGUMENT;
        PMS_STORE_ENTER(inst)
        StoreBatch batch;
        if (const pms_status s = make_batch(ops, count, batch); s != PMS_OK)
            return s;
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

/// pms.store/2 write_batch: validates, registers the batch as an operation of the instance
/// (started at once: a durable write cannot be cancelled, so the drain waits for its outcome),
/// queues it for the writer and returns. The writer's report is posted to the strand.
pms_status store2_write_batch(const pms_host* host, const pms_store_op* ops, std::size_t count,
                              pms_store_done done) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || done.fn == nullptr)
            return PMS_INVALID_ARGUMENT;
        PMS_STORE_ENTER(inst)
        StoreBatch batch;
        if (const pms_status s = make_batch(ops, count, batch); s != PMS_OK)
            return s;
        // Never delivered: the operation is marked started before anything can cancel it.
        const std::uint64_t id = inst->ops.begin(OperationRegistry::CancelMode::before_start,
                                                 [done] { done.fn(done.user, PMS_CANCELLED); });
        if (id == 0)
            return PMS_UNAVAILABLE;
        inst->ops.mark_started(id);
        try {
            inst->rt.storage.plugin_store().apply_async(
                inst->store_scope(), std::move(batch),
                [weak = inst->weak_from_this(), id, done](StoreOutcome outcome) {
                    const pms_status status = outcome ? storage_status(*outcome) : PMS_OK;
                    if (auto self = weak.lock())
                        self->ops.complete(id, [done, status] { done.fn(done.user, status); });
                });
        } catch (...) {
            // Not queued: the start fails, so `done` must never run.
            inst->ops.complete(id, {});
            throw;
        }
        return PMS_OK;
    } catch (const StorageError& e) {
        return storage_status(e);
    } catch (...) {
        return PMS_STORAGE_ERROR;
    }
}

constexpr pms_host_store table{&store_get, &store_put, &store_erase, &store_scan,
                               &store_write_batch};

constexpr pms_host_store2 table2{sizeof(pms_host_store2), &store_get, &store_scan,
                                 &store2_write_batch};

} // namespace

const pms_host_store* store_service() noexcept {
    return &table;
}

const pms_host_store2* store2_service() noexcept {
    return &table2;
}

} // namespace pms::host::detail
