// Issue 11 (tests/soak/README.md): the runtime limits glibc's malloc to one heap ("arena") before
// it starts its threads (host_stub/runtime/src/runtime.cpp), so that memory freed on one thread
// is reused by the others instead of each arena keeping its own high-water mark.
//
// Counted from malloc_info(): threads that start allocating at the same time after the runtime
// exists must not add heaps (with glibc's default they each get one, up to 8 per core). The suite
// runs alone (ctest: --run_test=malloc_arenas). Under a sanitizer, whose allocator replaces
// glibc's, the count stays put anyway.
#include "harness.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace pms::host;
using namespace pms::host::test;

namespace {

#if defined(__GLIBC__)
/// The number of heaps glibc reports (`<heap nr="...">` elements of malloc_info).
int heap_count() {
    char* text = nullptr;
    std::size_t size = 0;
    FILE* out = open_memstream(&text, &size);
    BOOST_REQUIRE(out != nullptr);
    malloc_info(0, out);
    std::fclose(out);
    const std::string info{text, size};
    std::free(text);
    int n = 0;
    for (auto at = info.find("<heap nr="); at != std::string::npos;
         at = info.find("<heap nr=", at + 1))
        ++n;
    return n;
}
#endif

} // namespace

BOOST_AUTO_TEST_SUITE(malloc_arenas)

BOOST_AUTO_TEST_CASE(threads_started_after_the_runtime_share_the_heap) {
#if !defined(__GLIBC__)
    BOOST_TEST_MESSAGE("not glibc: nothing to check");
#else
    if (std::getenv("MALLOC_ARENA_MAX") != nullptr) {
        BOOST_TEST_MESSAGE("MALLOC_ARENA_MAX is set: the operator's choice wins, nothing to check");
        return;
    }
    Harness h;
    const int before = heap_count();

    // Eight threads allocating and freeing at the same moment: with glibc's default each one
    // that meets a locked heap gets a new one.
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            ++ready;
            while (!go.load())
                std::this_thread::yield();
            std::vector<std::string> kept;
            for (int i = 0; i < 20000; ++i) {
                kept.emplace_back(static_cast<std::size_t>(64 + (i * 37 + t) % 4096), 'x');
                if (kept.size() > 64)
                    kept.erase(kept.begin());
            }
        });
    while (ready.load() < 8)
        std::this_thread::yield();
    go = true;
    for (auto& t : threads)
        t.join();

    const int after = heap_count();
    BOOST_TEST_MESSAGE("glibc heaps: " << before << " after the runtime started, " << after
                                       << " after 8 threads allocated at once");
    BOOST_TEST(after == before);
#endif
}

BOOST_AUTO_TEST_SUITE_END()
