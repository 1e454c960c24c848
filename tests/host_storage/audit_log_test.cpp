// The audit log: appends, newest-first paging, filters, and that rows cannot be changed.
#include "pms/host/storage/audit_log.hpp"

#include "test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

using namespace pms::host;

namespace {

struct AuditFixture {
    test::TempDir dir;
    std::unique_ptr<Storage> storage = test::open_storage(dir.path());
    AuditLog& audit = storage->audit();
};

/// Runs SQL on the file directly, as an intruder would; returns the SQLite result code.
int raw_exec(const std::filesystem::path& file, const char* sql) {
    sqlite3* db = nullptr;
    sqlite3_open(file.c_str(), &db);
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return rc;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(audit_log, AuditFixture)

BOOST_AUTO_TEST_CASE(append_and_list_newest_first) {
    const auto a = audit.append({"staff:17", "Анна", "settings.save", "plugin:invoicebox",
                                 R"({"changed":["shopId"]})", PropertyId{1}});
    test::test_clock()->advance(std::chrono::seconds{1});
    const auto b = audit.append({"plugin:invoicebox", "", "payment.post", "folio:30682277",
                                 R"({"amount":"67680.00"})", PropertyId{1}});
    const auto c = audit.append({"host", "", "host.start", "host", "{}", std::nullopt});
    BOOST_TEST(a < b);
    BOOST_TEST(b < c);

    const auto all = audit.list({});
    BOOST_REQUIRE(all.size() == 3u);
    BOOST_TEST(all[0].id == c);
    BOOST_TEST(all[2].actor_name == "Анна");
    BOOST_TEST(all[2].details_json == R"({"changed":["shopId"]})");
    BOOST_TEST(all[1].at > all[2].at);

    BOOST_TEST(audit.list({PropertyId{1}, std::nullopt, AuditEntryId{}, 100}).size() == 2u);
    BOOST_TEST(
        audit.list({std::nullopt, std::string{"folio:30682277"}, AuditEntryId{}, 100}).size() ==
        1u);
    const auto page = audit.list({std::nullopt, std::nullopt, c, 1});
    BOOST_REQUIRE(page.size() == 1u);
    BOOST_TEST(page[0].id == b);
}

BOOST_AUTO_TEST_CASE(details_must_be_json) {
    BOOST_CHECK_EXCEPTION(
        audit.append({"host", "", "x", "y", "{broken", std::nullopt}), StorageError,
        [](const StorageError& e) { return e.errc() == StorageErrc::invalid_argument; });
    BOOST_TEST(audit.list({}).empty());
}

BOOST_AUTO_TEST_CASE(rows_cannot_be_updated_or_deleted) {
    audit.append({"host", "", "host.start", "host", "{}", std::nullopt});
    const auto file = dir.path() / "pms-host.sqlite3";
    BOOST_TEST(raw_exec(file, "UPDATE audit_log SET actor = 'someone else'") != SQLITE_OK);
    BOOST_TEST(raw_exec(file, "DELETE FROM audit_log") != SQLITE_OK);
    const auto rows = audit.list({});
    BOOST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0].actor == "host");
}

BOOST_AUTO_TEST_SUITE_END()
