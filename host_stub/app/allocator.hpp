// The heap pms-host allocates from, named in its start-up log.
//
// Release builds link jemalloc (CMake option PMS_JEMALLOC, on unless a sanitizer brings its own
// allocator). A replayed notification allocates and frees a few dozen blocks on whichever io
// thread reads it, and the strand, the writer and the pool free blocks another thread allocated.
// glibc, held to one heap for a flat memory line (issue 11, host_stub/runtime/src/runtime.cpp),
// serialised those threads on that heap's lock; jemalloc's per-thread caches serve them without
// it while keeping the one arena (bench/README.md, the A/B of `b7394de` against `d910cca`, has
// the figures).
#pragma once

#include <string>

namespace pms::host::app {

/// "jemalloc 5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c, 1 arena" (read from jemalloc
/// itself), "glibc malloc, 1 heap" (or the operator's MALLOC_ARENA_MAX), or "the sanitizer's".
std::string describe_allocator();

} // namespace pms::host::app
