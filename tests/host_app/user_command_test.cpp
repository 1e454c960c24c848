// `pms-host user ...` runs only as the owner of the data folder (host_stub/app/user_command.cpp):
// after a package install the folder is pms-host's, and root running the command there would
// leave a root-owned database or secret.key that the service cannot open. In-process, on
// temporary folders; the cases that give a folder to another uid need root (CI runs as root).
#include <boost/test/unit_test.hpp>

#include "user_command.hpp"

#include <filesystem>
#include <iostream>
#include <pwd.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using pms::host::app::run_user_command;

namespace {

// A fresh folder in /tmp, owned by this process's user, removed afterwards.
struct ScratchDir {
    fs::path path;
    ScratchDir() {
        std::string pattern = (fs::temp_directory_path() / "pms-user-cmd-XXXXXX").string();
        path = ::mkdtemp(pattern.data());
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

struct Run {
    int code = -1;
    std::string out;
    std::string err;
};

// run_user_command with stdout, stderr and stdin redirected (stdin: the password line(s)).
Run run(const std::vector<std::string>& args, const std::string& input = {}) {
    std::ostringstream out, err;
    std::istringstream in{input};
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    auto* old_in = std::cin.rdbuf(in.rdbuf());
    Run r;
    try {
        r.code = run_user_command(args);
    } catch (...) {
        r.code = -2;
    }
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    std::cin.rdbuf(old_in);
    r.out = out.str();
    r.err = err.str();
    return r;
}

// A uid with no account, so the message must name it as sudo's "#<uid>".
uid_t unnamed_uid() {
    for (uid_t uid = 42420;; ++uid)
        if (::getpwuid(uid) == nullptr)
            return uid;
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

std::size_t entries(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir))
        ++n;
    return n;
}

} // namespace

BOOST_AUTO_TEST_SUITE(user_command)

BOOST_AUTO_TEST_CASE(refuses_a_data_folder_owned_by_another_user) {
    if (::geteuid() != 0) {
        // Without root no folder can be given away; "/" belongs to root, and the refusal comes
        // before anything is written, so the same rule is visible.
        const auto r = run({"user", "list", "--data", "/"});
        BOOST_TEST(r.code == 1);
        BOOST_TEST(contains(r.err, "sudo -u root pms-host user list --data /"), r.err);
        return;
    }
    ScratchDir scratch;
    const fs::path data = scratch.path / "data";
    fs::create_directory(data);
    const uid_t other = unnamed_uid();
    BOOST_TEST_REQUIRE(::chown(data.c_str(), other, other) == 0);
    const std::string owner = "'#" + std::to_string(other) + "'"; // quoted: # starts a comment

    auto r = run({"user", "add", "anna", "--role", "admin", "--name", "Анна Смирнова", "--data",
                  data.string()},
                 "a-long-enough-password-17\n");
    BOOST_TEST(r.code == 1);
    // The message says why and gives the command to paste, with an absolute --data.
    BOOST_TEST(contains(r.err, "belongs to #" + std::to_string(other)), r.err);
    BOOST_TEST(contains(r.err, "runs as root"), r.err);
    BOOST_TEST(contains(r.err, "sudo -u " + owner +
                                   " pms-host user add anna --role admin "
                                   "--name 'Анна Смирнова' --data " +
                                   data.string()),
               r.err);
    // Nothing was created: no database, no key, no journal.
    BOOST_TEST(entries(data) == 0u);

    r = run({"user", "list", "--data", data.string()});
    BOOST_TEST(r.code == 1);
    BOOST_TEST(entries(data) == 0u);
}

BOOST_AUTO_TEST_CASE(runs_on_its_own_folder_and_on_a_new_one) {
    ScratchDir scratch;
    // A folder that does not exist yet is created by the command, owned by its caller.
    const fs::path data = scratch.path / "new-data";
    auto r =
        run({"user", "add", "anna", "--role", "admin", "--name", "Anna", "--data", data.string()},
            "a-long-enough-password-17\na-long-enough-password-17\n");
    BOOST_TEST_REQUIRE(r.code == 0, r.err);
    struct stat st {};
    BOOST_TEST_REQUIRE(::stat(data.c_str(), &st) == 0);
    BOOST_TEST(st.st_uid == ::geteuid());

    // Now it exists and is ours (root on a root-owned folder when run as root): allowed.
    r = run({"user", "list", "--data", data.string()});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(contains(r.out, "anna\tadmin"), r.out);
}

BOOST_AUTO_TEST_CASE(names_the_fix_for_database_files_of_another_owner) {
    if (::geteuid() != 0) {
        BOOST_TEST_MESSAGE("needs root to give a file to another uid; checked in CI");
        return;
    }
    ScratchDir scratch;
    const fs::path data = scratch.path / "data";
    auto r = run({"user", "list", "--data", data.string()}); // creates the database
    BOOST_TEST_REQUIRE(r.code == 0, r.err);
    const uid_t other = unnamed_uid();
    const fs::path db = data / "pms-host.sqlite3";
    BOOST_TEST_REQUIRE(fs::exists(db));
    BOOST_TEST_REQUIRE(::chown(db.c_str(), other, other) == 0);

    r = run({"user", "list", "--data", data.string()});
    BOOST_TEST(r.code == 1);
    BOOST_TEST(contains(r.err, db.string() + " belongs to #" + std::to_string(other)), r.err);
    BOOST_TEST(contains(r.err, "chown"), r.err);
}

BOOST_AUTO_TEST_SUITE_END()
