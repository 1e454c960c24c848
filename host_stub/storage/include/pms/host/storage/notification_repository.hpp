// Staff notifications behind `pms.notify/1`: persisted, deduplicated per property by a key,
// listed newest first for the page and "since id" for the live event stream.
#pragma once

#include "pms/host/storage/clock.hpp"
#include "pms/host/storage/errors.hpp"
#include "pms/host/storage/ids.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pms::host {

enum class NotificationLevel { info, warning, error };

struct NotificationDraft {
    PropertyId property;
    /// Raising the same non-empty key twice in a property stores one notification.
    /// Empty = never deduplicated.
    std::string dedupe_key;
    NotificationLevel level = NotificationLevel::info;
    std::string title;
    std::string body;
    std::optional<FolioId> folio;
    std::string source; ///< plugin id or "host"
};

struct Notification {
    NotificationId id;
    PropertyId property;
    std::string dedupe_key;
    NotificationLevel level = NotificationLevel::info;
    std::string title;
    std::string body;
    std::optional<FolioId> folio;
    std::string source;
    UtcTime created_at;
    bool read = false;
};

struct RaiseResult {
    Notification notification; ///< the stored one (the first, for a duplicate)
    bool duplicate = false;
};

[[nodiscard]] const char* to_string(NotificationLevel level) noexcept;

/// Thread-safe. Throws `StorageError` on failure.
class NotificationRepository {
  public:
    virtual ~NotificationRepository() = default;

    virtual RaiseResult raise(const NotificationDraft& draft) = 0;
    /// The outcome of raise_async: the stored notification, or why nothing was stored.
    using RaiseDone = std::function<void(std::optional<RaiseResult>, std::optional<StorageError>)>;
    /// raise() without waiting for the commit (pms.notify/1, issue 14): the draft is checked
    /// here (invalid ones throw, nothing queued) and queued behind the plugin store's writer, so
    /// it is committed together with whatever else waits (group commit) and before every
    /// plugin-store batch queued after this call. `done` runs exactly once on the writer thread
    /// (post anything more elsewhere), after the notification is durable or failed.
    virtual void raise_async(const NotificationDraft& draft, RaiseDone done) = 0;
    /// Newest first; `property` absent = all properties.
    [[nodiscard]] virtual std::vector<Notification> list_newest(std::optional<PropertyId> property,
                                                                std::size_t limit) = 0;
    /// Ids greater than `after`, oldest first, for pushing what a live client has not seen.
    [[nodiscard]] virtual std::vector<Notification>
    list_since(std::optional<PropertyId> property, NotificationId after, std::size_t limit) = 0;
    /// Returns whether the notification exists.
    virtual bool mark_read(NotificationId id) = 0;
    /// Marks the unread notification of `property` with `dedupe_key` read (a direct lookup by the
    /// unique key, whatever its age). Returns whether one was unread. Takes its place after every
    /// raise_async queued before it (a resolve never overtakes its own raise).
    virtual bool mark_read_by_dedupe_key(PropertyId property, const std::string& dedupe_key) = 0;
    /// Marks every unread notification of `property` read in one statement; returns how many.
    virtual std::size_t mark_all_read(PropertyId property) = 0;
    [[nodiscard]] virtual std::size_t unread_count(std::optional<PropertyId> property) = 0;
};

} // namespace pms::host
