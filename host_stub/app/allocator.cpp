#include "allocator.hpp"

#include <cstddef>
#include <cstdlib>

#ifdef PMS_HOST_JEMALLOC
#include <jemalloc/jemalloc.h>

// jemalloc reads this at its first allocation, before main (an operator's MALLOC_CONF still wins,
// as MALLOC_ARENA_MAX does for glibc). One arena, as glibc is held to one heap: the host's
// threads take turns with the same data, and memory one arena freed is reused by that arena only
// (issue 11). The threads' own caches are what removes the lock from the hot path, not arenas.
extern "C" {
const char* malloc_conf = "narenas:1";
}
#endif

namespace pms::host::app {

std::string describe_allocator() {
#ifdef PMS_HOST_JEMALLOC
    const char* version = nullptr;
    std::size_t size = sizeof(version);
    if (mallctl("version", &version, &size, nullptr, 0) != 0 || version == nullptr)
        return "jemalloc (version unknown)";
    unsigned arenas = 0;
    size = sizeof(arenas);
    std::string text = std::string{"jemalloc "} + version;
    if (mallctl("opt.narenas", &arenas, &size, nullptr, 0) == 0)
        text += ", " + std::to_string(arenas) + (arenas == 1 ? " arena" : " arenas");
    return text;
#elif defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return "the sanitizer's";
#else
    // The runtime limits glibc to one heap unless the operator set MALLOC_ARENA_MAX.
    const char* operator_max = std::getenv("MALLOC_ARENA_MAX");
    return std::string{"glibc malloc, "} + (operator_max != nullptr
                                                ? std::string{"MALLOC_ARENA_MAX="} + operator_max
                                                : std::string{"1 heap"});
#endif
}

} // namespace pms::host::app
