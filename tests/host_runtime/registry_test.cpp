// OperationRegistry (src/operation_registry.hpp) on its own: exactly-once delivery under every
// race of completion, cancel and drain, and late completions dropped without running the
// delivery once the instance is finalised or gone.
#include "operation_registry.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

using pms::host::detail::OperationRegistry;
using Mode = OperationRegistry::CancelMode;

namespace {

// A strand stand-in: posted closures wait in a queue until run() (one thread at a time).
struct ManualStrand {
    std::mutex mutex;
    std::deque<std::function<void()>> queue;
    OperationRegistry::Poster poster() {
        return [this](std::function<void()> f) {
            std::lock_guard lock(mutex);
            queue.push_back(std::move(f));
        };
    }
    std::size_t run() {
        std::size_t n = 0;
        for (;;) {
            std::function<void()> f;
            {
                std::lock_guard lock(mutex);
                if (queue.empty())
                    return n;
                f = std::move(queue.front());
                queue.pop_front();
            }
            f();
            ++n;
        }
    }
};

struct Fixture {
    ManualStrand strand;
    std::shared_ptr<int> owner = std::make_shared<int>(0);
    OperationRegistry ops{strand.poster()};
    Fixture() {
        ops.set_owner(owner);
        ops.open();
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(registry)

BOOST_FIXTURE_TEST_CASE(completes_once_and_never_inline, Fixture) {
    int ok = 0, cancelled = 0;
    const auto id = ops.begin(Mode::host, [&] { ++cancelled; });
    BOOST_REQUIRE(id != 0);
    BOOST_CHECK_EQUAL(ops.outstanding(), 1u);
    BOOST_CHECK(ops.complete(id, [&] { ++ok; }));
    BOOST_CHECK_EQUAL(ok, 0); // posted, not inline
    BOOST_CHECK(!ops.complete(id, [&] { ++ok; }));
    BOOST_CHECK(!ops.cancel(id));
    strand.run();
    BOOST_CHECK_EQUAL(ok, 1);
    BOOST_CHECK_EQUAL(cancelled, 0);
    BOOST_CHECK_EQUAL(ops.outstanding(), 0u);
}

BOOST_FIXTURE_TEST_CASE(cancel_wins_and_the_late_completion_is_dropped, Fixture) {
    int ok = 0, cancelled = 0, source_cancels = 0;
    const auto id = ops.begin(Mode::host, [&] { ++cancelled; });
    ops.set_source_cancel(id, [&] {
        ++source_cancels;
        return true;
    });
    BOOST_CHECK(ops.cancel(id));
    BOOST_CHECK(!ops.complete(id, [&] { ++ok; }));
    strand.run();
    BOOST_CHECK_EQUAL(ok, 0);
    BOOST_CHECK_EQUAL(cancelled, 1);
    BOOST_CHECK_EQUAL(source_cancels, 1);
}

BOOST_FIXTURE_TEST_CASE(forward_cancel_lets_the_source_report, Fixture) {
    int delivered = 0, host_cancelled = 0;
    bool asked = false;
    const auto id = ops.begin(Mode::forward, [&] { ++host_cancelled; });
    ops.set_source_cancel(id, [&] {
        asked = true;
        return true;
    });
    BOOST_CHECK(ops.cancel(id));
    BOOST_CHECK(asked);
    BOOST_CHECK(ops.complete(id, [&] { ++delivered; })); // the source's own "aborted" outcome
    strand.run();
    BOOST_CHECK_EQUAL(delivered, 1);
    BOOST_CHECK_EQUAL(host_cancelled, 0);
}

BOOST_FIXTURE_TEST_CASE(before_start_cancels_only_until_started, Fixture) {
    int a_cancelled = 0, b_cancelled = 0, b_done = 0;
    const auto a = ops.begin(Mode::before_start, [&] { ++a_cancelled; });
    const auto b = ops.begin(Mode::before_start, [&] { ++b_cancelled; });
    BOOST_CHECK(ops.mark_started(b));
    BOOST_CHECK(ops.cancel(a));
    BOOST_CHECK(!ops.mark_started(a)); // the source must not start it now
    BOOST_CHECK(!ops.cancel(b));       // running: completes with its real outcome
    BOOST_CHECK(ops.complete(b, [&] { ++b_done; }));
    strand.run();
    BOOST_CHECK_EQUAL(a_cancelled, 1);
    BOOST_CHECK_EQUAL(b_cancelled, 0);
    BOOST_CHECK_EQUAL(b_done, 1);
}

BOOST_FIXTURE_TEST_CASE(drain_cancels_everything_then_reports_idle, Fixture) {
    int cancelled = 0, idle = 0, started_done = 0;
    std::vector<std::uint64_t> ids;
    for (int i = 0; i < 5; ++i)
        ids.push_back(ops.begin(Mode::host, [&] { ++cancelled; }));
    const auto running = ops.begin(Mode::before_start, [&] { ++cancelled; });
    ops.mark_started(running);
    ops.drain(true, [&] { ++idle; });
    BOOST_CHECK_EQUAL(ops.begin(Mode::host, [] {}), 0u); // refused while draining
    int post_cancelled = 0;
    const auto post = ops.begin(
        Mode::host, [&] { ++post_cancelled; }, /*is_post=*/true);
    BOOST_CHECK(post != 0); // posts are still accepted, and complete CANCELLED
    BOOST_CHECK(!ops.complete(post, [] { BOOST_ERROR("a drained post ran normally"); }));
    strand.run();
    BOOST_CHECK_EQUAL(cancelled, 5);
    BOOST_CHECK_EQUAL(post_cancelled, 1);
    BOOST_CHECK_EQUAL(idle, 0); // the started posting is still outstanding
    BOOST_CHECK(ops.complete(running, [&] { ++started_done; }));
    strand.run();
    BOOST_CHECK_EQUAL(started_done, 1);
    BOOST_CHECK_EQUAL(idle, 1);
    BOOST_CHECK_EQUAL(ops.outstanding(), 0u);
}

BOOST_FIXTURE_TEST_CASE(drain_with_nothing_outstanding_reports_idle_on_the_strand, Fixture) {
    int idle = 0;
    ops.drain(false, [&] { ++idle; });
    BOOST_CHECK_EQUAL(idle, 0);
    strand.run();
    BOOST_CHECK_EQUAL(idle, 1);
}

BOOST_FIXTURE_TEST_CASE(late_completion_after_finalise_runs_no_plugin_code, Fixture) {
    int ran = 0;
    const auto id = ops.begin(Mode::host, [&] { ++ran; });
    BOOST_CHECK(ops.complete(id, [&] { ++ran; })); // delivery posted...
    ops.finalise();                                // ...but the instance is finalised first
    strand.run();
    BOOST_CHECK_EQUAL(ran, 0);
    BOOST_CHECK_EQUAL(ops.outstanding(), 0u);
    BOOST_CHECK_EQUAL(ops.begin(Mode::host, [] {}), 0u);
}

BOOST_AUTO_TEST_CASE(late_completion_after_the_instance_is_gone_is_dropped) {
    ManualStrand strand;
    auto owner = std::make_shared<int>(0);
    auto ops = std::make_unique<OperationRegistry>(strand.poster());
    ops->set_owner(owner);
    ops->open();
    int ran = 0;
    const auto id = ops->begin(Mode::host, [&] { ++ran; });
    ops->complete(id, [&] { ++ran; });
    owner.reset(); // the instance is destroyed with a delivery still queued
    ops.reset();
    BOOST_CHECK_EQUAL(strand.run(), 1u);
    BOOST_CHECK_EQUAL(ran, 0);
}

BOOST_AUTO_TEST_CASE(exactly_once_under_concurrent_complete_cancel_and_drain) {
    ManualStrand strand;
    auto owner = std::make_shared<int>(0);
    OperationRegistry ops{strand.poster()};
    ops.set_owner(owner);
    ops.open();
    constexpr int n = 20000;
    std::vector<std::atomic<int>> delivered(n);
    std::vector<std::uint64_t> ids(n);
    for (int i = 0; i < n; ++i)
        ids[i] = ops.begin(i % 2 ? Mode::host : Mode::forward,
                           [&delivered, i] { delivered[i].fetch_add(1); });
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            while (!go.load()) {
            }
            for (int i = t; i < n; i += 2) {
                if (t % 2 == 0)
                    ops.complete(ids[i], [&delivered, i] { delivered[i].fetch_add(1); });
                else
                    ops.cancel(ids[i]);
            }
        });
    std::thread drainer([&] {
        while (!go.load()) {
        }
        std::this_thread::yield();
        ops.drain(false, [] {});
    });
    std::thread runner([&] {
        while (!go.load()) {
        }
        for (int k = 0; k < 200; ++k)
            strand.run();
    });
    go.store(true);
    for (auto& t : threads)
        t.join();
    drainer.join();
    runner.join();
    // Forward-mode operations cancelled without a source cancel fall back to host delivery;
    // anything a cancel forwarded and nobody completed is completed now, like a source would.
    for (int i = 0; i < n; ++i)
        ops.complete(ids[i], [&delivered, i] { delivered[i].fetch_add(1); });
    strand.run();
    int bad = 0;
    for (int i = 0; i < n; ++i)
        bad += delivered[i].load() != 1;
    BOOST_CHECK_EQUAL(bad, 0);
    BOOST_CHECK_EQUAL(ops.outstanding(), 0u);
}

BOOST_AUTO_TEST_SUITE_END()
