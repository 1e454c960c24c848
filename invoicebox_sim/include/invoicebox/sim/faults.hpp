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

// The current faults. Not thread-safe; the engine serialises access.
class FaultModel {
  public:
    // Replaces the whole configuration with `config` (an object; `{}` clears everything).
    // On invalid input the configuration is left unchanged and a message is returned.
    std::optional<std::string> configure(const boost::json::value& config);
    void clear() { *this = FaultModel{}; }
    boost::json::object describe() const;

    // Called once per API request; consumes selectors of matching faults.
    RequestFaultPlan plan_request(std::string_view method, std::string_view path);

    // Called once per notification delivery (first attempts and retries).
    bool duplicate_notification() { return duplicate_.fire(); }
    bool wrong_signature() { return wrong_signature_.fire(); }

    // Out-of-order delivery: first attempts are held until `window` of them are waiting,
    // then sent newest first. 0 = off.
    std::size_t reorder_window() const { return reorder_window_; }

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
        bool after = false;
    };
    struct Drop {
        FaultSelector select;
        RequestMatch match;
        bool after = false;
    };

    Latency latency_;
    Error error_;
    Drop drop_;
    FaultSelector duplicate_;
    FaultSelector wrong_signature_;
    std::size_t reorder_window_ = 0;
};

} // namespace invoicebox::sim
