// A separate executable the crash tests fork+exec (never a fork of the threaded test process
// holding connections). It performs one storage operation; the test sets PMS_FAILPOINT so that
// the library raises SIGKILL at a named point inside or right after the transaction.
//
//   pms_host_storage_crash_helper store-batch <data_dir> <count>
//       erases key "old" and puts <count> keys "k000000".. in one batch (plugin "crash", property
//       1)
//   pms_host_storage_crash_helper async-store-batch <data_dir> <count>
//       queues three batches of <count> keys "a/k000000".., "b/k..", "c/k.." (plugin "crash",
//       property 1) through apply_async and raises SIGKILL inside the first completion that
//       reports success (on the writer thread): what that completion promised must be on disk
//   pms_host_storage_crash_helper post-payment <data_dir> <idempotency_key> <amount_minor>
//       posts to the demo's main folio (seeding it if needed) as "Банковская карта"
#include "pms/host/storage/demo_seed.hpp"
#include "pms/host/storage/sqlite_storage.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

using namespace pms::host;

namespace {

std::string key_of(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "k%06d", i);
    return buf;
}

int store_batch(Storage& storage, int count) {
    StoreBatch batch;
    batch.erase("old");
    for (int i = 0; i < count; ++i)
        batch.put(key_of(i), std::string(256, static_cast<char>('a' + i % 26)));
    storage.plugin_store().apply({"crash", PropertyId{1}}, batch);
    std::puts("committed");
    return 0;
}

int async_store_batch(Storage& storage, int count) {
    for (const char* prefix : {"a/", "b/", "c/"}) {
        StoreBatch batch;
        for (int i = 0; i < count; ++i)
            batch.put(prefix + key_of(i), std::string(256, static_cast<char>('a' + i % 26)));
        storage.plugin_store().apply_async({"crash", PropertyId{1}}, std::move(batch),
                                           [](StoreOutcome outcome) {
                                               if (!outcome)
                                                   std::raise(SIGKILL);
                                           });
    }
    // Returning destroys the storage, which waits for the writer: the kill comes first unless
    // every batch failed (exit code 3 then).
    std::puts("queued");
    return 3;
}

int post_payment(Storage& storage, const std::string& key, std::int64_t amount) {
    const auto seed = seed_demo(storage);
    PaymentPosting p;
    p.folio = seed.main_folio;
    p.amount = {amount, "RUB"};
    p.kind = "payment";
    p.idempotency_key = key;
    p.plugin_id = "crash";
    p.provider_reference = "order-1";
    p.category = seed.cashless;
    p.type = seed.bank_card;
    const auto r = storage.folios().post_payment(p);
    std::printf("%s %lld\n", to_string(r.outcome),
                static_cast<long long>(r.payment ? r.payment->id.value : 0));
    return r.ok() ? 0 : 2;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s store-batch|post-payment <data_dir> ...\n", argv[0]);
        return 64;
    }
    try {
        const std::string command = argv[1];
        auto storage = open_sqlite_storage(argv[2]);
        if (command == "store-batch")
            return store_batch(*storage, std::atoi(argv[3]));
        if (command == "async-store-batch")
            return async_store_batch(*storage, std::atoi(argv[3]));
        if (command == "post-payment" && argc >= 5)
            return post_payment(*storage, argv[3], std::atoll(argv[4]));
        std::fprintf(stderr, "unknown command %s\n", command.c_str());
        return 64;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "crash helper: %s\n", e.what());
        return 1;
    }
}
