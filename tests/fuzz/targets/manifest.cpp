// Target: the plugin manifest reader (host_stub/runtime/src/manifest.cpp, read_manifest), which
// the host runs on every plugin.json it finds before loading any code.
//
// read_manifest takes a path, so each input is written to one scratch file of this process
// (under TMPDIR, removed at exit). Property: it never throws (documented), and a manifest it
// accepts has an id, a library file name and a version that formats.
#include "input.hpp"

#include <manifest.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace hd = pms::host::detail;
namespace fs = std::filesystem;

namespace {


const fs::path& scratch() {
    static const fs::path p = [] {
        fs::path dir = std::getenv("TMPDIR") ? fs::path(std::getenv("TMPDIR")) : fs::temp_directory_path();
        fs::path file = dir / ("pms-fuzz-manifest-" + std::to_string(::getpid()) + ".json");
        std::atexit([] { std::error_code ec; fs::remove(scratch(), ec); });
        return file;
    }();
    return p;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    {
        std::ofstream out(scratch(), std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    const auto r = hd::read_manifest(scratch());
    if (r.manifest) {
        FUZZ_REQUIRE(!r.manifest->id.empty());
        FUZZ_REQUIRE(!r.manifest->library.empty());
        (void)hd::version_text(r.manifest->api_major, r.manifest->api_minor, r.manifest->api_patch);
    } else {
        FUZZ_REQUIRE(!r.error.empty());
    }
    return 0;
}
