// A whole copy in memory of the plugin's store entries under one key prefix, so that a scan the
// plugin repeats (the poller reads the open-link index at the start of every pass) costs no
// trip to the host's database. Measured on a poll pass over 3,000 open links (bench/README.md,
// 2026-12-07): the index scan was ~27 % of the host's CPU in the pass. The index rows are small
// but sit between the link records in the host's table, so the scan visits about one database
// page per open link, and a reader connection re-reads those pages every time (its cache is
// small on purpose and WAL drops it after each commit: host_stub/storage, connection.cpp).
//
// Coherent for the same reasons as the read cache (store_read_cache.hpp): the host never writes
// the instance's store scope on its own, and every write of the plugin is bracketed here.
// - The copy is taken from a scan of the whole prefix, and kept only when the scan went to its
//   end and no write into the prefix started or finished meanwhile (the host's scan reads
//   through pending batches, which may yet fail).
// - It holds what is durable: a batch's operations are applied once the batch is durable. While
//   any write into the prefix is in flight, scans go to the store (which shows the pending
//   batch), so a scan never misses what the plugin has just written.
// - Anything unusual drops the whole copy, and the next full scan takes it again: a failed
//   batch, a durable batch whose key a later batch in flight also names (which of the two the
//   store applied last is the store's business), a copy over its budget.
// - Bounded by bytes (a copy that would pass `max_bytes` is not kept) and by an idle lifetime: a
//   copy no scan used for `max_idle` is dropped at the next call (the poller scans every
//   minute by default; writes alone do not keep it).
// Thread-safe (one mutex); the visitor runs outside it, on a copy of the range, so it may call
// back into the store.
#pragma once

#include <invoicebox/plugin/host_ports.hpp>
#include <invoicebox/plugin/pending_keys.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace invoicebox::plugin {

class StoreScanMirror {
  public:
    static constexpr std::size_t default_max_bytes = 8u << 20; ///< keys + values + per-entry overhead
    static constexpr std::chrono::steady_clock::duration default_max_idle = std::chrono::minutes(5);
    using Clock = std::chrono::steady_clock;
    using Visit = std::function<bool(std::string_view key, std::string_view value)>;
    /// What a scan of the store does: visit its entries under the prefix in key order until the
    /// visitor answers false.
    using StoreScan = std::function<void(const Visit&)>;

    explicit StoreScanMirror(std::string prefix, std::size_t max_bytes = default_max_bytes,
                             Clock::duration max_idle = default_max_idle,
                             std::function<Clock::time_point()> now = &Clock::now);

    /// Scans `scan_prefix`: from the copy when `scan_prefix` lies inside the mirrored prefix, the
    /// copy is whole and no write into it is in flight; otherwise through `store_scan`, taking
    /// the copy from it when it scanned the whole mirrored prefix (see above). An exception of
    /// `store_scan` or of `visit` propagates and keeps nothing.
    void scan(std::string_view scan_prefix, const Visit& visit, const StoreScan& store_scan);

    /// Bracket every write, as StoreReadCache's do: started before the batch is handed over,
    /// finished exactly once with its outcome (`durable`: the batch succeeded).
    void write_started(const std::vector<StoreOp>& ops);
    void write_finished(const std::vector<StoreOp>& ops, bool durable);

    [[nodiscard]] const std::string& prefix() const noexcept { return prefix_; }
    /// Whether a whole copy is held now (scans of the prefix are then answered from memory).
    [[nodiscard]] bool holds_copy() const;
    [[nodiscard]] std::size_t entries() const;
    [[nodiscard]] std::size_t bytes() const;

  private:
    using Entries = std::map<std::string, std::string, std::less<>>;
    [[nodiscard]] bool inside(std::string_view key) const noexcept;
    void drop_locked();
    void expire_locked(Clock::time_point now);
    static std::size_t cost(std::string_view key, std::string_view value) noexcept;

    const std::string prefix_;
    const std::size_t max_bytes_;
    const Clock::duration max_idle_;
    const std::function<Clock::time_point()> now_;

    mutable std::mutex mutex_;
    bool whole_ = false; ///< entries_ is the durable content of the prefix
    Entries entries_;
    std::size_t bytes_ = 0;
    Clock::time_point used_{};
    /// Bumped by every write into the prefix that starts or finishes: a scan through the store
    /// is kept only if it did not move meanwhile.
    std::uint64_t generation_ = 0;
    /// Keys inside the prefix named by batches in flight.
    PendingKeys in_flight_;
};

} // namespace invoicebox::plugin
