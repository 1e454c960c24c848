// What the plugin keeps in memory because it was used lately, bounded twice:
// - by a budget: once the entries' cost passes it, the least recently used go first, so memory
//   is capped under any load;
// - by an idle lifetime: an entry nobody used for `max_idle` goes at the next call, so what is
//   held follows the recent traffic, not the history. Without it a budget sized for a flood
//   fills slowly at a hotel's pace and a steady host grows for hours before it levels off
//   (the soak's rule, tests/soak/README.md, 2026-12-07).
// Not thread-safe: the owner locks.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <iterator>
#include <list>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace invoicebox::plugin {

template <class Value>
class RecentMap {
  public:
    using Clock = std::chrono::steady_clock;
    /// What an entry costs against the budget (bytes, or 1 to count entries).
    using Cost = std::size_t (*)(std::string_view key, const Value& value);
    /// The Cost of a map whose budget counts entries.
    static std::size_t one_each(std::string_view, const Value&) noexcept { return 1; }

    RecentMap(std::size_t budget, Clock::duration max_idle, Cost cost,
              std::function<Clock::time_point()> now = &Clock::now)
        : budget_(budget), max_idle_(max_idle), cost_(cost), now_(std::move(now)) {}

    RecentMap(const RecentMap&) = delete; // the index views keys inside the list's nodes
    RecentMap& operator=(const RecentMap&) = delete;

    /// The value kept for `key`, now the most recently used; nullptr when nothing is (or it was
    /// idle too long). Valid until the next call that changes the map.
    Value* find(std::string_view key) {
        const auto now = now_();
        expire(now);
        const auto it = index_.find(key);
        if (it == index_.end())
            return nullptr;
        it->second->used = now;
        entries_.splice(entries_.begin(), entries_, it->second);
        return &it->second->value;
    }

    /// Keeps `value` for `key` in place of what was kept, unless it alone is over the budget.
    void put(std::string_view key, Value value) {
        const auto now = now_();
        erase(key);
        expire(now);
        const std::size_t cost = cost_(key, value);
        if (cost > budget_)
            return;
        entries_.push_front(Entry{std::string{key}, std::move(value), now, cost});
        index_.emplace(entries_.front().key, entries_.begin());
        total_ += cost;
        while (total_ > budget_)
            erase_entry(std::prev(entries_.end()));
    }

    /// Drops what is kept for `key`; whether anything was.
    bool erase(std::string_view key) {
        const auto it = index_.find(key);
        if (it == index_.end())
            return false;
        erase_entry(it->second);
        return true;
    }

    void clear() noexcept {
        index_.clear();
        entries_.clear();
        total_ = 0;
    }

    [[nodiscard]] std::size_t size() const noexcept { return index_.size(); }
    /// The kept entries' cost, in the budget's unit.
    [[nodiscard]] std::size_t cost() const noexcept { return total_; }

  private:
    struct Entry {
        std::string key;
        Value value;
        Clock::time_point used;
        std::size_t cost;
    };
    using Entries = std::list<Entry>; ///< most recently used first; nodes never move

    void expire(Clock::time_point now) {
        while (!entries_.empty() && now - entries_.back().used >= max_idle_)
            erase_entry(std::prev(entries_.end()));
    }

    void erase_entry(typename Entries::iterator entry) {
        total_ -= entry->cost;
        index_.erase(std::string_view{entry->key}); // the index's key views this node: it goes first
        entries_.erase(entry);
    }

    const std::size_t budget_;
    const Clock::duration max_idle_;
    const Cost cost_;
    const std::function<Clock::time_point()> now_;
    Entries entries_;
    std::map<std::string_view, typename Entries::iterator> index_;
    std::size_t total_ = 0;
};

} // namespace invoicebox::plugin
