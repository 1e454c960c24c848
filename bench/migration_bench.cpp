// How long the host's first start after an upgrade spends migrating a large pms.store: schema 5
// (issue 14) copies the whole plugin_store table into a rowid table, in one transaction, before
// the host answers anything: its web UI and its notification endpoint are down meanwhile (the
// Debian unit is Type=simple, so systemd does not time the start and nothing kills it).
//
//   bench-migration [--rows N] [--value-bytes B] [--rounds R] [--dir PATH]
//
// Each round makes a fresh database at schema 4 (the host's own migrations, up to 4), fills its
// plugin_store with N rows of B random bytes under keys shaped like the plugin's ("link/<n>") in
// one transaction, closes it, then times open_sqlite_storage() migrating it to the latest
// schema (the same call pms-host makes at start-up, with fsync on). It prints one JSON line per
// round and a last line with the medians. Nothing is asserted: it is a measurement.
#include <pms/host/storage/sqlite_storage.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Options {
    long rows = 100'000;
    long value_bytes = 2'400; // the plugin's link record, create request included
    int rounds = 3;
    fs::path dir;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (i + 1 >= argc)
            throw std::invalid_argument("missing value after " + std::string(flag));
        const char* value = argv[++i];
        if (flag == "--rows")
            o.rows = std::stol(value);
        else if (flag == "--value-bytes")
            o.value_bytes = std::stol(value);
        else if (flag == "--rounds")
            o.rounds = std::stoi(value);
        else if (flag == "--dir")
            o.dir = value;
        else
            throw std::invalid_argument("unknown flag " + std::string(flag));
    }
    if (o.rows < 0 || o.value_bytes < 0 || o.rounds < 1)
        throw std::invalid_argument("rows and value bytes must be >= 0, rounds >= 1");
    if (o.dir.empty())
        o.dir = fs::temp_directory_path() / "pms-bench-migration";
    return o;
}

void exec(sqlite3* db, const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw std::runtime_error("sqlite: " + message);
    }
}

// The rows go in with SQLite's own generator in one statement: filling is not what is measured.
void fill_schema_4_store(const fs::path& file, const Options& o) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        throw std::runtime_error("cannot open " + file.string());
    }
    try {
        exec(db, "BEGIN");
        exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                     std::to_string(o.rows) +
                     ") INSERT INTO plugin_store (plugin_id, property_id, key, value, updated_at_ms) "
                     "SELECT 'ru.invoicebox.payment-links', 1, CAST('link/' || printf('%012d', i) AS BLOB), "
                     "randomblob(" + std::to_string(o.value_bytes) + "), 0 FROM n");
        exec(db, "COMMIT");
        exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (...) {
        sqlite3_close(db);
        throw;
    }
    sqlite3_close(db);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

} // namespace

int main(int argc, char** argv) try {
    const Options o = parse(argc, argv);
    pms::host::configure_sqlite_for_server();
    std::vector<double> seconds;
    std::vector<double> megabytes;
    for (int round = 1; round <= o.rounds; ++round) {
        fs::remove_all(o.dir);
        pms::host::SqliteStorageOptions at_4;
        at_4.target_schema_version = 4;
        {
            auto storage = pms::host::open_sqlite_storage(o.dir, at_4);
            if (storage->schema_version() != 4)
                throw std::runtime_error("the database did not stop at schema 4");
        }
        const fs::path file = o.dir / at_4.file_name;
        fill_schema_4_store(file, o);
        const double mb = static_cast<double>(fs::file_size(file)) / (1024.0 * 1024.0);
        const auto start = std::chrono::steady_clock::now();
        auto storage = pms::host::open_sqlite_storage(o.dir);
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        if (storage->schema_version() != pms::host::sqlite_latest_schema_version())
            throw std::runtime_error("the database was not migrated to the latest schema");
        storage.reset();
        seconds.push_back(took.count());
        megabytes.push_back(mb);
        std::printf("{\"round\":%d,\"rows\":%ld,\"value_bytes\":%ld,\"db_mib\":%.1f,\"migrate_s\":%.3f}\n",
                    round, o.rows, o.value_bytes, mb, took.count());
        std::fflush(stdout);
    }
    fs::remove_all(o.dir);
    const auto [lo, hi] = std::minmax_element(seconds.begin(), seconds.end());
    std::printf("{\"rows\":%ld,\"value_bytes\":%ld,\"db_mib\":%.1f,\"migrate_s_median\":%.3f,"
                "\"migrate_s_min\":%.3f,\"migrate_s_max\":%.3f,\"rounds\":%d}\n",
                o.rows, o.value_bytes, median(megabytes), median(seconds), *lo, *hi, o.rounds);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench-migration: %s\n", e.what());
    return 1;
}
