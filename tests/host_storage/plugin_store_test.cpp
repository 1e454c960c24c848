// pms.store/1 semantics on the SQLite backend: namespaces, byte ordering, prefix edge cases,
// paging, batch atomicity.
#include "pms/host/storage/plugin_store.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <random>

using namespace pms::host;
using namespace std::string_literals;

namespace {

std::vector<std::string> keys_of(const std::vector<StoreEntry>& entries) {
    std::vector<std::string> keys;
    for (const auto& e : entries)
        keys.push_back(e.key);
    return keys;
}

struct StoreFixture {
    test::TempDir dir;
    std::unique_ptr<Storage> storage = test::open_storage(dir.path());
    PluginStore& store = storage->plugin_store();
    StoreScope scope{"invoicebox", PropertyId{1}};

    void put_all(const std::vector<std::string>& keys) {
        for (const auto& k : keys)
            store.put(scope, k, "v:" + k);
    }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(plugin_store, StoreFixture)

BOOST_AUTO_TEST_CASE(get_put_erase) {
    BOOST_TEST(!store.get(scope, "missing").has_value());
    store.put(scope, "link/1", "created");
    BOOST_TEST(store.get(scope, "link/1").value() == "created");
    store.put(scope, "link/1", "completed");
    BOOST_TEST(store.get(scope, "link/1").value() == "completed");
    BOOST_TEST(store.erase(scope, "link/1"));
    BOOST_TEST(!store.erase(scope, "link/1"));
    BOOST_TEST(!store.get(scope, "link/1").has_value());
}

BOOST_AUTO_TEST_CASE(values_and_keys_are_bytes) {
    const std::string key = "k\0\x01\xFF"s;
    const std::string value = "\0\0binary\xFF\x80"s;
    store.put(scope, key, value);
    store.put(scope, "k", "short");
    BOOST_TEST(store.get(scope, key).value() == value);
    BOOST_TEST(store.get(scope, "k").value() == "short");
    store.put(scope, "empty-value", "");
    BOOST_TEST(store.get(scope, "empty-value").value().empty());
}

BOOST_AUTO_TEST_CASE(namespaces_are_isolated) {
    const StoreScope other_plugin{"other", PropertyId{1}};
    const StoreScope other_property{"invoicebox", PropertyId{2}};
    store.put(scope, "a", "1");
    store.put(other_plugin, "a", "2");
    store.put(other_property, "a", "3");
    BOOST_TEST(store.get(scope, "a").value() == "1");
    BOOST_TEST(store.get(other_plugin, "a").value() == "2");
    BOOST_TEST(store.get(other_property, "a").value() == "3");
    BOOST_TEST(store.scan_prefix(scope, "").size() == 1u);
    store.erase(other_plugin, "a");
    BOOST_TEST(store.get(scope, "a").has_value());
}

BOOST_AUTO_TEST_CASE(scan_is_ordered_bytewise) {
    std::vector<std::string> keys{"b", "a", "ab", "a\x80"s, "a\x7F"s, "\xFF"s, "A", "a\0"s, "0"};
    auto shuffled = keys;
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937{42});
    put_all(shuffled);
    auto expected = keys;
    // Unsigned bytewise order, as memcmp compares.
    std::sort(expected.begin(), expected.end(), [](const std::string& x, const std::string& y) {
        return std::lexicographical_compare(
            x.begin(), x.end(), y.begin(), y.end(), [](char l, char r) {
                return static_cast<unsigned char>(l) < static_cast<unsigned char>(r);
            });
    });
    const auto all = store.scan_prefix(scope, "");
    BOOST_TEST(keys_of(all) == expected, boost::test_tools::per_element());
    BOOST_TEST(all.front().value == "v:" + all.front().key);
}

BOOST_AUTO_TEST_CASE(like_wildcards_are_ordinary_bytes) {
    put_all({"a%", "a%b", "a_b", "axb", "ab", "a\\b", "a%%"});
    BOOST_TEST(keys_of(store.scan_prefix(scope, "a%")) ==
                   (std::vector<std::string>{"a%", "a%%", "a%b"}),
               boost::test_tools::per_element());
    BOOST_TEST(keys_of(store.scan_prefix(scope, "a_")) == (std::vector<std::string>{"a_b"}),
               boost::test_tools::per_element());
    BOOST_TEST(keys_of(store.scan_prefix(scope, "a\\")) == (std::vector<std::string>{"a\\b"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(prefix_with_0xff_bytes) {
    put_all({"o\xFF"s, "p", "p\0"s, "p\xFE\xFF"s, "p\xFF"s, "p\xFF\x01"s, "p\xFF\xFF"s,
             "p\xFF\xFF\xFF\x00"s, "q", "q\x00"s});
    // Keys continuing with 0xFF after the prefix are inside the range (a bound of prefix+0xFF
    // would drop "p\xFF\x01"); the next prefix "q" is not.
    BOOST_TEST(keys_of(store.scan_prefix(scope, "p")) ==
                   (std::vector<std::string>{"p", "p\0"s, "p\xFE\xFF"s, "p\xFF"s, "p\xFF\x01"s,
                                             "p\xFF\xFF"s, "p\xFF\xFF\xFF\x00"s}),
               boost::test_tools::per_element());
    BOOST_TEST(
        keys_of(store.scan_prefix(scope, "p\xFF"s)) ==
            (std::vector<std::string>{"p\xFF"s, "p\xFF\x01"s, "p\xFF\xFF"s, "p\xFF\xFF\xFF\x00"s}),
        boost::test_tools::per_element());
    BOOST_TEST(keys_of(store.scan_prefix(scope, "p\xFF\xFF"s)) ==
                   (std::vector<std::string>{"p\xFF\xFF"s, "p\xFF\xFF\xFF\x00"s}),
               boost::test_tools::per_element());
    BOOST_TEST(store.scan_prefix(scope, "r").empty());
}

BOOST_AUTO_TEST_CASE(all_0xff_prefix_has_no_upper_bound) {
    put_all({"\xFE"s, "\xFF"s, "\xFF\xFF"s, "\xFF\xFF\xFF"s, "\xFF\xFF\x00"s});
    BOOST_TEST(keys_of(store.scan_prefix(scope, "\xFF\xFF"s)) ==
                   (std::vector<std::string>{"\xFF\xFF"s, "\xFF\xFF\x00"s, "\xFF\xFF\xFF"s}),
               boost::test_tools::per_element());
    BOOST_TEST(store.scan_prefix(scope, "\xFF"s).size() == 4u);
}

BOOST_AUTO_TEST_CASE(scan_pages_with_limit_and_start_after) {
    std::vector<std::string> keys;
    for (int i = 0; i < 25; ++i)
        keys.push_back("page/" + std::to_string(100 + i));
    put_all(keys);
    put_all({"pagf", "pag"});
    std::vector<std::string> seen;
    ScanOptions options{10, std::nullopt};
    for (;;) {
        auto page = store.scan_prefix(scope, "page/", options);
        if (page.empty())
            break;
        BOOST_TEST(page.size() <= 10u);
        for (auto& e : page)
            seen.push_back(e.key);
        options.start_after = page.back().key;
    }
    BOOST_TEST(seen == keys, boost::test_tools::per_element());
    // A start_after before the prefix is ignored; one past the range yields nothing.
    BOOST_TEST(store.scan_prefix(scope, "page/", {0, std::string{"a"}}).size() == 25u);
    BOOST_TEST(store.scan_prefix(scope, "page/", {0, std::string{"pagf"}}).empty());
}

BOOST_AUTO_TEST_CASE(invalid_keys_are_refused) {
    BOOST_CHECK_EXCEPTION(store.put(scope, "", "x"), StorageError, [](const StorageError& e) {
        return e.errc() == StorageErrc::invalid_argument;
    });
    BOOST_CHECK_THROW(store.put(scope, std::string(PluginStore::max_key_size + 1, 'k'), "x"),
                      StorageError);
    BOOST_CHECK_THROW(store.put({"", PropertyId{1}}, "k", "x"), StorageError);
    store.put(scope, std::string(PluginStore::max_key_size, 'k'), "x");
}

BOOST_AUTO_TEST_CASE(batch_applies_in_order) {
    store.put(scope, "gone", "1");
    StoreBatch batch;
    batch.put("a", "1").put("b", "2").erase("gone").put("a", "3").erase("never-existed");
    store.apply(scope, batch);
    BOOST_TEST(store.get(scope, "a").value() == "3");
    BOOST_TEST(store.get(scope, "b").value() == "2");
    BOOST_TEST(!store.get(scope, "gone").has_value());
    store.apply(scope, StoreBatch{}); // empty batch is a no-op
}

BOOST_AUTO_TEST_CASE(batch_failing_midway_changes_nothing) {
    store.put(scope, "keep", "original");
    StoreBatch batch;
    batch.put("keep", "overwritten").erase("keep");
    for (int i = 0; i < 100; ++i)
        batch.put("new/" + std::to_string(i), "x");
    {
        test::FailpointGuard failpoint{"store.batch.mid=throw"};
        BOOST_CHECK_THROW(store.apply(scope, batch), StorageError);
    }
    BOOST_TEST(store.get(scope, "keep").value() == "original");
    BOOST_TEST(store.scan_prefix(scope, "new/").empty());
    // The connection is usable afterwards and the same batch now applies whole.
    store.apply(scope, batch);
    BOOST_TEST(store.scan_prefix(scope, "new/").size() == 100u);
}

BOOST_AUTO_TEST_CASE(batch_with_an_invalid_item_changes_nothing) {
    StoreBatch batch;
    batch.put("fine", "1").put("", "empty key");
    BOOST_CHECK_THROW(store.apply(scope, batch), StorageError);
    BOOST_TEST(!store.get(scope, "fine").has_value());
}

BOOST_AUTO_TEST_CASE(writes_are_visible_to_other_instances) {
    auto other = test::open_storage(dir.path());
    store.put(scope, "shared", "1");
    BOOST_TEST(other->plugin_store().get(scope, "shared").value() == "1");
    other->plugin_store().put(scope, "shared", "2");
    BOOST_TEST(store.get(scope, "shared").value() == "2");
}

BOOST_AUTO_TEST_SUITE_END()
