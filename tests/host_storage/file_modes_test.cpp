// The data folder and the files in it are the host user's alone: folder 0700, database, -wal,
// -shm and secret.key 0600, whatever the process umask, and an existing folder or database left
// open to group or others by an older version is tightened at open.
#include "pms/host/storage/sqlite_storage.hpp"
#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <sys/stat.h>

using namespace pms::host;

namespace {

namespace fs = std::filesystem;

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0)
        return 0xFFFF; // "missing": never equal to a mode a test expects
    return st.st_mode & 07777;
}

/// Sets the process umask for the scope of the guard. The storage must not depend on it.
class UmaskGuard {
  public:
    explicit UmaskGuard(mode_t mask) : previous_{::umask(mask)} {}
    UmaskGuard(const UmaskGuard&) = delete;
    UmaskGuard& operator=(const UmaskGuard&) = delete;
    ~UmaskGuard() { ::umask(previous_); }

  private:
    mode_t previous_;
};

struct Files {
    fs::path dir;
    fs::path db = dir / "pms-host.sqlite3";
    fs::path wal = dir / "pms-host.sqlite3-wal";
    fs::path shm = dir / "pms-host.sqlite3-shm";
    fs::path key = dir / "secret.key";
};

const StoreScope scope{"p", PropertyId{1}};

} // namespace

BOOST_AUTO_TEST_SUITE(file_modes)

BOOST_AUTO_TEST_CASE(new_folder_and_files_are_owner_only_whatever_the_umask) {
    test::TempDir tmp;
    const Files f{tmp.path() / "nested" / "data"};
    UmaskGuard open_umask{0}; // SQLite alone would make 0644 files and mkdir 0777 folders
    auto storage = test::open_storage(f.dir);
    storage->plugin_store().put(scope, "k", "v"); // the log and the shared memory are in use
    BOOST_TEST(mode_of(f.dir) == 0700u);
    BOOST_TEST(mode_of(f.db) == 0600u);
    BOOST_TEST(mode_of(f.wal) == 0600u); // SQLite copies the database file's mode
    BOOST_TEST(mode_of(f.shm) == 0600u);
    BOOST_TEST(mode_of(f.key) == 0600u);
    BOOST_TEST(fs::file_size(f.key) == 32u);
}

BOOST_AUTO_TEST_CASE(existing_loose_folder_and_files_are_tightened) {
    test::TempDir tmp;
    const Files f{tmp.path() / "data"};
    { auto storage = test::open_storage(f.dir); }
    // What an older version under umask 022 left behind.
    fs::permissions(f.dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
    fs::permissions(f.db, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);
    // A reader of the old host keeps the log and shared memory open; SQLite created them with
    // the database file's 0644.
    sqlite3* reader = nullptr;
    BOOST_TEST_REQUIRE(sqlite3_open(f.db.c_str(), &reader) == SQLITE_OK);
    BOOST_TEST_REQUIRE(sqlite3_exec(reader, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr,
                                    nullptr) == SQLITE_OK);
    BOOST_TEST_REQUIRE(mode_of(f.dir) == 0755u);
    BOOST_TEST_REQUIRE(mode_of(f.db) == 0644u);
    BOOST_TEST_REQUIRE(mode_of(f.wal) == 0644u);
    BOOST_TEST_REQUIRE(mode_of(f.shm) == 0644u);

    {
        auto storage = test::open_storage(f.dir);
        BOOST_TEST(mode_of(f.dir) == 0700u);
        BOOST_TEST(mode_of(f.db) == 0600u);
        BOOST_TEST(mode_of(f.wal) == 0600u);
        BOOST_TEST(mode_of(f.shm) == 0600u);
        BOOST_TEST(mode_of(f.key) == 0600u);
    }
    sqlite3_close(reader);
}

BOOST_AUTO_TEST_CASE(shared_sticky_folder_is_refused_and_left_alone) {
    test::TempDir tmp;
    const auto shared = tmp.path() / "shared";
    fs::create_directory(shared);
    fs::permissions(shared, fs::perms::all | fs::perms::sticky_bit);
    BOOST_TEST_REQUIRE(mode_of(shared) == 01777u);
    bool refused = false;
    try {
        (void)test::open_storage(shared);
    } catch (const StorageError& e) {
        refused = e.errc() == StorageErrc::io &&
                  std::string{e.what()}.find("sticky") != std::string::npos;
    }
    BOOST_TEST(refused);
    BOOST_TEST(mode_of(shared) == 01777u);
    BOOST_TEST(!fs::exists(shared / "pms-host.sqlite3"));
}

BOOST_AUTO_TEST_SUITE_END()
