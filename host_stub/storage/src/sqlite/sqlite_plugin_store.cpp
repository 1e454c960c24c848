// pms.store/1 on SQLite. Prefix scans are key ranges on BLOB keys, never LIKE/GLOB, so `%`, `_`
// and bytes >= 0x80 are ordinary: [prefix, successor(prefix)) where the successor drops trailing
// 0xFF bytes and increments the last byte. (A bound of prefix+"\xFF" would miss the key
// prefix+"\xFF\x01".)
#include "../failpoint.hpp"
#include "repositories.hpp"

#include <algorithm>

namespace pms::host::sqlite {
namespace {

void check_scope(const StoreScope& scope) {
    if (scope.plugin_id.empty())
        throw StorageError{StorageErrc::invalid_argument, "store: empty plugin id"};
}

void check_key(std::string_view key) {
    if (key.empty() || key.size() > PluginStore::max_key_size)
        throw StorageError{StorageErrc::invalid_argument,
                           "store: key must be 1.." + std::to_string(PluginStore::max_key_size) +
                               " bytes"};
}

void check_value(std::string_view value) {
    if (value.size() > PluginStore::max_value_size)
        throw StorageError{StorageErrc::invalid_argument, "store: value too large"};
}

/// The smallest byte string greater than every string starting with `prefix`; none when the
/// prefix is empty or all 0xFF (then the range is open-ended).
std::optional<StoreBytes> prefix_successor(std::string_view prefix) {
    StoreBytes s{prefix};
    while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xFF)
        s.pop_back();
    if (s.empty())
        return std::nullopt;
    s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
    return s;
}

void put_row(Connection& c, const StoreScope& scope, std::string_view key, std::string_view value,
             std::int64_t now_ms) {
    c.prepare("INSERT INTO plugin_store (plugin_id, property_id, key, value, updated_at_ms) "
              "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (plugin_id, property_id, key) "
              "DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms")
        .bind(1, std::string_view{scope.plugin_id})
        .bind(2, scope.property.value)
        .bind(3, Blob{key})
        .bind(4, Blob{value})
        .bind(5, now_ms)
        .run();
}

bool erase_row(Connection& c, const StoreScope& scope, std::string_view key) {
    c.prepare("DELETE FROM plugin_store WHERE plugin_id = ?1 AND property_id = ?2 AND key = ?3")
        .bind(1, std::string_view{scope.plugin_id})
        .bind(2, scope.property.value)
        .bind(3, Blob{key})
        .run();
    return c.changes() > 0;
}

} // namespace

std::optional<StoreBytes> SqlitePluginStore::get(const StoreScope& scope, std::string_view key) {
    check_scope(scope);
    check_key(key);
    return db_.read([&](Connection& c) -> std::optional<StoreBytes> {
        auto st = c.prepare("SELECT value FROM plugin_store "
                            "WHERE plugin_id = ?1 AND property_id = ?2 AND key = ?3");
        st.bind(1, std::string_view{scope.plugin_id})
            .bind(2, scope.property.value)
            .bind(3, Blob{key});
        if (!st.step())
            return std::nullopt;
        return st.blob(0);
    });
}

void SqlitePluginStore::put(const StoreScope& scope, std::string_view key, std::string_view value) {
    check_scope(scope);
    check_key(key);
    check_value(value);
    db_.write([&](Connection& c) { put_row(c, scope, key, value, db_.now_ms()); });
}

bool SqlitePluginStore::erase(const StoreScope& scope, std::string_view key) {
    check_scope(scope);
    check_key(key);
    return db_.write([&](Connection& c) { return erase_row(c, scope, key); });
}

std::vector<StoreEntry> SqlitePluginStore::scan_prefix(const StoreScope& scope,
                                                       std::string_view prefix,
                                                       const ScanOptions& options) {
    check_scope(scope);
    // Lower bound: the prefix itself, or just after `start_after` when that is further on.
    StoreBytes lower{prefix};
    bool lower_exclusive = false;
    if (options.start_after && *options.start_after >= lower) {
        lower = *options.start_after;
        lower_exclusive = true;
    }
    const auto upper = prefix_successor(prefix);
    if (upper && lower >= *upper)
        return {};

    // Four fixed statements (cached), so that both bounds use the primary key's range search.
    std::string sql =
        "SELECT key, value FROM plugin_store WHERE plugin_id = ?1 AND property_id = ?2";
    sql += lower_exclusive ? " AND key > ?3" : " AND key >= ?3";
    if (upper)
        sql += " AND key < ?4";
    sql += " ORDER BY key LIMIT ?5";

    return db_.read([&](Connection& c) {
        auto st = c.prepare(sql);
        st.bind(1, std::string_view{scope.plugin_id})
            .bind(2, scope.property.value)
            .bind(3, Blob{lower});
        if (upper)
            st.bind(4, Blob{*upper});
        st.bind(5, sql_limit(options.limit));
        std::vector<StoreEntry> entries;
        while (st.step())
            entries.push_back({st.blob(0), st.blob(1)});
        return entries;
    });
}

void SqlitePluginStore::apply(const StoreScope& scope, const StoreBatch& batch) {
    check_scope(scope);
    for (const auto& item : batch.items()) {
        check_key(item.key);
        check_value(item.value);
    }
    if (batch.empty())
        return;
    const std::size_t middle = std::max<std::size_t>(1, batch.size() / 2);
    db_.write([&](Connection& c) {
        const auto now = db_.now_ms();
        std::size_t done = 0;
        for (const auto& item : batch.items()) {
            if (item.op == StoreBatch::Op::put)
                put_row(c, scope, item.key, item.value, now);
            else
                erase_row(c, scope, item.key);
            if (++done == middle)
                detail::failpoint("store.batch.mid");
        }
    });
    detail::failpoint("store.batch.after_commit");
}

} // namespace pms::host::sqlite
