// Opening the SQLite backend: migrations from an empty folder, step by step, re-opening an
// existing database, refusing newer or foreign files, concurrent first opens; the clock.
#include "pms/host/storage/sqlite_storage.hpp"

#include "pms/host/storage/clock.hpp"
#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <fstream>
#include <latch>
#include <thread>

using namespace pms::host;

namespace {

std::string raw_text(const std::filesystem::path& file, const char* sql) {
    sqlite3* db = nullptr;
    sqlite3_open(file.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

bool fails_with(StorageErrc errc, const std::function<void()>& f) {
    try {
        f();
    } catch (const StorageError& e) {
        return e.errc() == errc;
    }
    return false;
}

const StoreScope scope{"p", PropertyId{1}};

} // namespace

BOOST_AUTO_TEST_SUITE(sqlite_storage)

BOOST_AUTO_TEST_CASE(empty_folder_migrates_to_latest_in_wal_mode) {
    test::TempDir dir;
    const auto data = dir.path() / "nested" / "data";
    {
        auto storage = test::open_storage(data);
        BOOST_TEST(storage->schema_version() == sqlite_latest_schema_version());
        BOOST_TEST(storage->describe().find("sqlite:") == 0u);
        storage->plugin_store().put(scope, "k", "v");
    }
    const auto file = data / "pms-host.sqlite3";
    BOOST_TEST(std::filesystem::exists(file));
    BOOST_TEST(raw_text(file, "PRAGMA journal_mode") == "wal");
    BOOST_TEST(raw_text(file, "PRAGMA user_version") ==
               std::to_string(sqlite_latest_schema_version()));
}

BOOST_AUTO_TEST_CASE(reopening_keeps_data_and_version) {
    test::TempDir dir;
    {
        auto storage = test::open_storage(dir.path());
        storage->plugin_store().put(scope, "k", "v");
    }
    auto again = test::open_storage(dir.path());
    BOOST_TEST(again->schema_version() == sqlite_latest_schema_version());
    BOOST_TEST(again->plugin_store().get(scope, "k").value() == "v");
}

BOOST_AUTO_TEST_CASE(migrates_step_by_step_keeping_data) {
    test::TempDir dir;
    {
        auto v1 = test::open_storage(dir.path(), 1);
        BOOST_TEST(v1->schema_version() == 1);
        v1->plugin_store().put(scope, "from-v1", "kept");
        v1->folios().ensure_property({"Отель", "Europe/Moscow", 180});
    }
    BOOST_TEST(raw_text(dir.path() / "pms-host.sqlite3",
                        "SELECT count(*) FROM sqlite_schema WHERE name = 'plugin_settings'") ==
               "0");
    auto latest = test::open_storage(dir.path());
    BOOST_TEST(latest->schema_version() == sqlite_latest_schema_version());
    BOOST_TEST(latest->plugin_store().get(scope, "from-v1").value() == "kept");
    const auto property = latest->folios().find_property("Отель").value();
    latest->settings().save_settings({"p", property.id, std::nullopt}, "{}");
}

// Version 5 moved pms.store's rows into a rowid table (schema.cpp): every key and value of every
// instance comes across byte for byte, and the store reads, scans, updates and erases as before.
BOOST_AUTO_TEST_CASE(the_store_moves_to_a_rowid_table_keeping_every_value) {
    test::TempDir dir;
    const StoreScope other{"other.plugin", scope.property};
    const std::string big(2500, 'x'); // larger than an index b-tree cell keeps on its page
    {
        auto v4 = test::open_storage(dir.path(), 4);
        v4->plugin_store().put(scope, "a/1", big);
        v4->plugin_store().put(scope, "a/2", std::string("\0\xff", 2));
        v4->plugin_store().put(scope, "b/1", "");
        v4->plugin_store().put(other, "a/1", "theirs");
    }
    BOOST_TEST(raw_text(dir.path() / "pms-host.sqlite3",
                        "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema WHERE name = 'plugin_store'") == "1");
    auto latest = test::open_storage(dir.path());
    BOOST_TEST(latest->schema_version() == sqlite_latest_schema_version());
    BOOST_TEST(raw_text(dir.path() / "pms-host.sqlite3",
                        "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema WHERE name = 'plugin_store'") == "0");
    auto& store = latest->plugin_store();
    BOOST_TEST(store.get(scope, "a/1").value() == big);
    BOOST_TEST(store.get(scope, "a/2").value() == std::string("\0\xff", 2));
    BOOST_TEST(store.get(scope, "b/1").value().empty());
    BOOST_TEST(store.get(other, "a/1").value() == "theirs");
    const auto a = store.scan_prefix(scope, "a/");
    BOOST_TEST_REQUIRE(a.size() == 2u);
    BOOST_TEST(a[0].key == "a/1");
    BOOST_TEST(a[1].key == "a/2");
    store.put(scope, "a/1", "smaller now");
    BOOST_TEST(store.get(scope, "a/1").value() == "smaller now");
    BOOST_TEST(store.erase(scope, "a/2"));
    BOOST_TEST(store.scan_prefix(scope, "a/").size() == 1u);
    BOOST_TEST(store.get(other, "a/1").value() == "theirs");
}

BOOST_AUTO_TEST_CASE(newer_schema_is_refused) {
    test::TempDir dir;
    { auto storage = test::open_storage(dir.path()); }
    raw_text(dir.path() / "pms-host.sqlite3", "PRAGMA user_version = 99");
    BOOST_TEST(
        fails_with(StorageErrc::schema_too_new, [&] { (void)test::open_storage(dir.path()); }));
}

BOOST_AUTO_TEST_CASE(foreign_files_are_refused) {
    test::TempDir dir;
    raw_text(dir.path() / "pms-host.sqlite3", "CREATE TABLE t(x)");
    BOOST_TEST(fails_with(StorageErrc::corrupt, [&] { (void)test::open_storage(dir.path()); }));

    test::TempDir garbage;
    std::ofstream{garbage.path() / "pms-host.sqlite3"} << std::string(4096, 'x');
    BOOST_TEST(fails_with(StorageErrc::corrupt, [&] { (void)test::open_storage(garbage.path()); }));
}

BOOST_AUTO_TEST_CASE(concurrent_first_opens_migrate_once) {
    test::TempDir dir;
    constexpr int threads = 6;
    std::vector<int> versions(threads, -1);
    std::latch start{threads};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            start.arrive_and_wait();
            try {
                versions[t] = test::open_storage(dir.path())->schema_version();
            } catch (const std::exception&) {
                versions[t] = -2;
            }
        });
    for (auto& w : workers)
        w.join();
    for (int v : versions)
        BOOST_TEST(v == sqlite_latest_schema_version());
}

BOOST_AUTO_TEST_CASE(fake_clock_moves_only_when_told) {
    FakeClock clock{from_utc_ms(1'000)};
    BOOST_TEST(clock.now_utc_ms() == 1'000);
    clock.advance(std::chrono::seconds{2});
    BOOST_TEST(clock.now_utc_ms() == 3'000);
    clock.set(from_utc_ms(42));
    BOOST_TEST(to_utc_ms(clock.now()) == 42);
    BOOST_TEST(shared_system_clock()->now_utc_ms() > 1'700'000'000'000);
}

BOOST_AUTO_TEST_SUITE_END()
