// Store values the plugin read recently, kept in memory so that a hot record is served without
// a trip to the host's database: a provider that re-sends a notification for a posted link
// (InvoiceBox retries until it sees `success`, and replays happen) costs a SQLite read
// transaction per delivery otherwise (issue 14).
//
// Coherent by construction, because the host never writes the instance's store scope on its
// own (pms/plugin_api/ext/store.h) and every write of the plugin passes here first:
// - forget() drops each key a batch writes before the batch starts, so a cached value is never
//   older than what the plugin has written;
// - a value read while one of our asynchronous batches is still in flight is not kept: the host
//   reads through pending batches (host_ports.hpp), and a batch that then fails would leave a
//   cached value that never became durable. Once none is in flight, what the store answers is
//   durable, and may be kept.
// A key the store does not have is kept as absent too (a paid report looks for a suspense entry
// that usually does not exist). Bounded by bytes, least recently used first out.
#pragma once

#include <invoicebox/plugin/host_ports.hpp>

#include <cstddef>
#include <list>
#include <map>
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

    explicit StoreReadCache(std::size_t max_bytes = default_max_bytes,
                            std::size_t max_value_bytes = default_max_value_bytes);

    /// What is kept for `key`: nullopt when nothing is, else the store's answer (a copy:
    /// callers own what store_get returns), itself nullopt for a key the store does not have.
    [[nodiscard]] std::optional<std::optional<std::string>> find(std::string_view key);
    /// Keeps what the store answered for `key` (nullopt: not there), unless a batch of ours is
    /// in flight.
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
    /// Drops every key `ops` puts or erases. Call before the write starts.
    void forget(const std::vector<StoreOp>& ops);
    /// Brackets an asynchronous batch: started before it is handed over, finished from its
    /// completion (which runs exactly once, failure included).
    void write_started();
    void write_finished();

    [[nodiscard]] std::size_t entries() const;
    [[nodiscard]] std::size_t bytes() const;

  private:
    struct Entry {
        std::string key;
        std::optional<std::string> value; ///< nullopt: the store has no such key
    };
    using Lru = std::list<Entry>; ///< most recently used first
    /// By key, viewing the key of its list entry (list nodes never move).
    using Index = std::map<std::string_view, Lru::iterator>;
    void erase_locked(Index::iterator it);

    const std::size_t max_bytes_;
    const std::size_t max_value_bytes_;
    mutable std::mutex mutex_;
    Lru lru_;
    Index by_key_;
    std::size_t bytes_ = 0;
    std::size_t writes_in_flight_ = 0;
};

} // namespace invoicebox::plugin
