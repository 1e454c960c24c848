// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with its content on destruction.
#pragma once

#include <filesystem>
#include <string_view>

namespace pms::test {

class TempDir {
  public:
    // Creates <tmp>/<prefix>-XXXXXX (mkdtemp). Throws std::system_error on failure.
    explicit TempDir(std::string_view prefix = "pms-test");
    // Removes the directory tree; errors are ignored. Set PMS_KEEP_TEMP=1 to keep it.
    ~TempDir();

    TempDir(TempDir&& other) noexcept;
    TempDir& operator=(TempDir&& other) noexcept;
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

} // namespace pms::test
