// Run-time fault injection: what can go wrong between a client and InvoiceBox, on purpose.
//
// Configured through `POST /__sim/faults` (see README.md). Request faults apply to the
// InvoiceBox API paths only (`/v3/…`, `/l3/…`), never to `/__sim/` or the payment page, so a
// test can always steer the simulator. Every fault picks its victims with a FaultSelector:
// "the next N", a deterministic share driven by a seed, or every matching event.
#pragma once

#include "invoicebox/sim/clock.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace invoicebox::sim {

// Decides, event by event, whether a fault fires.
class FaultSelector {
  public:
    enum class Mode { off, next, share, always };

    FaultSelector() = default;
    static FaultSelector next(std::uint64_t n);
    static FaultSelector share(double rate, std::uint64_t seed);
    static FaultSelector always();

    // Consumes one event; true when the fault applies to it.
    bool fire();

    bool active() const;
    Mode mode() const { return mode_; }
    void describe(boost::json::object& out) const;

  private:
    Mode mode_ = Mode::off;
    std::uint64_t remaining_ = 0;
    double rate_ = 0;
    std::uint64_t seed_ = 0;
    std::uint64_t state_ = 0; // splitmix64 state, so a seed replays the same sequence
};

// Restricts a request fault to a method and/or a path prefix. The prefix is tried against
// the path with and without its `/v3` or `/l3` flavour prefix.
struct RequestMatch {
    std::string method;
    std::string path_prefix;

    bool matches(std::string_view method, std::string_view path) const;
};

// What the fault model wants done with one API request.
struct RequestFaultPlan {
    enum class Action { none, error_before, error_after, drop_before, drop_after };

    Millis latency{0};
    Action action = Action::none;
    int status = 0; // for error_*
};

// How often each fault fired since start (or the last DELETE / reset); kept when the set is
// replaced, so a test can read what a run injected after switching the faults off.
struct FaultStats {
    std::uint64_t requests = 0; // API requests planned
    std::uint64_t latency = 0, error_before = 0, error_after = 0, drop_before = 0, drop_after = 0;
    std::uint64_t notifications = 0; // deliveries taken (first attempts and retries)
    std::uint64_t duplicated = 0, wrong_signature = 0, reordered = 0;
    std::uint64_t refunds_canceled = 0; // refunds that ended `canceled` instead of `completed`
    boost::json::object describe() const;
};

// The current faults. Not thread-safe; the engine serialises access.
class FaultModel {
  public:
    const FaultStats& stats() const { return stats_; }
    // Replaces the whole configuration with `config` (an object; `{}` clears everything).
    // On invalid input the configuration is left unchanged and a message is returned.
    std::optional<std::string> configure(const boost::json::value& config);
    void clear() { *this = FaultModel{}; }
    boost::json::object describe() const;

    // Called once per API request; consumes selectors of matching faults.
    RequestFaultPlan plan_request(std::string_view method, std::string_view path);

    // Called once per notification delivery (first attempts and retries).
    bool duplicate_notification() {
        ++stats_.notifications;
        const bool d = duplicate_.fire();
        stats_.duplicated += d;
        return d;
    }
    bool wrong_signature() {
        const bool w = wrong_signature_.fire();
        stats_.wrong_signature += w;
        return w;
    }

    // Called once per refund when it would complete: true when it is to end `canceled`
    // instead (`refundCancel`), as when the bank refuses to return the money.
    bool cancel_refund() {
        const bool c = refund_cancel_.fire();
        stats_.refunds_canceled += c;
        return c;
    }

    // Out-of-order delivery: first attempts are held until `window` of them are waiting,
    // then sent newest first. 0 = off.
    std::size_t reorder_window() const { return reorder_window_; }

    // Probabilistic out-of-order delivery (`outOfOrder` with `rate`): the chosen first attempts
    // are delayed by a random time in [1, holdMs] ms, so notifications queued after them
    // overtake them. nullopt: not this one (or the fault is off).
    std::optional<Millis> reorder_delay();

  private:
    struct Latency {
        FaultSelector select;
        RequestMatch match;
        Millis delay{0};
    };
    struct Error {
        FaultSelector select;
        RequestMatch match;
        int status = 500;
        std::vector<int> statuses; // `status` given as an array: one picked per event
        bool after = false;
        double after_share = -1; // `afterShare`: share of the events applied first (-1: use `after`)
    };
    struct Drop {
        FaultSelector select;
        RequestMatch match;
        bool after = false;
        double after_share = -1;
    };
    struct Reorder {
        FaultSelector select;
        Millis hold{2000};
    };
    RequestFaultPlan plan_request_uncounted(std::string_view method, std::string_view path);
    // Draws for the choices inside a fired fault (which status, before or after, how long).
    std::uint64_t draw();
    double draw_unit();

    Latency latency_;
    Error error_;
    Drop drop_;
    FaultSelector duplicate_;
    FaultSelector wrong_signature_;
    FaultSelector refund_cancel_;
    std::size_t reorder_window_ = 0;
    Reorder reorder_;
    std::uint64_t draw_state_ = 0;
    FaultStats stats_;
};

} // namespace invoicebox::sim
