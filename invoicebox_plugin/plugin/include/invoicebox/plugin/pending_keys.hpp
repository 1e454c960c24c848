// PendingKeys: the store keys named by write batches in flight, each with how many batches name
// it. What the plugin keeps of the store in memory (store_read_cache.hpp, store_scan_mirror.hpp)
// must not take a key's value while a batch that names it may still fail or change it; both
// count the batches the same way through this. Not locked: its owner's mutex guards it.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace invoicebox::plugin {

class PendingKeys {
  public:
    /// A batch naming `key` started.
    void add(std::string_view key) {
        const auto it = count_.find(key);
        if (it == count_.end())
            count_.emplace(std::string(key), 1);
        else
            ++it->second;
    }
    /// A batch naming `key` finished (durable or not).
    void remove(std::string_view key) {
        const auto it = count_.find(key);
        if (it != count_.end() && --it->second == 0)
            count_.erase(it);
    }
    [[nodiscard]] bool contains(std::string_view key) const { return count_.find(key) != count_.end(); }
    [[nodiscard]] bool empty() const noexcept { return count_.empty(); }

  private:
    std::map<std::string, std::size_t, std::less<>> count_;
};

} // namespace invoicebox::plugin
