// See user_command.hpp.
#include "user_command.hpp"

#include <pms/host/auth/password.hpp>
#include <pms/host/auth/permissions.hpp>
#include <pms/host/storage/errors.hpp>
#include <pms/host/storage/sqlite_storage.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <pwd.h>
#include <string_view>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

namespace pms::host::app {
namespace {

namespace fs = std::filesystem;

constexpr const char* user_usage = R"(Usage:
  pms-host user add LOGIN --role admin|front_desk|accountant --name "Full name" [--data DIR]
  pms-host user list [--data DIR]
  pms-host user disable LOGIN [--data DIR]
  pms-host user enable LOGIN [--data DIR]
  pms-host user passwd LOGIN [--data DIR]
The password is read from the terminal (asked twice, not shown) or from the first line of stdin.
)";

struct UserArgs {
    std::string action;
    std::string login;
    std::string role;
    std::string name;
    fs::path data_dir;
};

std::optional<UserArgs> parse(const std::vector<std::string>& args, std::string& error) {
    UserArgs out;
    std::vector<std::string> positional;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& into) {
            if (i + 1 >= args.size()) {
                error = a + " needs a value";
                return false;
            }
            into = args[++i];
            return true;
        };
        std::string v;
        if (a == "--role") {
            if (!value(out.role))
                return std::nullopt;
        } else if (a == "--name") {
            if (!value(out.name))
                return std::nullopt;
        } else if (a == "--data") {
            if (!value(v))
                return std::nullopt;
            out.data_dir = v;
        } else if (a.rfind("--", 0) == 0) {
            error = "unknown argument '" + a + "'";
            return std::nullopt;
        } else {
            positional.push_back(a);
        }
    }
    if (positional.empty()) {
        error = "which user command?";
        return std::nullopt;
    }
    out.action = positional[0];
    const bool needs_login = out.action != "list";
    if (needs_login != (positional.size() == 2) || positional.size() > 2) {
        error = needs_login ? "name exactly one LOGIN" : "'list' takes no LOGIN";
        return std::nullopt;
    }
    if (needs_login)
        out.login = positional[1];
    if (out.action == "add" && (out.role.empty() || out.name.empty())) {
        error = "'add' needs --role and --name";
        return std::nullopt;
    }
    if (out.action != "add" && out.action != "list" && out.action != "disable" &&
        out.action != "enable" && out.action != "passwd") {
        error = "unknown user command '" + out.action + "'";
        return std::nullopt;
    }
    return out;
}

// One line from the terminal without echo, or from stdin.
std::optional<std::string> read_secret_line(const char* prompt, bool tty) {
    termios saved{};
    if (tty) {
        std::fputs(prompt, stderr);
        std::fflush(stderr);
        tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line;
    const bool got = static_cast<bool>(std::getline(std::cin, line));
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        std::fputs("\n", stderr);
    }
    if (!got)
        return std::nullopt;
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    return line;
}

std::optional<std::string> read_new_password() {
    const bool tty = isatty(STDIN_FILENO) != 0;
    auto first = read_secret_line("Пароль: ", tty);
    if (!first) {
        std::cerr << "pms-host user: no password given on stdin\n";
        return std::nullopt;
    }
    if (tty) {
        auto again = read_secret_line("Пароль ещё раз: ", tty);
        if (!again || *again != *first) {
            std::cerr << "pms-host user: the passwords differ\n";
            return std::nullopt;
        }
    }
    if (auto problem = auth::password_problem(*first); !problem.empty()) {
        std::cerr << "pms-host user: " << problem << "\n";
        return std::nullopt;
    }
    return first;
}

// The account name of `uid`, or "#<uid>" (how `sudo -u` accepts a bare uid) when there is
// none.
std::string account_name(uid_t uid) {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr)
        return found->pw_name;
    return "#" + std::to_string(uid);
}

// `text` as one shell word, so that the command we suggest can be pasted as it is.
std::string shell_word(const std::string& text) {
    const std::string_view safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789-_./=:@%+,";
    if (!text.empty() && text.find_first_not_of(safe) == std::string::npos)
        return text;
    std::string out = "'";
    for (const char c : text)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// This command again, as `user` would run it: the same arguments with an absolute --data, so
// that it means the same folder from any working directory.
std::string same_command_as(const std::string& user, const std::vector<std::string>& args,
                            const fs::path& data_dir) {
    std::string out = "sudo -u " + shell_word(user) + " pms-host";
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--data") {
            ++i;
            continue;
        }
        out += " " + shell_word(args[i]);
    }
    return out + " --data " + shell_word(fs::absolute(data_dir).lexically_normal().string());
}

// The data folder belongs to the account the host runs as (pms-host under the Debian package,
// the developer on their machine). Anything this command creates there — the database, its
// WAL and shared-memory files, secret.key — is owned by whoever runs it, and the service
// cannot open a root-owned database or key (0600). So the command runs only as the folder's
// owner; root on a root-owned folder (development) is that same rule. A folder that does not
// exist yet is made by this command, owned by its caller, which is consistent too. The
// database files are checked as well, to name the fix when an earlier run (before this check)
// left some of them with another owner.
bool runs_as_data_owner(const fs::path& data_dir, const std::vector<std::string>& args) {
    const uid_t me = ::geteuid();
    struct stat dir {};
    if (::stat(data_dir.c_str(), &dir) != 0)
        return true; // missing: created below; unreadable: the storage reports it
    if (dir.st_uid != me) {
        const std::string owner = account_name(dir.st_uid);
        const std::string caller = account_name(me);
        std::cerr << "pms-host user: the data folder "
                  << fs::absolute(data_dir).lexically_normal().string() << " belongs to " << owner
                  << ", but this command runs as " << caller << ".\n"
                  << "The database and key files it would write there would belong to " << caller
                  << ", and a host running as " << owner
                  << " could not open them. Run it as the folder's owner:\n  "
                  << same_command_as(owner, args, data_dir) << "\n";
        // runuser (util-linux, always installed) takes account names only; sudo may be absent
        // on a server.
        if (owner.front() != '#')
            std::cerr << "(or, as root without sudo: runuser -u " << shell_word(owner)
                      << " -- pms-host user ...)\n";
        return false;
    }
    const std::string db = SqliteStorageOptions{}.file_name;
    for (const std::string& name : {db, db + "-wal", db + "-shm", std::string("secret.key")}) {
        struct stat file {};
        if (::lstat((data_dir / name).c_str(), &file) == 0 && file.st_uid != me) {
            std::cerr << "pms-host user: " << (data_dir / name).string() << " belongs to "
                      << account_name(file.st_uid) << ", not to " << account_name(me)
                      << ", who owns the data folder. Stop the host and give the files back to "
                         "the folder's owner (chown "
                      << shell_word(account_name(me)) << " "
                      << shell_word((data_dir / name).string())
                      << ", and the same for the other pms-host.sqlite3* files and secret.key), "
                         "then run this command again.\n";
            return false;
        }
    }
    return true;
}

} // namespace

bool is_user_command(const std::vector<std::string>& args) {
    return !args.empty() && args[0] == "user";
}

int run_user_command(const std::vector<std::string>& args) {
    std::string error;
    const auto parsed = parse(args, error);
    if (!parsed) {
        std::cerr << "pms-host user: " << error << "\n" << user_usage;
        return 2;
    }
    const auto& a = *parsed;
    const fs::path data_dir = a.data_dir.empty() ? fs::current_path() / "pms-host-data" : a.data_dir;
    // Before anything is read (the password) or written (the database).
    if (!runs_as_data_owner(data_dir, args))
        return 1;
    try {
        auto storage = open_sqlite_storage(data_dir, {});
        auto& staff = storage->staff();
        if (a.action == "list") {
            for (const auto& u : staff.list_users())
                std::cout << u.login << "\t" << to_string(u.role) << "\t"
                          << (u.disabled ? "disabled" : "active") << "\t" << u.name << "\n";
            return 0;
        }
        if (a.action == "add") {
            const auto role = parse_staff_role(a.role);
            if (!role) {
                std::cerr << "pms-host user: --role must be admin, front_desk or accountant\n";
                return 2;
            }
            const auto password = read_new_password();
            if (!password)
                return 1;
            staff.add_user({a.login, a.name, *role, auth::hash_password(*password)});
            AuditDraft audit{"host:command-line", "", "staff.add", "staff:" + a.login, "{}", {}};
            storage->audit().append(audit);
            std::cout << "added " << a.login << " (" << to_string(*role) << ")\n";
            return 0;
        }
        if (a.action == "passwd") {
            const auto password = read_new_password();
            if (!password)
                return 1;
            if (!staff.set_password_hash(a.login, auth::hash_password(*password))) {
                std::cerr << "pms-host user: no user '" << a.login << "'\n";
                return 1;
            }
            storage->audit().append(
                {"host:command-line", "", "staff.password", "staff:" + a.login, "{}", {}});
            std::cout << "password of " << a.login << " changed; their sessions ended\n";
            return 0;
        }
        const bool disable = a.action == "disable";
        if (!staff.set_disabled(a.login, disable)) {
            std::cerr << "pms-host user: no user '" << a.login << "'\n";
            return 1;
        }
        storage->audit().append({"host:command-line", "",
                                 disable ? "staff.disable" : "staff.enable", "staff:" + a.login,
                                 "{}", {}});
        std::cout << (disable ? "disabled " : "enabled ") << a.login
                  << (disable ? "; their sessions ended\n" : "\n");
        return 0;
    } catch (const StorageError& e) {
        if (e.errc() == StorageErrc::already_exists) {
            std::cerr << "pms-host user: the login '" << a.login << "' is taken\n";
            return 1;
        }
        std::cerr << "pms-host user: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "pms-host user: " << e.what() << "\n";
        return 1;
    }
}

} // namespace pms::host::app
