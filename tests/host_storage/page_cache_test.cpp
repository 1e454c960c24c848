// Issue 11 (tests/soak/README.md): the SQLite page cache of the storage's connections is bounded
// on purpose (PRAGMA cache_size in host_stub/storage/src/sqlite/connection.cpp), not left at
// SQLite's 2000 KiB per connection, which made the host's memory grow with its database.
//
// sqlite3_memory_used() counts every allocation SQLite makes in this process; the suite runs
// alone (ctest: --run_test=page_cache), and the test measures it relative to before it opened
// anything.
#include "pms/host/storage/plugin_store.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace pms::host;

BOOST_AUTO_TEST_SUITE(page_cache)

BOOST_AUTO_TEST_CASE(a_database_larger_than_the_caches_is_not_held_in_memory) {
    const auto before = sqlite3_memory_used();
    {
        test::TempDir dir;
        auto storage = test::open_storage(dir.path());
        PluginStore& store = storage->plugin_store();
        const StoreScope scope{"invoicebox", PropertyId{1}};

        // ~8 MiB of rows (2,000 values of 4 KiB, a page each at least): four times what SQLite's
        // default cache would let each connection keep.
        constexpr int rows = 2000;
        const std::string value(4096, 'x');
        auto key = [](int i) { return "link/" + std::to_string(100000 + i); };
        for (int first = 0; first < rows; first += 250) {
            StoreBatch batch;
            for (int i = first; i < first + 250; ++i)
                batch.put(key(i), value);
            store.apply(scope, batch);
        }

        // Read every row back from several threads at once, twice, so that the writer and
        // several pooled readers have each touched the whole database with no write in between
        // (a write would make the readers drop their caches).
        std::atomic<int> misses{0};
        std::vector<std::thread> readers;
        for (int t = 0; t < 4; ++t)
            readers.emplace_back([&] {
                for (int pass = 0; pass < 2; ++pass)
                    for (int i = 0; i < rows; ++i)
                        if (!store.get(scope, key(i)).has_value())
                            ++misses;
            });
        for (auto& r : readers)
            r.join();
        BOOST_TEST(misses.load() == 0);

        // Bounded: the writer's 1 MiB + 256 KiB per idle reader (at most 4) + schema, statements
        // and lookaside, well under 4 MiB. With the default cache the writer plus even one reader
        // already hold ~4 MiB of pages, and the writer plus four readers ~10 MiB.
        const auto held = sqlite3_memory_used() - before;
        BOOST_TEST_MESSAGE("SQLite holds " << held / 1024 << " KiB after reading " << rows * 4
                                           << " KiB of rows from 4 threads");
        BOOST_TEST(held < 4 * 1024 * 1024);
    }
    // Closing the storage gives it all back.
    BOOST_TEST(sqlite3_memory_used() - before < 256 * 1024);
}

BOOST_AUTO_TEST_SUITE_END()
