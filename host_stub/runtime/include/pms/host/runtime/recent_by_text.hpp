// The last few results of a pure function of a large text (and a small tag), kept by the exact
// text. The host answers many view sessions with the same view at once (a refresh reaches every
// open dialog of a folio: 200 at once in issue 14's storm), and validating or gating one means
// parsing ~60 KB of JSON; with this the same text is parsed once. A hit compares the whole text,
// never a hash, so two different views can never share a result. Thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pms::host {

template <class Tag, class Value, std::size_t Capacity = 4>
class RecentByText {
    static_assert(Capacity > 0);

  public:
    /// The value remembered for `tag` and exactly `text`, if any.
    [[nodiscard]] std::optional<Value> find(const Tag& tag, std::string_view text) const {
        std::lock_guard lock{mutex_};
        for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
            if (it->tag == tag && it->text == text)
                return it->value;
        return std::nullopt;
    }

    /// Remembers `value` for `tag` and `text`, forgetting the oldest entry when full.
    void add(Tag tag, std::string_view text, Value value) {
        std::lock_guard lock{mutex_};
        if (entries_.size() >= Capacity)
            entries_.erase(entries_.begin());
        entries_.push_back(Entry{std::move(tag), std::string{text}, std::move(value)});
    }

  private:
    struct Entry {
        Tag tag;
        std::string text;
        Value value;
    };
    mutable std::mutex mutex_;
    std::vector<Entry> entries_; ///< oldest first
};

} // namespace pms::host
