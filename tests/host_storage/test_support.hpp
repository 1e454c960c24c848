// Shared helpers of the storage tests: a temporary data folder, opening storage on it with a
// fake clock, a failpoint environment guard, and running the crash helper as a child process.
#pragma once

#include "pms/host/storage/sqlite_storage.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

// How Boost.Test prints our types in failure messages (found by argument-dependent lookup).
namespace pms::host {
template <class Tag>
std::ostream& boost_test_print_type(std::ostream& os, const Id<Tag>& id) {
    return os << "#" << id.value;
}
inline std::ostream& boost_test_print_type(std::ostream& os, PostOutcome outcome) {
    return os << to_string(outcome);
}
inline std::ostream& boost_test_print_type(std::ostream& os, NotificationLevel level) {
    return os << to_string(level);
}
} // namespace pms::host

template <>
struct boost::test_tools::tt_detail::print_log_value<pms::host::UtcTime> {
    void operator()(std::ostream& os, pms::host::UtcTime t) {
        os << pms::host::to_utc_ms(t) << " ms";
    }
};

namespace pms::host::test {

/// A fresh directory under $TMPDIR, removed with everything in it at destruction.
class TempDir {
  public:
    TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  private:
    std::filesystem::path path_;
};

/// The test clock shared by everything a test opens.
std::shared_ptr<FakeClock> test_clock();

std::unique_ptr<Storage> open_storage(const std::filesystem::path& dir, int target_version = 0);

/// Sets PMS_FAILPOINT for the scope of the guard (in-process "name=throw" failpoints).
class FailpointGuard {
  public:
    explicit FailpointGuard(const std::string& spec);
    FailpointGuard(const FailpointGuard&) = delete;
    FailpointGuard& operator=(const FailpointGuard&) = delete;
    ~FailpointGuard();
};

struct ChildResult {
    bool exited = false;
    int exit_code = -1;
    bool signaled = false;
    int signal = 0;
};

/// Runs the crash helper (fork + exec, never a fork that keeps running our threads) in its own
/// process group, with PR_SET_PDEATHSIG so it cannot outlive us, and PMS_FAILPOINT set to
/// `failpoint` when given. Kills the group and fails after `timeout`.
ChildResult run_crash_helper(const std::vector<std::string>& args,
                             const std::optional<std::string>& failpoint,
                             std::chrono::seconds timeout = std::chrono::seconds{120});

} // namespace pms::host::test
