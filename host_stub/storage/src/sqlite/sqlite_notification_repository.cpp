// Staff notifications on SQLite. The dedupe check and the insert share one write transaction,
// and (property_id, dedupe_key) is UNIQUE, so a key raised twice, even concurrently, stores once.
#include "repositories.hpp"

namespace pms::host::sqlite {
namespace {

const std::string notification_select =
    "SELECT id, property_id, dedupe_key, level, title, body, folio_id, source, created_at_ms, read "
    "FROM notifications ";

NotificationLevel level_from(const std::string& s) {
    if (s == "warning")
        return NotificationLevel::warning;
    if (s == "error")
        return NotificationLevel::error;
    return NotificationLevel::info;
}

Notification read_notification(const Statement& st) {
    Notification n;
    n.id = NotificationId{st.int64(0)};
    n.property = PropertyId{st.int64(1)};
    n.dedupe_key = st.text(2);
    n.level = level_from(st.text(3));
    n.title = st.text(4);
    n.body = st.text(5);
    if (auto folio = st.optional_int64(6))
        n.folio = FolioId{*folio};
    n.source = st.text(7);
    n.created_at = from_utc_ms(st.int64(8));
    n.read = st.int64(9) != 0;
    return n;
}

std::optional<std::int64_t> property_filter(std::optional<PropertyId> property) {
    if (!property)
        return std::nullopt;
    return property->value;
}

/// The dedupe check and the insert, inside the caller's write transaction.
RaiseResult raise_in(Connection& c, const NotificationDraft& d, std::int64_t now_ms) {
    if (!d.dedupe_key.empty()) {
        auto st = c.prepare(notification_select + "WHERE property_id = ?1 AND dedupe_key = ?2");
        st.bind(1, d.property.value).bind(2, std::string_view{d.dedupe_key});
        if (st.step())
            return {read_notification(st), true};
    }
    auto ins = c.prepare("INSERT INTO notifications (property_id, dedupe_key, level, title, body, "
                         "folio_id, source, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    ins.bind(1, d.property.value);
    if (d.dedupe_key.empty())
        ins.bind(2, std::nullopt);
    else
        ins.bind(2, std::string_view{d.dedupe_key});
    ins.bind(3, std::string_view{to_string(d.level)})
        .bind(4, std::string_view{d.title})
        .bind(5, std::string_view{d.body})
        .bind(6, d.folio ? std::optional<std::int64_t>{d.folio->value} : std::nullopt)
        .bind(7, std::string_view{d.source})
        .bind(8, now_ms)
        .run();
    auto st = c.prepare(notification_select + "WHERE id = ?1");
    st.bind(1, c.last_insert_rowid());
    if (!st.step())
        throw StorageError{StorageErrc::internal, "notification vanished"};
    return {read_notification(st), false};
}

void check_draft(const NotificationDraft& d) {
    if (d.title.empty())
        throw StorageError{StorageErrc::invalid_argument, "notification: empty title"};
}

} // namespace

RaiseResult SqliteNotificationRepository::raise(const NotificationDraft& d) {
    check_draft(d);
    return db_.write([&](Connection& c) { return raise_in(c, d, db_.now_ms()); });
}

void SqliteNotificationRepository::raise_async(const NotificationDraft& d, RaiseDone done) {
    check_draft(d);
    if (!done)
        throw StorageError{StorageErrc::invalid_argument, "notification: raise_async needs a completion"};
    // The result is made inside the savepoint and handed over once the group is committed.
    auto result = std::make_shared<std::optional<RaiseResult>>();
    auto job = std::make_shared<StoreWriter::Job>();
    job->write = [this, draft = d, result](Connection& c) {
        *result = std::nullopt; // a retried group starts over
        *result = raise_in(c, draft, db_.now_ms());
    };
    job->done = [result, done = std::move(done)](StoreOutcome outcome) {
        if (outcome)
            done(std::nullopt, std::move(*outcome));
        else
            done(std::move(*result), std::nullopt);
    };
    writer_.submit(std::move(job));
}

std::vector<Notification>
SqliteNotificationRepository::list_newest(std::optional<PropertyId> property, std::size_t limit) {
    return db_.read([&](Connection& c) {
        auto st = c.prepare(notification_select +
                            "WHERE (?1 IS NULL OR property_id = ?1) ORDER BY id DESC LIMIT ?2");
        st.bind(1, property_filter(property)).bind(2, sql_limit(limit));
        std::vector<Notification> out;
        while (st.step())
            out.push_back(read_notification(st));
        return out;
    });
}

std::vector<Notification>
SqliteNotificationRepository::list_since(std::optional<PropertyId> property, NotificationId after,
                                         std::size_t limit) {
    return db_.read([&](Connection& c) {
        auto st =
            c.prepare(notification_select +
                      "WHERE id > ?1 AND (?2 IS NULL OR property_id = ?2) ORDER BY id LIMIT ?3");
        st.bind(1, after.value).bind(2, property_filter(property)).bind(3, sql_limit(limit));
        std::vector<Notification> out;
        while (st.step())
            out.push_back(read_notification(st));
        return out;
    });
}

bool SqliteNotificationRepository::mark_read(NotificationId id) {
    return db_.write([&](Connection& c) {
        c.prepare("UPDATE notifications SET read = 1 WHERE id = ?1").bind(1, id.value).run();
        return c.changes() > 0;
    });
}

bool SqliteNotificationRepository::mark_read_by_dedupe_key(PropertyId property,
                                                           const std::string& dedupe_key) {
    // Through the writer, after any raise_async still queued: the alert it resolves may be one.
    auto marked = std::make_shared<bool>(false);
    auto job = std::make_shared<StoreWriter::Job>();
    job->write = [property, dedupe_key, marked](Connection& c) {
        // UNIQUE (property_id, dedupe_key): one row at most, found through its index.
        c.prepare("UPDATE notifications SET read = 1 "
                  "WHERE property_id = ?1 AND dedupe_key = ?2 AND read = 0")
            .bind(1, property.value)
            .bind(2, std::string_view{dedupe_key})
            .run();
        *marked = c.changes() > 0;
    };
    writer_.submit_and_wait(std::move(job));
    return *marked;
}

std::size_t SqliteNotificationRepository::mark_all_read(PropertyId property) {
    return db_.write([&](Connection& c) {
        c.prepare("UPDATE notifications SET read = 1 WHERE property_id = ?1 AND read = 0")
            .bind(1, property.value)
            .run();
        return static_cast<std::size_t>(c.changes());
    });
}

std::size_t SqliteNotificationRepository::unread_count(std::optional<PropertyId> property) {
    return db_.read([&](Connection& c) {
        auto st = c.prepare("SELECT count(*) FROM notifications "
                            "WHERE read = 0 AND (?1 IS NULL OR property_id = ?1)");
        st.bind(1, property_filter(property));
        st.step();
        return static_cast<std::size_t>(st.int64(0));
    });
}

} // namespace pms::host::sqlite
