// The plugin's copy of one store prefix (store_scan_mirror.hpp): a whole scan becomes the copy,
// later scans read no store, durable writes keep it current, scans during a write in flight
// see the pending state, and everything unusual drops it. The store here is a std::map that
// plays the host's (which reads through pending batches: a batch is applied when it starts).
#include <invoicebox/plugin/store_scan_mirror.hpp>

#include "store_ops.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

using invoicebox::plugin::StoreOp;
using invoicebox::plugin::StoreScanMirror;
using invoicebox::plugin::test_ops::erase;
using invoicebox::plugin::test_ops::put;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct Store {
    std::map<std::string, std::string> rows;
    int scans = 0; ///< scans that reached the store
    StoreScanMirror mirror;

    explicit Store(std::size_t max_bytes = StoreScanMirror::default_max_bytes,
                   StoreScanMirror::Clock::duration max_idle = StoreScanMirror::default_max_idle,
                   std::function<StoreScanMirror::Clock::time_point()> now = &StoreScanMirror::Clock::now)
        : mirror("v1/open/", max_bytes, max_idle, std::move(now)) {}

    void apply(const std::vector<StoreOp>& ops) {
        for (const auto& op : ops) {
            if (op.kind == StoreOp::Kind::put)
                rows[op.key] = op.value;
            else
                rows.erase(op.key);
        }
    }
    /// A batch as the host runs one: visible from its start, durable (or not) at its finish.
    void start(const std::vector<StoreOp>& ops) {
        mirror.write_started(ops);
        apply(ops);
    }
    void write(const std::vector<StoreOp>& ops) {
        start(ops);
        mirror.write_finished(ops, true);
    }
    /// A failed batch: the host rolled it back.
    void fail(const std::vector<StoreOp>& ops, const std::map<std::string, std::string>& before) {
        rows = before;
        mirror.write_finished(ops, false);
    }
    Pairs scan(std::string_view prefix, std::size_t stop_after = 0,
               const std::function<void()>& while_visiting = {}) {
        Pairs out;
        mirror.scan(
            prefix,
            [&](std::string_view k, std::string_view v) {
                out.emplace_back(k, v);
                if (while_visiting)
                    while_visiting();
                return stop_after == 0 || out.size() < stop_after;
            },
            [&](const StoreScanMirror::Visit& visit) {
                ++scans;
                for (auto it = rows.lower_bound(std::string(prefix)); it != rows.end() && it->first.starts_with(prefix);
                     ++it)
                    if (!visit(it->first, it->second))
                        break;
            });
        return out;
    }
    /// What the store itself holds under `prefix`: what every scan must answer.
    Pairs truth(std::string_view prefix) const {
        Pairs out;
        for (auto it = rows.lower_bound(std::string(prefix)); it != rows.end() && it->first.starts_with(prefix); ++it)
            out.emplace_back(*it);
        return out;
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(store_scan_mirror)

BOOST_AUTO_TEST_CASE(a_whole_scan_becomes_the_copy_and_later_scans_read_no_store) {
    Store s;
    s.write({put("v1/open/a", "A"), put("v1/open/b", "B"), put("v1/link/a", "L"), put("v1/open-refund/a", "")});
    BOOST_TEST(!s.mirror.holds_copy());
    BOOST_TEST((s.scan("v1/open/") == s.truth("v1/open/")));
    BOOST_TEST(s.scans == 1);
    BOOST_TEST(s.mirror.holds_copy());
    BOOST_TEST(s.mirror.entries() == 2u);

    BOOST_TEST((s.scan("v1/open/") == s.truth("v1/open/")));
    BOOST_TEST((s.scan("v1/open/b") == s.truth("v1/open/b"))); // a narrower range, from the copy
    BOOST_TEST(s.scans == 1);
    // Ranges outside the prefix go to the store, and a neighbour that merely shares characters
    // ("v1/open-refund/") is not inside it.
    BOOST_TEST((s.scan("v1/open-refund/") == s.truth("v1/open-refund/")));
    BOOST_TEST((s.scan("v1/") == s.truth("v1/")));
    BOOST_TEST(s.scans == 3);
}

BOOST_AUTO_TEST_CASE(durable_writes_keep_the_copy_current_and_a_write_in_flight_reads_through) {
    Store s;
    s.write({put("v1/open/a", "A"), put("v1/open/b", "B")});
    s.scan("v1/open/");
    BOOST_REQUIRE(s.mirror.holds_copy());

    s.write({put("v1/open/c", "C"), erase("v1/open/a"), put("v1/open/b", "B2"), put("v1/link/c", "L")});
    BOOST_TEST((s.scan("v1/open/") == s.truth("v1/open/")));
    BOOST_TEST(s.scans == 1); // the batch was applied to the copy, nothing re-read

    // A batch in flight: its pending state is what the store's scan shows, so scans go there.
    const std::vector<StoreOp> pending{put("v1/open/d", "D")};
    s.start(pending);
    BOOST_TEST((s.scan("v1/open/") == s.truth("v1/open/")));
    BOOST_TEST(s.scans == 2);
    s.mirror.write_finished(pending, true);
    BOOST_TEST((s.scan("v1/open/") == s.truth("v1/open/")));
    BOOST_TEST(s.scans == 2);

    // A put and an erase of one key in one batch: the last one stays.
    s.write({put("v1/open/e", "E"), erase("v1/open/e"), erase("v1/open/c"), put("v1/open/c", "C2")});
    BOOST_TEST((s.scan("v1/open/") == s.truth("v1/open/")));
    BOOST_TEST(s.scans == 2);
    BOOST_TEST(s.mirror.holds_copy());
}

BOOST_AUTO_TEST_CASE(a_failed_batch_or_two_batches_naming_one_key_drop_the_copy) {
    Store s;
    s.write({put("v1/open/a", "A")});
    s.scan("v1/open/");
    BOOST_REQUIRE(s.mirror.holds_copy());

    const auto before = s.rows;
    const std::vector<StoreOp> failing{put("v1/open/b", "B")};
    s.start(failing);
    s.fail(failing, before);
    BOOST_TEST(!s.mirror.holds_copy());
    BOOST_TEST((s.scan("v1/open/") == s.truth("v1/open/"))); // taken again, without the failed put
    BOOST_TEST(s.scans == 2);
    BOOST_TEST(s.mirror.holds_copy());

    // Two batches in flight name the same key; the first finishes while the second still names
    // it: the copy is dropped rather than guess which the store applied last.
    const std::vector<StoreOp> first{put("v1/open/a", "A1")};
    const std::vector<StoreOp> second{put("v1/open/a", "A2")};
    s.start(first);
    s.start(second);
    s.mirror.write_finished(first, true);
    BOOST_TEST(!s.mirror.holds_copy());
    s.mirror.write_finished(second, true);
    BOOST_TEST((s.scan("v1/open/") == s.truth("v1/open/")));
    BOOST_TEST(s.scan("v1/open/").at(0).second == "A2");
}

BOOST_AUTO_TEST_CASE(a_scan_that_is_not_whole_or_not_quiet_is_not_kept) {
    Store s;
    s.write({put("v1/open/a", "A"), put("v1/open/b", "B"), put("v1/open/c", "C")});

    s.scan("v1/open/", /*stop_after=*/2); // the visitor stopped early
    BOOST_TEST(!s.mirror.holds_copy());
    s.scan("v1/open/b"); // a narrower range is not the whole prefix
    BOOST_TEST(!s.mirror.holds_copy());

    // A batch in flight when the scan ran: the scan saw its pending state.
    const std::vector<StoreOp> pending{put("v1/open/d", "D")};
    s.start(pending);
    s.scan("v1/open/");
    BOOST_TEST(!s.mirror.holds_copy());
    s.fail(pending, {{"v1/open/a", "A"}, {"v1/open/b", "B"}, {"v1/open/c", "C"}});
    BOOST_TEST((s.scan("v1/open/") == s.truth("v1/open/"))); // no phantom "d"
    BOOST_TEST(s.mirror.holds_copy());

    // A write that starts and finishes while the scan visits (the visitor writes).
    Store t;
    t.write({put("v1/open/a", "A"), put("v1/open/b", "B")});
    bool written = false;
    t.scan("v1/open/", 0, [&] {
        if (!written) {
            written = true;
            t.write({erase("v1/open/b")});
        }
    });
    BOOST_TEST(!t.mirror.holds_copy());
    BOOST_TEST((t.scan("v1/open/") == t.truth("v1/open/")));
    BOOST_TEST(t.mirror.holds_copy());
}

BOOST_AUTO_TEST_CASE(the_copy_is_bounded_by_bytes_and_by_an_idle_lifetime) {
    // Budget: three entries of ~120 bytes fit in 400, a fourth does not.
    Store small(400);
    small.write({put("v1/open/a", "A"), put("v1/open/b", "B"), put("v1/open/c", "C"), put("v1/open/d", "D")});
    BOOST_TEST((small.scan("v1/open/") == small.truth("v1/open/")));
    BOOST_TEST(!small.mirror.holds_copy());
    small.write({erase("v1/open/d")});
    small.scan("v1/open/");
    BOOST_TEST(small.mirror.holds_copy());
    small.write({put("v1/open/d", "D")}); // a durable write that passes the budget drops it
    BOOST_TEST(!small.mirror.holds_copy());
    BOOST_TEST(small.mirror.bytes() == 0u);

    // Idle lifetime: a copy no scan used for max_idle goes at the next call; writes alone do
    // not keep it.
    auto now = StoreScanMirror::Clock::time_point{} + std::chrono::hours(1);
    Store idle(StoreScanMirror::default_max_bytes, std::chrono::minutes(5), [&] { return now; });
    idle.write({put("v1/open/a", "A")});
    idle.scan("v1/open/");
    now += std::chrono::minutes(4);
    idle.scan("v1/open/");
    BOOST_TEST(idle.scans == 1);
    now += std::chrono::minutes(4);
    idle.write({put("v1/open/b", "B")}); // 4 min after the last scan: kept and updated
    BOOST_TEST(idle.mirror.holds_copy());
    now += std::chrono::minutes(2);
    idle.write({put("v1/open/c", "C")}); // 6 min: dropped
    BOOST_TEST(!idle.mirror.holds_copy());
    BOOST_TEST((idle.scan("v1/open/") == idle.truth("v1/open/")));
    BOOST_TEST(idle.scans == 2);
}

BOOST_AUTO_TEST_SUITE_END()
