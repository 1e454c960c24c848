// The audit log on SQLite: INSERT only; triggers refuse UPDATE and DELETE.
#include "repositories.hpp"

namespace pms::host::sqlite {

AuditEntryId append_audit(Connection& c, const AuditDraft& d, std::int64_t now_ms) {
    if (d.actor.empty() || d.action.empty())
        throw StorageError{StorageErrc::invalid_argument, "audit: empty actor or action"};
    const std::string_view details =
        d.details_json.empty() ? std::string_view{"{}"} : std::string_view{d.details_json};
    c.require_json(details, "audit details");
    c.prepare("INSERT INTO audit_log (at_ms, actor, actor_name, action, subject, details_json, "
              "property_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(1, now_ms)
        .bind(2, std::string_view{d.actor})
        .bind(3, std::string_view{d.actor_name})
        .bind(4, std::string_view{d.action})
        .bind(5, std::string_view{d.subject})
        .bind(6, details)
        .bind(7, d.property ? std::optional<std::int64_t>{d.property->value} : std::nullopt)
        .run();
    return AuditEntryId{c.last_insert_rowid()};
}

AuditEntryId SqliteAuditLog::append(const AuditDraft& d) {
    if (d.actor.empty() || d.action.empty())
        throw StorageError{StorageErrc::invalid_argument, "audit: empty actor or action"};
    return db_.write([&](Connection& c) { return append_audit(c, d, db_.now_ms()); });
}

std::vector<AuditEntry> SqliteAuditLog::list(const AuditQuery& q) {
    return db_.read([&](Connection& c) {
        auto st =
            c.prepare("SELECT id, actor, actor_name, action, subject, details_json, property_id, "
                      "at_ms FROM audit_log WHERE (?1 IS NULL OR property_id = ?1) "
                      "AND (?2 IS NULL OR subject = ?2) AND (?3 = 0 OR id < ?3) "
                      "ORDER BY id DESC LIMIT ?4");
        st.bind(1, q.property ? std::optional<std::int64_t>{q.property->value} : std::nullopt);
        if (q.subject)
            st.bind(2, std::string_view{*q.subject});
        else
            st.bind(2, std::nullopt);
        st.bind(3, q.before.value).bind(4, sql_limit(q.limit));
        std::vector<AuditEntry> out;
        while (st.step()) {
            AuditEntry e;
            e.id = AuditEntryId{st.int64(0)};
            e.actor = st.text(1);
            e.actor_name = st.text(2);
            e.action = st.text(3);
            e.subject = st.text(4);
            e.details_json = st.text(5);
            if (auto p = st.optional_int64(6))
                e.property = PropertyId{*p};
            e.at = from_utc_ms(st.int64(7));
            out.push_back(std::move(e));
        }
        return out;
    });
}

} // namespace pms::host::sqlite
