// pms.store/1 on SQLite. Prefix scans are key ranges on BLOB keys, never LIKE/GLOB, so `%`, `_`
// and bytes >= 0x80 are ordinary: [prefix, successor(prefix)) where the successor drops trailing
// 0xFF bytes and increments the last byte. (A bound of prefix+"\xFF" would miss the key
// prefix+"\xFF\x01".) Every write goes through the writer thread; reads put the scope's pending
// batches (queued, not yet reported) over what the database holds.
#include "repositories.hpp"

#include <future>
#include <map>

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

/// The pending batches' last operation on `key`, if any: a value (put) or nullopt (erase).
std::optional<std::optional<StoreBytes>>
pending_value(const std::vector<std::shared_ptr<const StoreWriter::Job>>& pending,
              std::string_view key) {
    for (auto job = pending.rbegin(); job != pending.rend(); ++job) {
        const auto& items = (*job)->batch.items();
        for (auto it = items.rbegin(); it != items.rend(); ++it) {
            if (it->key != key)
                continue;
            if (it->op == StoreBatch::Op::put)
                return std::optional<StoreBytes>{it->value};
            return std::optional<StoreBytes>{};
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<StoreBytes> SqlitePluginStore::get(const StoreScope& scope, std::string_view key) {
    check_scope(scope);
    check_key(key);
    // The pending batches first: one that commits meanwhile is then found in the database.
    const auto pending = writer_.pending(scope);
    if (auto value = pending_value(pending, key))
        return *value;
    return db_.read_statement([&](Connection& c) -> std::optional<StoreBytes> {
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
    auto job = std::make_shared<StoreWriter::Job>();
    job->scope = scope;
    job->batch.put(key, value);
    job->fault_points = false;
    apply_and_wait(job);
}

bool SqlitePluginStore::erase(const StoreScope& scope, std::string_view key) {
    check_scope(scope);
    check_key(key);
    auto job = std::make_shared<StoreWriter::Job>();
    job->scope = scope;
    job->batch.erase(key);
    job->fault_points = false;
    apply_and_wait(job);
    return job->erased_any;
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

    // The pending batches first (see get()), keeping only operations inside the range.
    const auto pending = writer_.pending(scope);
    const auto in_range = [&](const StoreBytes& key) {
        return (lower_exclusive ? key > lower : key >= lower) && (!upper || key < *upper) &&
               key.compare(0, prefix.size(), prefix) == 0;
    };
    std::vector<const StoreBatch::Item*> overlay;
    for (const auto& job : pending)
        for (const auto& item : job->batch.items())
            if (in_range(item.key))
                overlay.push_back(&item);

    // Four fixed statements (cached), so that both bounds use the primary key's range search.
    std::string sql =
        "SELECT key, value FROM plugin_store WHERE plugin_id = ?1 AND property_id = ?2";
    sql += lower_exclusive ? " AND key > ?3" : " AND key >= ?3";
    if (upper)
        sql += " AND key < ?4";
    sql += " ORDER BY key LIMIT ?5";

    // With pending operations in range, an erase may hide a stored row: read without the limit,
    // merge, then apply it.
    const std::size_t limit = overlay.empty() ? options.limit : 0;
    // One statement: its own snapshot without a BEGIN and COMMIT around it (the effect runner
    // scans a link's outbox three times per first delivery).
    auto entries = db_.read_statement([&](Connection& c) {
        auto st = c.prepare(sql);
        st.bind(1, std::string_view{scope.plugin_id})
            .bind(2, scope.property.value)
            .bind(3, Blob{lower});
        if (upper)
            st.bind(4, Blob{*upper});
        st.bind(5, sql_limit(limit));
        std::vector<StoreEntry> rows;
        while (st.step())
            rows.push_back({st.blob(0), st.blob(1)});
        return rows;
    });
    if (overlay.empty())
        return entries;

    std::map<StoreBytes, StoreBytes> merged;
    for (auto& e : entries)
        merged.emplace(std::move(e.key), std::move(e.value));
    for (const auto* item : overlay) {
        if (item->op == StoreBatch::Op::put)
            merged.insert_or_assign(item->key, item->value);
        else
            merged.erase(item->key);
    }
    std::vector<StoreEntry> out;
    for (auto& [key, value] : merged) {
        if (options.limit != 0 && out.size() == options.limit)
            break;
        out.push_back({key, std::move(value)});
    }
    return out;
}

void SqlitePluginStore::apply(const StoreScope& scope, const StoreBatch& batch) {
    check_scope(scope);
    for (const auto& item : batch.items()) {
        check_key(item.key);
        check_value(item.value);
    }
    if (batch.empty())
        return;
    auto job = std::make_shared<StoreWriter::Job>();
    job->scope = scope;
    job->batch = batch;
    apply_and_wait(std::move(job));
}

void SqlitePluginStore::apply_async(const StoreScope& scope, StoreBatch batch, StoreDone done) {
    check_scope(scope);
    for (const auto& item : batch.items()) {
        check_key(item.key);
        check_value(item.value);
    }
    if (!done)
        throw StorageError{StorageErrc::invalid_argument, "store: a batch needs a completion"};
    auto job = std::make_shared<StoreWriter::Job>();
    job->scope = scope;
    job->batch = std::move(batch);
    job->done = std::move(done);
    writer_.submit(std::move(job));
}

StoreWriterStats SqlitePluginStore::writer_stats() const {
    return writer_.stats();
}

std::shared_ptr<void> SqlitePluginStore::hold_writer() {
    return writer_.hold();
}

void SqlitePluginStore::apply_and_wait(std::shared_ptr<StoreWriter::Job> job) {
    writer_.submit_and_wait(std::move(job));
}

} // namespace pms::host::sqlite
