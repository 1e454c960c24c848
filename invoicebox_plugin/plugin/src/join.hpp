// Join: counts the outstanding parts of a pass (a poll, a refresh) and runs `done` once when the
// last one finishes. The starter holds one share and releases it after starting every part, so
// parts that finish at once cannot end the pass early. Strand-only, like the service using it.
#pragma once

#include <functional>

namespace invoicebox::plugin {

struct Join {
    int pending = 1; // the starter's own share, released by release()
    std::function<void()> done;
    void add() { ++pending; }
    void release() {
        if (--pending == 0 && done) {
            auto d = std::move(done);
            d();
        }
    }
};

} // namespace invoicebox::plugin
