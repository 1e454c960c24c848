// See store_read_cache.hpp for why the cache is coherent.
#include <invoicebox/plugin/store_read_cache.hpp>

namespace invoicebox::plugin {

namespace {

std::size_t cost(std::string_view key, const std::optional<std::string>& value) {
    return key.size() + (value ? value->size() : 0);
}

} // namespace

StoreReadCache::StoreReadCache(std::size_t max_bytes, std::size_t max_value_bytes)
    : max_bytes_(max_bytes), max_value_bytes_(max_value_bytes) {}

std::optional<std::optional<std::string>> StoreReadCache::find(std::string_view key) {
    std::lock_guard lock{mutex_};
    const auto it = by_key_.find(key);
    if (it == by_key_.end())
        return std::nullopt;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->value;
}

void StoreReadCache::remember(std::string_view key, const std::optional<std::string>& value) {
    std::lock_guard lock{mutex_};
    if (in_flight_.find(key) == in_flight_.end())
        remember_locked(key, value);
}

void StoreReadCache::remember_locked(std::string_view key, const std::optional<std::string>& value) {
    if ((value && value->size() > max_value_bytes_) || cost(key, value) > max_bytes_)
        return;
    if (const auto it = by_key_.find(key); it != by_key_.end())
        erase_locked(it);
    lru_.push_front(Entry{std::string{key}, value});
    by_key_.emplace(lru_.front().key, lru_.begin());
    bytes_ += cost(lru_.front().key, lru_.front().value);
    while (bytes_ > max_bytes_)
        erase_locked(by_key_.find(lru_.back().key));
}

void StoreReadCache::write_started(const std::vector<StoreOp>& ops) {
    std::lock_guard lock{mutex_};
    for (const auto& op : ops) {
        if (const auto it = by_key_.find(op.key); it != by_key_.end())
            erase_locked(it);
        ++in_flight_[op.key];
    }
}

void StoreReadCache::write_finished(const std::vector<StoreOp>& ops, bool durable) {
    std::lock_guard lock{mutex_};
    for (const auto& op : ops) {
        const auto it = in_flight_.find(op.key);
        if (it != in_flight_.end() && --it->second == 0)
            in_flight_.erase(it);
    }
    if (!durable)
        return;
    // In order, so that the last operation on a key is what stays; a key that a later batch in
    // flight names keeps nothing (that batch may yet fail, or change it).
    for (const auto& op : ops) {
        if (in_flight_.find(op.key) != in_flight_.end())
            continue;
        if (op.kind == StoreOp::Kind::put)
            remember_locked(op.key, op.value);
        else
            remember_locked(op.key, std::nullopt);
    }
}

std::size_t StoreReadCache::entries() const {
    std::lock_guard lock{mutex_};
    return by_key_.size();
}

std::size_t StoreReadCache::bytes() const {
    std::lock_guard lock{mutex_};
    return bytes_;
}

void StoreReadCache::erase_locked(Index::iterator it) {
    bytes_ -= cost(it->second->key, it->second->value);
    const auto entry = it->second;
    by_key_.erase(it); // the index views the entry's key: it goes first
    lru_.erase(entry);
}

} // namespace invoicebox::plugin
