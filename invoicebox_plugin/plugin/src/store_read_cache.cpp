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
    if (writes_in_flight_ != 0 || (value && value->size() > max_value_bytes_) || cost(key, value) > max_bytes_)
        return;
    if (const auto it = by_key_.find(key); it != by_key_.end())
        erase_locked(it);
    lru_.push_front(Entry{std::string{key}, value});
    by_key_.emplace(lru_.front().key, lru_.begin());
    bytes_ += cost(lru_.front().key, lru_.front().value);
    while (bytes_ > max_bytes_)
        erase_locked(by_key_.find(lru_.back().key));
}

void StoreReadCache::forget(const std::vector<StoreOp>& ops) {
    std::lock_guard lock{mutex_};
    for (const auto& op : ops)
        if (const auto it = by_key_.find(op.key); it != by_key_.end())
            erase_locked(it);
}

void StoreReadCache::write_started() {
    std::lock_guard lock{mutex_};
    ++writes_in_flight_;
}

void StoreReadCache::write_finished() {
    std::lock_guard lock{mutex_};
    if (writes_in_flight_ > 0)
        --writes_in_flight_;
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
