// pms.store/2 in the runtime: the SDK fixture (fixtures/store2_plugin.cpp) writing through
// async_store, read-through of a started batch, completions exactly once and on the instance
// strand (checked at the C boundary), the drain waiting for started batches before
// deactivate(), and a plugin built against the 1.3 headers still on pms.store/1. Batches are
// kept pending with the storage's writer hold, never with timing.
#include "harness.hpp"

#include "instance.hpp"
#include "services/services.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <mutex>
#include <thread>

using namespace pms::host;
using namespace pms::host::test;

namespace {

/// Waits (a failure guard, not a measurement) until `ready()` holds.
template <class Pred>
bool eventually(Pred ready) {
    for (int i = 0; i < 2000; ++i) {
        if (ready())
            return true;
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

/// What the C completions of the strand test saw.
struct Probe {
    detail::Instance* inst = nullptr;
    std::mutex mutex;
    std::vector<int> order;      ///< batch numbers in completion order
    std::vector<int> calls;      ///< completions per batch
    std::vector<bool> on_strand; ///< whether each ran on the instance strand
    std::vector<pms_status> status;
    std::atomic<bool> starting{false}; ///< true while write_batch() runs: nothing may complete
    std::atomic<int> inline_calls{0};
};

struct Slot {
    Probe* probe;
    int n;
};

void on_done(void* user, pms_status status) {
    auto* slot = static_cast<Slot*>(user);
    Probe& p = *slot->probe;
    if (p.starting.load())
        ++p.inline_calls;
    std::lock_guard lock{p.mutex};
    p.order.push_back(slot->n);
    ++p.calls[slot->n];
    p.on_strand[slot->n] = p.inst->strand.running_in_this_thread();
    p.status[slot->n] = status;
}

detail::Instance* instance_of(Harness& h, const std::string& plugin_id) {
    const std::string text = h.notify(plugin_id, "host").body;
    const auto address = static_cast<std::uintptr_t>(std::stoull(text, nullptr, 16));
    return detail::Instance::from_host(reinterpret_cast<const pms_host*>(address));
}

} // namespace

BOOST_AUTO_TEST_SUITE(store2)

BOOST_AUTO_TEST_CASE(the_sdk_writes_through_store_2_and_reads_a_started_batch) {
    Harness h;
    h.enable("test.store2");
    BOOST_CHECK_EQUAL(h.notify("test.store2", "mode").body, "async");
    PluginStore& store = h.storage->plugin_store();
    const StoreScope scope{"test.store2", h.seed.property};
    const auto before = store.writer_stats();

    std::atomic<bool> answered{false};
    std::string answer;
    {
        auto hold = store.hold_writer();
        std::thread client{[&] {
            answer = h.notify("test.store2", "write-wait", "link/1 created").body;
            answered = true;
        }};
        // Started and held: visible to reads, not durable, not answered.
        BOOST_CHECK(eventually([&] { return store.get(scope, "link/1").has_value(); }));
        BOOST_CHECK(!answered.load());
        BOOST_CHECK_EQUAL(store.writer_stats().batches, before.batches);
        hold.reset();
        client.join();
    }
    // The plugin read the pending value right after starting the batch (the writer was held).
    BOOST_CHECK_EQUAL(answer, "ec=ok pending=created after=created");
    BOOST_CHECK_EQUAL(store.writer_stats().batches, before.batches + 1);
    BOOST_CHECK_EQUAL(h.notify("test.store2", "get", "link/1").body, "created");

    // A batch refused at start completes with the error, later, through the executor.
    const std::string bad = h.notify("test.store2", "bad").body;
    BOOST_CHECK_MESSAGE(bad.rfind("ec=", 0) == 0 && bad != "ec=ok", bad);
}

BOOST_AUTO_TEST_CASE(completions_run_once_in_order_on_the_strand_after_commit) {
    Harness h;
    h.enable("test.store2");
    PluginStore& store = h.storage->plugin_store();
    constexpr int batches = 8;
    Probe probe;
    probe.inst = instance_of(h, "test.store2");
    BOOST_REQUIRE(probe.inst != nullptr);
    probe.calls.assign(batches, 0);
    probe.on_strand.assign(batches, false);
    probe.status.assign(batches, PMS_INTERNAL);
    std::vector<Slot> slots;
    for (int n = 0; n < batches; ++n)
        slots.push_back({&probe, n});
    const auto* ext = static_cast<const pms_host_store2*>(detail::host_extension(PMS_EXT_STORE2));
    BOOST_REQUIRE(ext != nullptr);
    BOOST_CHECK_EQUAL(ext->struct_size, sizeof(pms_host_store2));
    const auto before = store.writer_stats();

    std::vector<pms_status> started(batches, PMS_INTERNAL);
    {
        auto hold = store.hold_writer();
        std::promise<void> queued;
        probe.inst->post([&] {
            for (int n = 0; n < batches; ++n) {
                const std::string key = "s/" + std::to_string(n);
                pms_store_op op{PMS_STORE_PUT,
                                {key.data(), key.size()},
                                {reinterpret_cast<const std::uint8_t*>("v"), 1}};
                probe.starting = true;
                started[n] = ext->write_batch(probe.inst->c_host(), &op, 1,
                                              pms_store_done{&on_done, &slots[n]});
                probe.starting = false;
            }
            queued.set_value();
        });
        queued.get_future().wait();
        {
            std::lock_guard lock{probe.mutex};
            BOOST_CHECK(probe.order.empty()); // held: nothing is durable, nothing completes
        }
    }
    BOOST_CHECK(eventually([&] {
        std::lock_guard lock{probe.mutex};
        return probe.order.size() == static_cast<std::size_t>(batches);
    }));
    // The drain delivers whatever is left; nothing may arrive twice, before or after it.
    h.disable("test.store2");
    std::lock_guard lock{probe.mutex};
    BOOST_CHECK_EQUAL(probe.inline_calls.load(), 0);
    BOOST_CHECK_EQUAL(store.writer_stats().commits, before.commits + 1); // one group
    for (int n = 0; n < batches; ++n) {
        BOOST_CHECK_EQUAL(started[n], PMS_OK);
        BOOST_CHECK_EQUAL(probe.calls[n], 1);
        BOOST_CHECK(probe.on_strand[n]);
        BOOST_CHECK_EQUAL(probe.status[n], PMS_OK);
        BOOST_REQUIRE_LT(static_cast<std::size_t>(n), probe.order.size());
        BOOST_CHECK_EQUAL(probe.order[n], n);
    }
}

BOOST_AUTO_TEST_CASE(deactivate_waits_for_every_started_batch) {
    Harness h;
    h.enable("test.store2");
    PluginStore& store = h.storage->plugin_store();
    {
        auto hold = store.hold_writer();
        BOOST_CHECK_EQUAL(h.notify("test.store2", "write", "5").body, "started");
        std::thread disabling{[&] { h.disable("test.store2"); }};
        BOOST_CHECK(h.logs.wait_for("draining"));
        // Draining, and held: no batch completed, so the plugin is not deactivated yet.
        BOOST_CHECK_EQUAL(h.logs.count("store2 done"), 0u);
        BOOST_CHECK_EQUAL(h.logs.count("store2 deactivate"), 0u);
        hold.reset();
        disabling.join();
    }
    BOOST_TEST_INFO(h.logs.dump());
    const long deactivate = h.logs.find("store2 deactivate started=5 completed=5");
    BOOST_CHECK(deactivate >= 0);
    for (int i = 0; i < 5; ++i) {
        const long done = h.logs.find("store2 done " + std::to_string(i) + " ok");
        BOOST_CHECK(done >= 0);
        BOOST_CHECK(done < deactivate);
    }
    BOOST_CHECK_EQUAL(h.logs.count("store2 done"), 5u);
    const StoreScope scope{"test.store2", h.seed.property};
    for (int i = 0; i < 5; ++i)
        BOOST_CHECK(store.get(scope, "w/" + std::to_string(i)) ==
                    std::optional<StoreBytes>{"v" + std::to_string(i)});
}

BOOST_AUTO_TEST_CASE(a_1_3_plugin_keeps_using_store_1) {
    Harness h;
    h.enable("test.v1-3");
    BOOST_CHECK_EQUAL(h.notify("test.v1-3", "store").body,
                      "batch=PMS_OK get=PMS_OK a=1 missing=PMS_NOT_FOUND scan=PMS_OK "
                      "empty_key=PMS_INVALID_ARGUMENT");
    BOOST_CHECK(h.storage->plugin_store().get({"test.v1-3", h.seed.property}, "a") ==
                std::optional<StoreBytes>{"1"});
}

BOOST_AUTO_TEST_SUITE_END()
