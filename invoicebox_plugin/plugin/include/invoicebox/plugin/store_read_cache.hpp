// Store values the plugin read recently, kept in memory so that a hot record is served without
// a trip to the host's database: a provider that re-sends a notification for a posted link
// (InvoiceBox retries until it sees `success`, and replays happen) costs a SQLite read
// transaction per delivery otherwise, and a first delivery reads its link and its suspense key
// again after its own batch (issue 14).
//
// Coherent by construction, because the host never writes the instance's store scope on its
// own (pms/plugin_api/ext/store.h) and every write of the plugin passes here first:
// - write_started() drops each key a batch writes before the batch starts, so a cached value is
//   never older than what the plugin has written;
// - while a batch that names a key is in flight, nothing is kept for that key: the host reads
//   through pending batches (host_ports.hpp), and a batch that then fails would leave a cached
//   value that never became durable. A key no batch in flight names reads the same from the
//   database as from the pending state, and that is durable: it may be kept;
// - a batch that became durable leaves what it wrote (write_finished(…, true)) for each key no
//   later batch in flight names, so the record just written is not read back.
// A key the store does not have is kept as absent too (a paid report looks for a suspense entry
// that usually does not exist). Bounded by bytes (least recently used first out) and by an idle
// lifetime (recent_map.hpp): what is kept follows the recent deliveries, not every link ever paid.
#pragma once

#include <invoicebox/plugin/host_ports.hpp>
#include <invoicebox/plugin/pending_keys.hpp>
#include <invoicebox/plugin/recent_map.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace invoicebox::plugin {

class StoreReadCache {
  public:
    static constexpr std::size_t default_max_bytes = 4u << 20;       ///< keys + values kept
    static constexpr std::size_t default_max_value_bytes = 64u << 10; ///< larger values are not kept
    /// A value nobody read or wrote for this long is dropped: a provider's retries and replays of
    /// one notification come within minutes, and a first delivery reads back what it wrote
    /// within milliseconds (both are what the cache is for).
    static constexpr std::chrono::steady_clock::duration default_max_idle = std::chrono::minutes(5);
    using Clock = RecentMap<std::optional<std::string>>::Clock;

    explicit StoreReadCache(std::size_t max_bytes = default_max_bytes,
                            std::size_t max_value_bytes = default_max_value_bytes,
                            Clock::duration max_idle = default_max_idle,
                            std::function<Clock::time_point()> now = &Clock::now);

    /// What is kept for `key`: nullopt when nothing is, else the store's answer (a copy:
    /// callers own what store_get returns), itself nullopt for a key the store does not have.
    [[nodiscard]] std::optional<std::optional<std::string>> find(std::string_view key);
    /// Keeps what the store answered for `key` (nullopt: not there), unless a batch of ours that
    /// names `key` is in flight.
    void remember(std::string_view key, const std::optional<std::string>& value);
    /// What is kept for `key`, else what `read()` answers (then kept as remember() says). A
    /// `read` that throws keeps nothing.
    template <class Read>
    std::optional<std::string> get_through(std::string_view key, Read&& read) {
        if (auto kept = find(key))
            return std::move(*kept);
        std::optional<std::string> value = read();
        remember(key, value);
        return value;
    }
    /// Brackets every write (synchronous or not): started before it is handed over, which drops
    /// every key `ops` puts or erases and marks them in flight; finished once its outcome is
    /// known (an asynchronous batch's completion runs exactly once, failure included), with
    /// `durable` true when the write succeeded, which keeps what it wrote.
    void write_started(const std::vector<StoreOp>& ops);
    void write_finished(const std::vector<StoreOp>& ops, bool durable);

    [[nodiscard]] std::size_t entries() const;
    [[nodiscard]] std::size_t bytes() const;

  private:
    void remember_locked(std::string_view key, const std::optional<std::string>& value);

    const std::size_t max_value_bytes_;
    mutable std::mutex mutex_;
    /// By key: the store's value, nullopt for a key the store does not have.
    RecentMap<std::optional<std::string>> kept_;
    /// Keys named by the batches in flight.
    PendingKeys in_flight_;
};

} // namespace invoicebox::plugin
