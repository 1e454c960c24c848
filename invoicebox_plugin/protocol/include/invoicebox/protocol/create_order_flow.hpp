// CreateOrderFlow: creating an order exactly once over an unreliable network, as a sans-I/O
// state machine. The caller performs each emitted step (wait `delay`, send the request) and
// feeds the outcome back; the flow never reads a clock and never sends anything itself.
//
// Why: InvoiceBox has no idempotency header (invoicebox-api.md §9.2 item 6). A create that timed
// out, lost its connection or got a 5xx may have created the order. Creating again could bill
// the guest twice, so the flow looks the order up by merchantOrderId instead, and accepts what it
// finds only if merchantOrderId, amount and currency all match (architecture §7: merchantOrderId
// carries the folio). A create is sent again only when it certainly did not happen (not sent,
// 408/425/429) or when a lookup found no such order; merchantOrderId uniqueness (422
// merchant_order_id_duplicate) guards even that repeat, and a duplicate answer leads to a lookup.
//
//   start() ──► SendCreate ──200──────────────────────────────► Done{recovered=false}
//                   │ not applied (429, not sent) ──► SendCreate (backoff, capped)
//                   │ unknown (timeout, dropped, 5xx, garbled 2xx), or 422 duplicate
//                   ▼
//               SendLookup ──match──────────────────────────────► Done{recovered=true}
//                   │ same merchantOrderId, other amount ──────► Failed{conflict}
//                   │ lookup failed transiently ──► SendLookup (backoff, capped)
//                   │                                 └─ cap ──► Failed{outcome_unknown}
//                   │ none found ──► SendCreate (capped) ─ cap ─► Failed{outcome_unknown}
//                   ▼ (after a duplicate answer, none found ─► SendLookup again, capped)
//   any final error (401, 403, 422 other than duplicate, invalid request) ─► Failed{that error}
//
// start_recovery() begins with a lookup: for a link recorded before a crash whose create may or
// may not have reached InvoiceBox.
#pragma once

#include "invoicebox/protocol/endpoints.hpp"
#include "invoicebox/protocol/order_request.hpp"
#include "invoicebox/protocol/retry_policy.hpp"

#include <chrono>
#include <variant>

namespace invoicebox::protocol {

struct CreateFlowSettings {
    int max_create_attempts = 3; ///< creates sent in total
    int max_lookup_attempts = 5; ///< lookups sent in total
    /// Wait before the first lookup after an unknown outcome, so an in-flight create can land.
    std::chrono::milliseconds settle_delay{2000};
};

class CreateOrderFlow {
  public:
    struct SendCreate {
        HttpRequest request;
        std::chrono::milliseconds delay{0}; ///< wait this long before sending
    };
    struct SendLookup {
        HttpRequest request;
        std::chrono::milliseconds delay{0};
    };
    struct Done {
        Order order;
        bool recovered = false; ///< found by lookup rather than read from the create response
    };
    struct Failed {
        /// kind conflict: an order with our merchantOrderId exists with another amount/currency.
        /// kind outcome_unknown: we could not find out; keep the link pending, never create anew
        /// without a lookup (start_recovery later).
        ApiError error;
    };
    using Step = std::variant<SendCreate, SendLookup, Done, Failed>;

    CreateOrderFlow(InvoiceboxApi api, CreateOrderRequest request, RetryPolicy policy,
                    CreateFlowSettings settings = {});

    /// First step: SendCreate, or Failed when the request does not validate.
    Step start();
    /// First step for recovery after a crash: SendLookup (no delay).
    Step start_recovery();
    /// Feeds the outcome of the step last emitted; returns the next one.
    Step on_outcome(const HttpOutcome& outcome);

    bool finished() const noexcept { return state_ == State::finished; }
    int creates_sent() const noexcept { return creates_sent_; }
    int lookups_sent() const noexcept { return lookups_sent_; }

  private:
    enum class State : std::uint8_t { idle, awaiting_create, awaiting_lookup, finished };

    Step on_create(const HttpOutcome& outcome);
    Step on_lookup(const HttpOutcome& outcome);
    Step send_create(std::chrono::milliseconds delay);
    Step send_lookup(std::chrono::milliseconds delay);
    Step fail(ApiError e);
    Step fail_unknown(std::string why);

    InvoiceboxApi api_;
    CreateOrderRequest request_;
    RetryPolicy policy_;
    CreateFlowSettings settings_;
    HttpRequest create_request_;
    State state_ = State::idle;
    int creates_sent_ = 0;
    int lookups_sent_ = 0;
    int consecutive_create_failures_ = 0;
    int consecutive_lookup_failures_ = 0;
    bool duplicate_reported_ = false; ///< InvoiceBox said our merchantOrderId exists
};

} // namespace invoicebox::protocol
