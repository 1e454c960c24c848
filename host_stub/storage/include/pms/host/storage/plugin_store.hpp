// The durable key-value store behind `pms.store/1`: one namespace per (plugin id, property id),
// byte keys ordered bytewise, byte values, prefix scans and all-or-nothing write batches.
// A write that returned has been made durable (see README: synchronous=FULL). Since pms.store/2,
// writes may also be queued (`apply_async`): a writer thread commits whatever batches are waiting
// in one transaction, each in its own savepoint, and reports each batch once it is durable.
#pragma once

#include "pms/host/storage/errors.hpp"
#include "pms/host/storage/ids.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pms::host {

/// Arbitrary bytes (not necessarily UTF-8). `std::string` only as the container.
using StoreBytes = std::string;

/// The namespace a plugin instance sees: its own id and the property it serves.
struct StoreScope {
    std::string plugin_id;
    PropertyId property;
};

struct StoreEntry {
    StoreBytes key;
    StoreBytes value;
};

/// A set of puts and erases applied together by `PluginStore::apply`: all of them or none.
/// Operations apply in order, so a later put of the same key wins.
class StoreBatch {
  public:
    enum class Op { put, erase };
    struct Item {
        Op op;
        StoreBytes key;
        StoreBytes value; ///< empty for erase
    };

    StoreBatch& put(std::string_view key, std::string_view value) {
        items_.push_back({Op::put, StoreBytes{key}, StoreBytes{value}});
        return *this;
    }
    StoreBatch& erase(std::string_view key) {
        items_.push_back({Op::erase, StoreBytes{key}, {}});
        return *this;
    }
    [[nodiscard]] const std::vector<Item>& items() const noexcept { return items_; }
    [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }

  private:
    std::vector<Item> items_;
};

/// Limits of one `scan_prefix` call; page with `start_after` = the last key returned.
struct ScanOptions {
    std::size_t limit = 0;            ///< 0 = no limit
    std::optional<StoreBytes> start_after; ///< return only keys strictly greater than this
};

/// The outcome of one queued batch: nullopt when it is durable, else why nothing of it was
/// applied.
using StoreOutcome = std::optional<StorageError>;
/// Called exactly once per queued batch, on the store's writer thread. Must not block or call
/// back into the store's writes (post the outcome elsewhere).
using StoreDone = std::function<void(StoreOutcome)>;

/// Counters of the store's writer since it was opened (for tests and the bench).
struct StoreWriterStats {
    std::uint64_t commits = 0;        ///< group transactions committed (one fsync each)
    std::uint64_t batches = 0;        ///< batches made durable
    std::uint64_t failed_batches = 0; ///< batches reported failed (nothing applied)
};

/// Thread-safe. Keys must be non-empty and at most `max_key_size` bytes; values at most
/// `max_value_size`. Violations throw `StorageError(invalid_argument)`. Reads (get,
/// scan_prefix) see the batches of their scope that were queued and are not yet reported, as if
/// applied (in order; the last operation on a key wins), on top of what is durable.
class PluginStore {
  public:
    static constexpr std::size_t max_key_size = 1024;
    static constexpr std::size_t max_value_size = 16 * 1024 * 1024;

    virtual ~PluginStore() = default;

    [[nodiscard]] virtual std::optional<StoreBytes> get(const StoreScope& scope,
                                                   std::string_view key) = 0;
    /// Inserts or replaces.
    virtual void put(const StoreScope& scope, std::string_view key, std::string_view value) = 0;
    /// Returns whether the key existed.
    virtual bool erase(const StoreScope& scope, std::string_view key) = 0;
    /// Entries whose key starts with `prefix` (bytewise), in ascending key order. An empty prefix
    /// scans the whole namespace. No pattern characters: `%`, `_` and 0xFF are ordinary bytes.
    [[nodiscard]] virtual std::vector<StoreEntry> scan_prefix(const StoreScope& scope,
                                                              std::string_view prefix,
                                                              const ScanOptions& options = {}) = 0;
    /// Applies every operation of `batch` in one transaction, or none of them. Goes through the
    /// same writer queue as apply_async (so it lands after every batch queued before it) and
    /// returns once durable.
    virtual void apply(const StoreScope& scope, const StoreBatch& batch) = 0;

    /// Queues `batch` for the writer and returns; `done` runs exactly once, on the writer
    /// thread (never inside this call), after the batch is durable or has failed alone (its
    /// group-mates are unaffected). Batches of one scope are applied and reported in the order
    /// queued. Invalid keys or values throw here and nothing is queued; so does a store whose
    /// writer has stopped. A batch queued before the store is destroyed is still reported.
    virtual void apply_async(const StoreScope& scope, StoreBatch batch, StoreDone done) = 0;

    [[nodiscard]] virtual StoreWriterStats writer_stats() const = 0;

    /// Test seam: while the returned token lives, the writer starts no new group, so batches
    /// queue up (and reads see them pending); once the last token is released the writer takes
    /// everything queued as one group. A group already being committed finishes. Destroying the
    /// store ignores holds.
    [[nodiscard]] virtual std::shared_ptr<void> hold_writer() = 0;
};

} // namespace pms::host
