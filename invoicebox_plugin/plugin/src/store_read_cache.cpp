// See store_read_cache.hpp for why the cache is coherent.
#include <invoicebox/plugin/store_read_cache.hpp>

namespace invoicebox::plugin {

namespace {

std::size_t cost(std::string_view key, const std::optional<std::string>& value) {
    return key.size() + (value ? value->size() : 0);
}

} // namespace

StoreReadCache::StoreReadCache(std::size_t max_bytes, std::size_t max_value_bytes, Clock::duration max_idle,
                               std::function<Clock::time_point()> now)
    : max_value_bytes_(max_value_bytes), kept_(max_bytes, max_idle, &cost, std::move(now)) {}

std::optional<std::optional<std::string>> StoreReadCache::find(std::string_view key) {
    std::lock_guard lock{mutex_};
    if (const auto* value = kept_.find(key))
        return *value;
    return std::nullopt;
}

void StoreReadCache::remember(std::string_view key, const std::optional<std::string>& value) {
    std::lock_guard lock{mutex_};
    if (!in_flight_.contains(key))
        remember_locked(key, value);
}

void StoreReadCache::remember_locked(std::string_view key, const std::optional<std::string>& value) {
    if (value && value->size() > max_value_bytes_) {
        kept_.erase(key); // whatever was kept is older than this value
        return;
    }
    kept_.put(key, value);
}

void StoreReadCache::write_started(const std::vector<StoreOp>& ops) {
    std::lock_guard lock{mutex_};
    for (const auto& op : ops) {
        kept_.erase(op.key);
        in_flight_.add(op.key);
    }
}

void StoreReadCache::write_finished(const std::vector<StoreOp>& ops, bool durable) {
    std::lock_guard lock{mutex_};
    for (const auto& op : ops)
        in_flight_.remove(op.key);
    if (!durable)
        return;
    // In order, so that the last operation on a key is what stays; a key that a later batch in
    // flight names keeps nothing (that batch may yet fail, or change it).
    for (const auto& op : ops) {
        if (in_flight_.contains(op.key))
            continue;
        if (op.kind == StoreOp::Kind::put)
            remember_locked(op.key, op.value);
        else
            remember_locked(op.key, std::nullopt);
    }
}

std::size_t StoreReadCache::entries() const {
    std::lock_guard lock{mutex_};
    return kept_.size();
}

std::size_t StoreReadCache::bytes() const {
    std::lock_guard lock{mutex_};
    return kept_.cost();
}

} // namespace invoicebox::plugin
