// `pms-host user ...`: staff accounts from the command line, on the same data folder the host
// uses (it may be running: SQLite's single writer serialises the two processes, and the host
// notices a disabled user within a second). Passwords are read from the terminal without echo,
// or from stdin when it is not a terminal; never from argv, where `ps` would show them.
// It runs only as the owner of the data folder (a folder that does not exist yet is created by
// its caller): root running it on the service's /var/lib/pms-host would leave a root-owned
// database or key there that the host cannot open, so it refuses and prints the same command
// prefixed with `sudo -u <owner>`.
#pragma once

#include <string>
#include <vector>

namespace pms::host::app {

/// True when argv (argv[0] excluded) is a `user` command.
[[nodiscard]] bool is_user_command(const std::vector<std::string>& args);

/// Runs it; returns the process exit code (0 done, 1 failed, 2 usage).
int run_user_command(const std::vector<std::string>& args);

} // namespace pms::host::app
