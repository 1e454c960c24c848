// See store_scan_mirror.hpp for why the copy is coherent.
#include <invoicebox/plugin/store_scan_mirror.hpp>

namespace invoicebox::plugin {

namespace {

/// A std::map node with two std::string members and its allocation, roughly, on 64-bit glibc.
constexpr std::size_t per_entry_overhead = 112;

} // namespace

StoreScanMirror::StoreScanMirror(std::string prefix, std::size_t max_bytes, Clock::duration max_idle,
                                 std::function<Clock::time_point()> now)
    : prefix_(std::move(prefix)), max_bytes_(max_bytes), max_idle_(max_idle), now_(std::move(now)) {}

std::size_t StoreScanMirror::cost(std::string_view key, std::string_view value) noexcept {
    return key.size() + value.size() + per_entry_overhead;
}

bool StoreScanMirror::inside(std::string_view key) const noexcept {
    return key.starts_with(prefix_);
}

void StoreScanMirror::drop_locked() {
    whole_ = false;
    entries_.clear();
    bytes_ = 0;
}

void StoreScanMirror::expire_locked(Clock::time_point now) {
    if (whole_ && now - used_ >= max_idle_)
        drop_locked();
}

void StoreScanMirror::scan(std::string_view scan_prefix, const Visit& visit, const StoreScan& store_scan) {
    if (!inside(scan_prefix)) {
        store_scan(visit);
        return;
    }
    std::vector<std::pair<std::string, std::string>> copy;
    bool from_memory = false;
    std::uint64_t generation = 0;
    {
        std::lock_guard lock{mutex_};
        const auto now = now_();
        expire_locked(now);
        if (whole_ && in_flight_.empty()) {
            from_memory = true;
            used_ = now;
            for (auto it = entries_.lower_bound(scan_prefix); it != entries_.end() && it->first.starts_with(scan_prefix);
                 ++it)
                copy.emplace_back(it->first, it->second);
        }
        generation = generation_;
    }
    if (from_memory) {
        for (const auto& [key, value] : copy)
            if (!visit(key, value))
                break;
        return;
    }

    // Through the store; a scan of the whole prefix that reaches its end may become the copy.
    const bool whole_prefix = scan_prefix == prefix_;
    bool keep = whole_prefix;
    bool stopped = false;
    Entries seen;
    std::size_t bytes = 0;
    store_scan([&](std::string_view key, std::string_view value) {
        if (keep) {
            bytes += cost(key, value);
            if (bytes > max_bytes_) {
                keep = false;
                seen.clear();
            } else {
                seen.emplace_hint(seen.end(), key, value);
            }
        }
        if (!visit(key, value)) {
            stopped = true;
            return false;
        }
        return true;
    });
    if (!keep || stopped)
        return;
    std::lock_guard lock{mutex_};
    if (generation_ != generation || !in_flight_.empty())
        return;
    entries_ = std::move(seen);
    bytes_ = bytes;
    whole_ = true;
    used_ = now_();
}

void StoreScanMirror::write_started(const std::vector<StoreOp>& ops) {
    std::lock_guard lock{mutex_};
    for (const auto& op : ops) {
        if (!inside(op.key))
            continue;
        in_flight_.add(op.key);
        ++generation_;
    }
}

void StoreScanMirror::write_finished(const std::vector<StoreOp>& ops, bool durable) {
    std::lock_guard lock{mutex_};
    bool touched = false;
    for (const auto& op : ops) {
        if (!inside(op.key))
            continue;
        touched = true;
        ++generation_;
        in_flight_.remove(op.key);
    }
    if (!touched)
        return;
    bool named_by_later_batch = false;
    for (const auto& op : ops)
        named_by_later_batch = named_by_later_batch || (inside(op.key) && in_flight_.contains(op.key));
    expire_locked(now_());
    if (!whole_)
        return;
    if (!durable || named_by_later_batch) {
        drop_locked();
        return;
    }
    // In order, so that the last operation on a key is what stays.
    for (const auto& op : ops) {
        if (!inside(op.key))
            continue;
        const auto it = entries_.find(op.key);
        if (it != entries_.end()) {
            bytes_ -= cost(it->first, it->second);
            entries_.erase(it);
        }
        if (op.kind == StoreOp::Kind::put) {
            bytes_ += cost(op.key, op.value);
            entries_.emplace(op.key, op.value);
        }
    }
    if (bytes_ > max_bytes_)
        drop_locked();
}

bool StoreScanMirror::holds_copy() const {
    std::lock_guard lock{mutex_};
    return whole_;
}

std::size_t StoreScanMirror::entries() const {
    std::lock_guard lock{mutex_};
    return entries_.size();
}

std::size_t StoreScanMirror::bytes() const {
    std::lock_guard lock{mutex_};
    return bytes_;
}

} // namespace invoicebox::plugin
