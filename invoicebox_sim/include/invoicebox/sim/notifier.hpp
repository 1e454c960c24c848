// Notification delivery without I/O: the queue of notifications, their attempts, the retry
// schedule and the answer rules (invoicebox-api.md §5.1–§5.3, architecture.md §7 "Simulator").
//
// An answer counts as delivered only when it is HTTP 200 with JSON {"status":"success"}.
// Retried (up to RetrySchedule::max_retries() more attempts): a transport failure, a timeout
// (20 s × time scale), a non-200 status, a body that is not JSON or not a valid answer, and
// {"status":"error"} with code `out_of_service` or no code (the documented default). Any other
// error code (`order_not_found`, `order_wrong_amount`, `signature_error`, …) is final.
//
// The I/O side takes due deliveries, performs each POST and hands the answer back to
// complete(); it never decides anything itself.
#pragma once

#include "invoicebox/sim/clock.hpp"
#include "invoicebox/sim/faults.hpp"
#include "invoicebox/sim/retry_schedule.hpp"

#include "invoicebox/sim/json.hpp"
#include "invoicebox/sim/signing.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace invoicebox::sim {

// What came back from one POST.
struct DeliveryAnswer {
    bool responded = false; // an HTTP response arrived
    int http_status = 0;
    std::string body;
    std::string error; // transport failure: "timeout", "connection refused", …
};

struct AnswerVerdict {
    enum class Kind { success, retry, final_error };
    Kind kind = Kind::retry;
    std::string reason; // the error code, "http_503", "invalid_json", "timeout", …
};

AnswerVerdict classify_answer(const DeliveryAnswer& a);

// One POST the I/O side must make now.
struct Delivery {
    std::uint64_t attempt_id = 0;
    std::string url;
    std::string body;
    std::string signature; // X-Signature value
    Millis timeout{20'000};
};

// What to notify about; built by the engine when an order changes status.
struct NotificationSpec {
    std::string order_id;
    std::string merchant_order_id;
    std::string order_status;
    std::string merchant_id;
    std::string url;       // empty: nothing is sent, the notification is logged as skipped
    std::string body;      // exact bytes, as signed
    std::string signature; // correct signature of `body`
    bool probe = false;    // monitoring probe: one attempt, no retries
};

class Notifier {
  public:
    Notifier(RetrySchedule schedule, double time_scale);

    void set_schedule(RetrySchedule schedule) { schedule_ = std::move(schedule); }
    const RetrySchedule& schedule() const { return schedule_; }
    void set_time_scale(double scale) { time_scale_ = scale; }
    double time_scale() const { return time_scale_; }

    // Queues a notification; its first attempt is due now (or it is held for reordering when
    // the fault model asks for out-of-order delivery). Returns its id.
    std::uint64_t enqueue(NotificationSpec spec, Instant now, FaultModel& faults);

    // Deliveries due at `now`, in the order they should be sent. Applies the per-delivery
    // faults (duplicate, wrong signature) and releases held notifications once the window
    // is full.
    std::vector<Delivery> take_due(Instant now, FaultModel& faults);

    // Records the answer to a delivery; schedules a retry or finishes the notification.
    void complete(std::uint64_t attempt_id, const DeliveryAnswer& answer, Instant now);

    // Sends every held (out-of-order) notification now, newest first.
    void flush_held(Instant now);

    // Earliest instant at which take_due() has something to return.
    std::optional<Instant> next_due() const;

    // Number of notifications not yet finished (waiting, held or in flight).
    std::size_t pending() const;

    // The attempt log for GET /__sim/notifications, oldest first; `order_id` filters when set.
    JsonArray describe_attempts(const std::string& order_id) const;

    // Pending notifications for the state file, and their restoration (in-flight ones become
    // due immediately).
    JsonArray save_pending() const;
    void restore_pending(const JsonArray& saved, Instant now);

    void reset();

  private:
    enum class State { held, waiting, in_flight, delivered, rejected, gave_up, skipped };

    struct Notification {
        std::uint64_t id = 0;
        NotificationSpec spec;
        State state = State::waiting;
        int attempts = 0; // attempts started (duplicates not counted)
        Instant due;
        Instant created_at;
    };

    struct Attempt {
        std::uint64_t id = 0;
        std::uint64_t notification_id = 0;
        int attempt = 0;
        bool duplicate = false;
        bool wrong_signature = false;
        std::string signature;
        Instant sent_at;
        bool answered = false;
        DeliveryAnswer answer;
        std::string outcome = "pending"; // delivered, retry, rejected, gave_up
        std::string reason;
        std::optional<Instant> next_attempt_at;
    };

    static std::string_view state_name(State s);
    Millis scaled(Millis d) const;

    RetrySchedule schedule_;
    double time_scale_;
    std::uint64_t next_notification_id_ = 1;
    std::uint64_t next_attempt_id_ = 1;
    std::map<std::uint64_t, Notification> notifications_;
    std::deque<std::uint64_t> held_; // arrival order
    std::vector<Attempt> attempts_;
    std::map<std::uint64_t, std::size_t> attempt_index_; // attempt id -> index in attempts_
};

} // namespace invoicebox::sim
