// The SDK's async_store (plugin_sdk/store.hpp, since 1.4) against the SDK tests' fake C host:
// through pms.store/2 when the host offers it (a wrapper adds a hand-driven pms.store/2 table),
// and the fallback to a synchronous pms.store/1 write on a host before 1.4. Both complete
// exactly once, never inline, with the host's status as the error_code.
#include <pms/plugin_sdk/store.hpp> // first: the header under test is self-contained

#include "fake_host.hpp"

#define BOOST_TEST_MODULE pms_plugin_sdk_async_store
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

namespace sdk = pms::sdk;
using pms_test::fake_host;

namespace {

// A hand-driven pms.store/2: write_batch records the batch and its completion; the test
// completes it (as the host's strand would) with complete().
struct store2_fake {
    static inline store2_fake* current = nullptr;
    static inline const void* (*inner)(const pms_host*, const char*) = nullptr;

    pms_status start_result = PMS_OK;
    std::vector<std::vector<std::string>> batches; // keys of each started batch
    std::vector<pms_store_done> pending;

    static pms_status write_batch(const pms_host*, const pms_store_op* ops, size_t count,
                                  pms_store_done done) {
        store2_fake& s = *current;
        if (s.start_result != PMS_OK)
            return s.start_result;
        std::vector<std::string> keys;
        for (size_t i = 0; i < count; ++i)
            keys.emplace_back(ops[i].key.data, ops[i].key.len);
        s.batches.push_back(std::move(keys));
        s.pending.push_back(done);
        return PMS_OK;
    }
    static const void* get_extension(const pms_host* h, const char* id) {
        static const pms_host_store2 table{sizeof(pms_host_store2), nullptr, nullptr, &write_batch};
        if (std::string_view{id} == PMS_EXT_STORE2)
            return &table;
        return inner(h, id);
    }
    void complete(std::size_t i, pms_status status) {
        pending.at(i).fn(pending.at(i).user, status);
    }
};

// A fake host (optionally with pms.store/2) plus the SDK objects a plugin instance would have.
struct fixture {
    fake_host h;
    store2_fake s2;
    pms_host wrapped{};
    sdk::host host;
    std::unique_ptr<sdk::instance_context> ctx;

    explicit fixture(bool offer_store2 = false) {
        const pms_host* c = h.c_host();
        if (offer_store2) {
            wrapped = *c; // same host_data: the fake's other tables keep working
            store2_fake::current = &s2;
            store2_fake::inner = c->get_extension;
            wrapped.get_extension = &store2_fake::get_extension;
            c = &wrapped;
        }
        host = sdk::host(c);
        host.load_extensions();
        ctx = std::make_unique<sdk::instance_context>(c, host.executor_ext());
    }
    sdk::executor ex() { return ctx->get_executor(); }
};

struct store2_fixture : fixture {
    store2_fixture() : fixture(true) {}
};

struct outcome {
    int calls = 0;
    sdk::error_code ec;
    auto handler() {
        return [this](sdk::error_code e) {
            ++calls;
            ec = e;
        };
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(async_store)

BOOST_FIXTURE_TEST_CASE(writes_through_store_2_and_completes_once_when_the_host_says,
                        store2_fixture) {
    sdk::async_store st(host, ex());
    BOOST_TEST(st.asynchronous());
    sdk::store_batch b;
    b.put("link/1", "created").erase("pending/1");
    outcome first, second;
    st.async_write(b, first.handler());
    b.clear();
    b.put("link/2", "x");
    st.async_write(b, second.handler());
    BOOST_TEST(s2.batches.size() == 2u);
    BOOST_TEST((s2.batches[0] == std::vector<std::string>{"link/1", "pending/1"}));
    h.run();
    BOOST_TEST(first.calls == 0); // not durable yet: no completion
    s2.complete(0, PMS_OK);
    s2.complete(1, PMS_STORAGE_ERROR);
    BOOST_TEST(first.calls == 1);
    BOOST_TEST(!first.ec);
    BOOST_TEST(second.calls == 1);
    BOOST_TEST(sdk::to_status(second.ec) == PMS_STORAGE_ERROR);
    BOOST_TEST(h.kv.empty()); // pms.store/1 was not used
}

BOOST_FIXTURE_TEST_CASE(a_refused_start_completes_later_through_the_executor, store2_fixture) {
    s2.start_result = PMS_UNAVAILABLE;
    sdk::async_store st(host, ex());
    sdk::store_batch b;
    b.put("k", "v");
    outcome o;
    st.async_write(b, o.handler());
    BOOST_TEST(o.calls == 0); // never inline
    h.run();
    BOOST_TEST(o.calls == 1);
    BOOST_TEST(sdk::to_status(o.ec) == PMS_UNAVAILABLE);
    BOOST_TEST(s2.pending.empty());
}

BOOST_FIXTURE_TEST_CASE(falls_back_to_store_1_on_an_older_host, fixture) {
    sdk::async_store st(host, ex());
    BOOST_TEST(!st.asynchronous());
    sdk::store_batch b;
    b.put("a", "1").put("b", "2");
    outcome ok;
    st.async_write(b, ok.handler());
    BOOST_TEST(h.kv.size() == 2u); // pms.store/1: durable when write_batch returned
    BOOST_TEST(ok.calls == 0);     // ... but the handler still runs later, on the strand
    h.run();
    BOOST_TEST(ok.calls == 1);
    BOOST_TEST(!ok.ec);

    b.clear();
    b.put("", "empty key");
    outcome bad;
    st.async_write(b, bad.handler());
    BOOST_TEST(bad.calls == 0);
    h.run();
    BOOST_TEST(bad.calls == 1);
    BOOST_TEST(sdk::to_status(bad.ec) == PMS_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_SUITE_END()
