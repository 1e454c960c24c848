// Plugin secrets sealed at rest: the token never reaches the database file or its write-ahead
// log in clear, reads back through the repository, needs its key file (and a missing one is an
// error, never a new key), fails loudly when altered or moved to another row, and secrets an
// older version stored in clear are sealed at the next open.
//
// The token is a random string generated per test; assertions that involve it compare inside
// double parentheses so that Boost.Test never prints it, even when they fail.
#include "pms/host/storage/demo_seed.hpp"
#include "pms/host/storage/settings_repository.hpp"
#include "pms/host/storage/sqlite_storage.hpp"
#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <latch>
#include <random>
#include <thread>

#include <sys/stat.h>

using namespace pms::host;

namespace {

namespace fs = std::filesystem;

/// "ibx-secret-" and 32 random hex digits: recognisable in a hex dump, never a false match.
std::string random_token() {
    std::random_device rd;
    std::string token = "ibx-secret-";
    const char* digits = "0123456789abcdef";
    for (int i = 0; i < 32; ++i)
        token.push_back(digits[rd() % 16]);
    return token;
}

std::string read_bytes(const fs::path& file) {
    std::ifstream in{file, std::ios::binary};
    return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

void write_bytes(const fs::path& file, const std::string& bytes) {
    std::ofstream out{file, std::ios::binary | std::ios::trunc};
    out << bytes;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

struct Failure {
    bool threw = false;
    StorageErrc errc{};
    std::string message;
};

Failure failure_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const StorageError& e) {
        return {true, e.errc(), e.what()};
    }
    return {};
}

/// A secret row's stored bytes and writing them back, through SQLite's C API, as a person with
/// the database file (and not the key) could.
class RawDb {
  public:
    explicit RawDb(const fs::path& file) {
        BOOST_REQUIRE(sqlite3_open(file.c_str(), &db_) == SQLITE_OK);
        sqlite3_busy_timeout(db_, 10'000);
    }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;
    ~RawDb() { sqlite3_close(db_); }

    std::optional<std::string> value(const std::string& plugin, std::int64_t property,
                                     std::int64_t entity, const std::string& key) {
        auto* st = prepare("SELECT value FROM plugin_secrets WHERE plugin_id = ?1 AND "
                           "property_id = ?2 AND legal_entity_id = ?3 AND key = ?4");
        bind_slot(st, plugin, property, entity, key);
        std::optional<std::string> out;
        if (sqlite3_step(st) == SQLITE_ROW) {
            const auto* p = static_cast<const char*>(sqlite3_column_blob(st, 0));
            out = std::string(p != nullptr ? p : "",
                              static_cast<std::size_t>(sqlite3_column_bytes(st, 0)));
        }
        sqlite3_finalize(st);
        return out;
    }

    /// Inserts or replaces a row, as a BLOB (what the old code bound) or as TEXT.
    void put(const std::string& plugin, std::int64_t property, std::int64_t entity,
             const std::string& key, const std::string& value, bool as_text = false) {
        auto* st = prepare("INSERT OR REPLACE INTO plugin_secrets (plugin_id, property_id, "
                           "legal_entity_id, key, value, updated_at_ms) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, 0)");
        bind_slot(st, plugin, property, entity, key);
        if (as_text)
            sqlite3_bind_text(st, 5, value.data(), static_cast<int>(value.size()),
                              SQLITE_TRANSIENT);
        else
            sqlite3_bind_blob(st, 5, value.data(), static_cast<int>(value.size()),
                              SQLITE_TRANSIENT);
        BOOST_REQUIRE(sqlite3_step(st) == SQLITE_DONE);
        sqlite3_finalize(st);
    }

    void erase(const std::string& plugin, std::int64_t property, std::int64_t entity,
               const std::string& key) {
        auto* st = prepare("DELETE FROM plugin_secrets WHERE plugin_id = ?1 AND "
                           "property_id = ?2 AND legal_entity_id = ?3 AND key = ?4");
        bind_slot(st, plugin, property, entity, key);
        BOOST_REQUIRE(sqlite3_step(st) == SQLITE_DONE);
        sqlite3_finalize(st);
    }

  private:
    sqlite3_stmt* prepare(const char* sql) {
        sqlite3_stmt* st = nullptr;
        BOOST_REQUIRE(sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) == SQLITE_OK);
        return st;
    }
    static void bind_slot(sqlite3_stmt* st, const std::string& plugin, std::int64_t property,
                          std::int64_t entity, const std::string& key) {
        sqlite3_bind_text(st, 1, plugin.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, property);
        sqlite3_bind_int64(st, 3, entity);
        sqlite3_bind_text(st, 4, key.c_str(), -1, SQLITE_TRANSIENT);
    }
    sqlite3* db_ = nullptr;
};

struct SecretsFixture {
    test::TempDir dir;
    fs::path data = dir.path() / "data";
    fs::path db_file = data / "pms-host.sqlite3";
    fs::path wal_file = data / "pms-host.sqlite3-wal";
    fs::path key_file = data / "secret.key";
    std::string token = random_token();
    DemoSeed seed;
    SettingsScope property_scope;
    SettingsScope entity_scope;

    SecretsFixture() {
        auto storage = test::open_storage(data);
        seed = seed_demo(*storage);
        property_scope = {"invoicebox", seed.property, std::nullopt};
        entity_scope = {"invoicebox", seed.property, seed.yes_arenda};
    }

    std::unique_ptr<Storage> open() { return test::open_storage(data); }

    /// Database file and log together, as a thief who copies the folder without the key has them.
    std::string raw_files() { return read_bytes(db_file) + read_bytes(wal_file); }
};

bool reads_back(Storage& storage, const SettingsScope& scope, const std::string& key,
                const std::string& expected) {
    const auto value = storage.settings().get_secret(scope, key);
    return value && *value == expected;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(secrets_at_rest, SecretsFixture)

BOOST_AUTO_TEST_CASE(token_is_never_in_the_database_or_its_log_in_clear) {
    // A marker in the (non-secret) settings document shows that the bytes read below do hold
    // the committed write: it must be found where the token must not.
    const std::string marker = "shop-" + random_token();
    {
        auto storage = open();
        storage->settings().save_settings(property_scope, R"({"shopId":")" + marker + R"("})",
                                          {{"apiToken", token}});
        const auto wal = read_bytes(wal_file);
        const auto db = read_bytes(db_file);
        BOOST_TEST_REQUIRE(wal.size() > 0u);
        BOOST_TEST(contains(wal, marker));
        BOOST_TEST(contains(wal, "pms-sb1:"));
        BOOST_TEST(!contains(wal, token));
        BOOST_TEST(!contains(db, token));
        BOOST_TEST(reads_back(*storage, property_scope, "apiToken", token));
        BOOST_TEST(reads_back(*storage, entity_scope, "apiToken", token)); // property fallback
    }
    const auto after_close = raw_files();
    BOOST_TEST(contains(after_close, marker));
    BOOST_TEST(contains(after_close, "pms-sb1:"));
    BOOST_TEST(!contains(after_close, token));

    RawDb raw{db_file};
    const auto stored = raw.value("invoicebox", seed.property.value, 0, "apiToken").value();
    BOOST_TEST(stored.rfind("pms-sb1:", 0) == 0u);
    // prefix, 24-byte nonce, 16-byte tag, then as many bytes as the token
    BOOST_TEST(stored.size() == 8u + 24u + 16u + token.size());

    auto again = open(); // same key file
    BOOST_TEST(reads_back(*again, property_scope, "apiToken", token));
}

BOOST_AUTO_TEST_CASE(same_value_seals_differently_each_time) {
    auto storage = open();
    storage->settings().save_settings(property_scope, "{}", {{"apiToken", token}});
    RawDb raw{db_file};
    const auto first = raw.value("invoicebox", seed.property.value, 0, "apiToken").value();
    storage->settings().save_settings(property_scope, "{}", {{"apiToken", token}});
    const auto second = raw.value("invoicebox", seed.property.value, 0, "apiToken").value();
    BOOST_TEST((first != second)); // a fresh nonce per write
    BOOST_TEST(reads_back(*storage, property_scope, "apiToken", token));
}

BOOST_AUTO_TEST_CASE(missing_key_file_fails_the_open_and_loses_nothing) {
    open()->settings().save_settings(property_scope, "{}", {{"apiToken", token}});
    const auto key = read_bytes(key_file);
    BOOST_TEST_REQUIRE(key.size() == 32u);
    fs::remove(key_file);

    const auto failure = failure_of([&] { (void)open(); });
    BOOST_TEST(failure.threw);
    BOOST_TEST((failure.errc == StorageErrc::io));
    BOOST_TEST(contains(failure.message, "secret.key missing: the stored secrets cannot be read"));
    BOOST_TEST(!contains(failure.message, token));
    BOOST_TEST(!fs::exists(key_file)); // no new key that would hide the loss
    BOOST_TEST(!contains(raw_files(), token));

    write_bytes(key_file, key);
    fs::permissions(key_file, fs::perms::owner_read | fs::perms::owner_write);
    auto restored = open();
    BOOST_TEST(reads_back(*restored, property_scope, "apiToken", token));
}

BOOST_AUTO_TEST_CASE(another_key_cannot_read_the_secrets) {
    open()->settings().save_settings(property_scope, "{}", {{"apiToken", token}});
    auto key = read_bytes(key_file);
    key[0] = static_cast<char>(key[0] ^ 0x01);
    write_bytes(key_file, key);

    auto storage = open();
    const auto failure =
        failure_of([&] { (void)storage->settings().get_secret(property_scope, "apiToken"); });
    BOOST_TEST(failure.threw);
    BOOST_TEST((failure.errc == StorageErrc::corrupt));
    BOOST_TEST(contains(failure.message, "cannot be decrypted"));
    BOOST_TEST(contains(failure.message, "apiToken")); // names the slot...
    BOOST_TEST(!contains(failure.message, token));     // ...never the value
}

BOOST_AUTO_TEST_CASE(altered_value_fails_to_decrypt) {
    open()->settings().save_settings(property_scope, "{}", {{"apiToken", token}});
    const auto original = RawDb{db_file}.value("invoicebox", seed.property.value, 0, "apiToken");
    BOOST_TEST_REQUIRE(original.has_value());
    // A byte of the nonce, of the tag, and the last byte of the ciphertext.
    for (const std::size_t at :
         {std::size_t{8 + 3}, std::size_t{8 + 24 + 5}, original->size() - 1}) {
        auto altered = *original;
        altered[at] = static_cast<char>(altered[at] ^ 0x20);
        RawDb{db_file}.put("invoicebox", seed.property.value, 0, "apiToken", altered);
        auto storage = open();
        const auto failure =
            failure_of([&] { (void)storage->settings().get_secret(property_scope, "apiToken"); });
        BOOST_TEST(failure.threw, "byte " << at);
        BOOST_TEST((failure.errc == StorageErrc::corrupt), "byte " << at);
        BOOST_TEST(!contains(failure.message, token));
    }
    // A value cut short is an error too, not an empty secret.
    RawDb{db_file}.put("invoicebox", seed.property.value, 0, "apiToken", original->substr(0, 20));
    const auto truncated =
        failure_of([&] { (void)open()->settings().get_secret(property_scope, "apiToken"); });
    BOOST_TEST((truncated.threw && truncated.errc == StorageErrc::corrupt));

    RawDb{db_file}.put("invoicebox", seed.property.value, 0, "apiToken", *original);
    BOOST_TEST(reads_back(*open(), property_scope, "apiToken", token));
}

BOOST_AUTO_TEST_CASE(value_copied_to_another_row_fails_to_decrypt) {
    const auto other = random_token();
    {
        auto storage = open();
        storage->settings().save_settings(property_scope, "{}",
                                          {{"apiToken", token}, {"apiKey", other}});
        storage->settings().save_settings(entity_scope, "{}", {{"apiToken", other}});
        storage->settings().save_settings({"other-plugin", seed.property, std::nullopt}, "{}",
                                          {{"apiToken", other}});
    }
    const auto property = seed.property.value;
    const auto sealed = RawDb{db_file}.value("invoicebox", property, 0, "apiToken").value();
    struct Target {
        std::string plugin;
        std::int64_t entity;
        std::string key;
        SettingsScope scope;
    };
    const std::vector<Target> targets{
        {"invoicebox", 0, "apiKey", property_scope},                     // another name
        {"invoicebox", seed.yes_arenda.value, "apiToken", entity_scope}, // another company
        {"other-plugin", 0, "apiToken", {"other-plugin", seed.property, std::nullopt}}, // plugin
    };
    for (const auto& t : targets)
        RawDb{db_file}.put(t.plugin, property, t.entity, t.key, sealed);

    auto storage = open();
    for (const auto& t : targets) {
        const auto failure =
            failure_of([&] { (void)storage->settings().get_secret(t.scope, t.key); });
        BOOST_TEST(failure.threw, t.plugin << "/" << t.entity << "/" << t.key);
        BOOST_TEST((failure.errc == StorageErrc::corrupt));
        BOOST_TEST(!contains(failure.message, token));
    }
    BOOST_TEST(reads_back(*storage, property_scope, "apiToken", token)); // the original is fine
}

BOOST_AUTO_TEST_CASE(plaintext_from_an_older_version_is_sealed_at_open) {
    // An older host had no key file and stored values in clear, as BLOB (and TEXT, to be safe).
    fs::remove(key_file);
    const auto api_key = random_token();
    {
        RawDb raw{db_file};
        raw.put("invoicebox", seed.property.value, 0, "apiToken", token);
        raw.put("invoicebox", seed.property.value, seed.yes_arenda.value, "apiKey", api_key, true);
        // Rows written after them sit between their cells and the page's free gap, so the old
        // cells become free blocks inside the page when rewritten, not part of the gap.
        for (const char* other : {"a", "m", "z"})
            raw.put("other-plugin", seed.property.value, 0, other, std::string(40, 'x'));
    }
    BOOST_TEST_REQUIRE(contains(raw_files(), token)); // the starting point really is in clear
    BOOST_TEST_REQUIRE(contains(raw_files(), api_key));

    std::string sealed_token;
    {
        auto storage = open();
        BOOST_TEST(fs::exists(key_file)); // no sealed secret yet, so a key may be made
        RawDb raw{db_file};
        sealed_token = raw.value("invoicebox", seed.property.value, 0, "apiToken").value();
        BOOST_TEST(sealed_token.rfind("pms-sb1:", 0) == 0u);
        BOOST_TEST(raw.value("invoicebox", seed.property.value, seed.yes_arenda.value, "apiKey")
                       .value()
                       .rfind("pms-sb1:", 0) == 0u);
        BOOST_TEST(!contains(raw_files(), token)); // not even in free space or the log
        BOOST_TEST(!contains(raw_files(), api_key));
        BOOST_TEST(reads_back(*storage, property_scope, "apiToken", token));
        BOOST_TEST(reads_back(*storage, entity_scope, "apiKey", api_key));
    }
    BOOST_TEST(!contains(raw_files(), token));
    BOOST_TEST(!contains(raw_files(), api_key));

    // Opening again changes nothing: sealed values are left as they are.
    auto again = open();
    BOOST_TEST((RawDb{db_file}.value("invoicebox", seed.property.value, 0, "apiToken").value() ==
                sealed_token));
    BOOST_TEST(reads_back(*again, property_scope, "apiToken", token));
}

BOOST_AUTO_TEST_CASE(plaintext_among_sealed_rows_leaves_no_trace_in_free_space) {
    // A downgraded host wrote one secret in clear among sealed ones. Only that row is rewritten
    // at the next open, so its old cell becomes free space inside the page: it must be zeroed
    // (secure_delete), not left for anyone who reads the file.
    const SettingsScope other{"other-plugin", seed.property, std::nullopt};
    {
        auto storage = open();
        storage->settings().save_settings(other, "{}", {{"a", random_token()}});
    }
    {
        RawDb raw{db_file};
        const auto a = raw.value("other-plugin", seed.property.value, 0, "a").value();
        raw.erase("other-plugin", seed.property.value, 0, "a");           // the page is empty again
        raw.put("invoicebox", seed.property.value, 0, "apiToken", token); // the clear one
        raw.put("other-plugin", seed.property.value, 0, "a", a);          // a sealed row after it
    }
    BOOST_TEST_REQUIRE(contains(raw_files(), token));
    {
        auto storage = open();
        BOOST_TEST(!contains(raw_files(), token));
        BOOST_TEST(reads_back(*storage, property_scope, "apiToken", token));
        BOOST_TEST(storage->settings().get_secret(other, "a").has_value());
    }
    BOOST_TEST(!contains(raw_files(), token));
}

BOOST_AUTO_TEST_CASE(key_file_with_loose_mode_or_wrong_size_is_refused_not_replaced) {
    open()->settings().save_settings(property_scope, "{}", {{"apiToken", token}});
    const auto key = read_bytes(key_file);

    fs::permissions(key_file, fs::perms::owner_read | fs::perms::owner_write |
                                  fs::perms::group_read | fs::perms::others_read);
    const auto loose = failure_of([&] { (void)open(); });
    BOOST_TEST(loose.threw);
    BOOST_TEST((loose.errc == StorageErrc::io));
    BOOST_TEST(contains(loose.message, "0644"));
    BOOST_TEST(contains(loose.message, "chmod 600"));
    struct stat st {};
    BOOST_TEST_REQUIRE(::stat(key_file.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0644u); // the admin decides, the host does not repair
    BOOST_TEST((read_bytes(key_file) == key));

    fs::permissions(key_file, fs::perms::owner_read | fs::perms::owner_write);
    write_bytes(key_file, key.substr(0, 31));
    const auto short_key = failure_of([&] { (void)open(); });
    BOOST_TEST(short_key.threw);
    BOOST_TEST((short_key.errc == StorageErrc::corrupt));
    BOOST_TEST(contains(short_key.message, "31 bytes"));
    BOOST_TEST(read_bytes(key_file).size() == 31u);

    write_bytes(key_file, key);
    BOOST_TEST(reads_back(*open(), property_scope, "apiToken", token));
}

BOOST_AUTO_TEST_CASE(concurrent_first_opens_agree_on_one_key) {
    test::TempDir fresh;
    const auto folder = fresh.path() / "data";
    constexpr int threads = 6;
    std::vector<std::unique_ptr<Storage>> storages(threads);
    std::latch start{threads};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            start.arrive_and_wait();
            try {
                storages[t] = test::open_storage(folder);
            } catch (const std::exception&) {
            }
        });
    for (auto& w : workers)
        w.join();
    for (const auto& s : storages)
        BOOST_TEST_REQUIRE(s != nullptr);
    const auto hotel = seed_demo(*storages[0]);
    const SettingsScope scope{"invoicebox", hotel.property, std::nullopt};
    storages[0]->settings().save_settings(scope, "{}", {{"apiToken", token}});
    for (int t = 0; t < threads; ++t)
        BOOST_TEST(reads_back(*storages[t], scope, "apiToken", token), "instance " << t);
    std::size_t leftovers = 0;
    for (const auto& entry : fs::directory_iterator{folder})
        leftovers += entry.path().filename().string().find(".tmp-") != std::string::npos;
    BOOST_TEST(leftovers == 0u);
}

BOOST_AUTO_TEST_CASE(key_file_can_live_elsewhere) {
    test::TempDir keys;
    SqliteStorageOptions options;
    options.clock = test::test_clock();
    options.secret_key_file = keys.path() / "hotel.key";
    {
        auto storage = open_sqlite_storage(data, options);
        storage->settings().save_settings(property_scope, "{}", {{"apiToken", token}});
        BOOST_TEST(reads_back(*storage, property_scope, "apiToken", token));
    }
    BOOST_TEST(read_bytes(options.secret_key_file).size() == 32u);
    // The fixture's first open made data/secret.key; the other key cannot read this secret.
    const auto failure =
        failure_of([&] { (void)open()->settings().get_secret(property_scope, "apiToken"); });
    BOOST_TEST((failure.threw && failure.errc == StorageErrc::corrupt));
}

BOOST_AUTO_TEST_SUITE_END()
