// pms.notify/1: staff notifications stored with a dedupe key scoped to the instance
// ("<plugin-id>:<key>" within the property) and fanned out to live subscribers.
#include "service_support.hpp"
#include "services.hpp"

namespace pms::host::detail {
namespace {

NotificationLevel level_of(pms_notify_level level) {
    switch (level) {
    case PMS_NOTIFY_INFO:
    case PMS_NOTIFY_SUCCESS:
        return NotificationLevel::info;
    case PMS_NOTIFY_ERROR:
        return NotificationLevel::error;
    default:
        return NotificationLevel::warning; // PMS_NOTIFY_WARNING and unknown values
    }
}

pms_status notify_raise(const pms_host* host, const pms_staff_notification* n) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || n == nullptr ||
            n->struct_size < offsetof(pms_staff_notification, folio_id) + sizeof(n->folio_id))
            return PMS_INVALID_ARGUMENT;
        if (!valid(n->dedupe_key) || !valid(n->title) || !valid(n->body) || !valid(n->folio_id) ||
            n->dedupe_key.len == 0 || n->title.len == 0)
            return PMS_INVALID_ARGUMENT;
        NotificationDraft draft;
        draft.property = inst->property;
        draft.dedupe_key = inst->plugin_id + ":" + std::string{view_of(n->dedupe_key)};
        draft.level = level_of(n->level);
        draft.title = std::string{view_of(n->title)};
        draft.body = std::string{view_of(n->body)};
        draft.source = inst->plugin_id;
        if (n->folio_id.len != 0) {
            const auto folio = parse_id(view_of(n->folio_id));
            if (!folio)
                return PMS_INVALID_ARGUMENT;
            draft.folio = FolioId{*folio};
        }
        auto& notifications = inst->rt.storage.notifications();
        // Queued behind the plugin store's writer (issue 14): the strand does not wait for an
        // fsync, the alert commits with whatever else waits, and before any store batch the
        // plugin starts after this call (so an outbox entry removed after raising it never
        // outlives a lost alert). It is an operation of the instance: the drain waits for it,
        // and staff see it (live event) from the strand once it is durable.
        const std::uint64_t id = inst->ops.begin(OperationRegistry::CancelMode::before_start, [] {});
        if (id == 0) {
            // Draining: no new operation, so the synchronous road.
            const RaiseResult r = notifications.raise(draft);
            inst->rt.publish_notification(r.notification, r.duplicate);
            return PMS_OK;
        }
        inst->ops.mark_started(id);
        try {
            notifications.raise_async(
                draft, [weak = inst->weak_from_this(), id](std::optional<RaiseResult> r,
                                                           std::optional<StorageError> e) {
                    auto self = weak.lock();
                    if (!self)
                        return;
                    self->ops.complete(id, [weak, r = std::move(r), e = std::move(e)] {
                        auto inst = weak.lock();
                        if (!inst)
                            return;
                        if (r)
                            inst->rt.publish_notification(r->notification, r->duplicate);
                        else
                            inst->log(LogLevel::error,
                                      std::string{"staff notification not stored: "} +
                                          (e ? e->what() : "unknown error"));
                    });
                });
        } catch (...) {
            inst->ops.complete(id, {}); // not queued: nothing to deliver
            throw;
        }
        return PMS_OK;
    } catch (const StorageError& e) {
        return e.errc() == StorageErrc::invalid_argument || e.errc() == StorageErrc::not_found
                   ? PMS_INVALID_ARGUMENT
                   : PMS_STORAGE_ERROR;
    } catch (...) {
        return PMS_STORAGE_ERROR;
    }
}

pms_status notify_resolve(const pms_host* host, pms_str dedupe_key) noexcept {
    try {
        Instance* inst = Instance::from_host(host);
        if (inst == nullptr || !valid(dedupe_key) || dedupe_key.len == 0)
            return PMS_INVALID_ARGUMENT;
        const std::string key = inst->plugin_id + ":" + std::string{view_of(dedupe_key)};
        // Resolving marks the notification read, which takes it out of the unread count the
        // staff UI shows. A lookup by its unique dedupe key: an alert of any age is found, and
        // the cost does not grow with the number of notifications.
        return inst->rt.storage.notifications().mark_read_by_dedupe_key(inst->property, key)
                   ? PMS_OK
                   : PMS_NOT_FOUND;
    } catch (...) {
        return PMS_NOT_FOUND;
    }
}

constexpr pms_host_notify table{&notify_raise, &notify_resolve};

} // namespace

const pms_host_notify* notify_service() noexcept {
    return &table;
}

} // namespace pms::host::detail
