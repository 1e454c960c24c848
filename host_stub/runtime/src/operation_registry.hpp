// The registry of host-side operations of one plugin instance (timers, posted tasks, HTTP
// requests, postings, mail): Envoy's scheduler pattern (plugin-abi.md §2.9, §2.11).
//
// Each operation is {delivery closure, owner weak_ptr, generation}; the delivery closure holds
// only the plugin's C {fn, user}. Whoever claims an operation first (its source completing, a
// cancel by the plugin, the drain) is the only one to deliver it, so it completes exactly once.
// Deliveries are posted to the instance strand; the posted closure checks that the instance is
// alive and not finalised (same generation) before running plugin code, and otherwise drops the
// record without calling the plugin. `outstanding()` counts operations accepted and not yet
// delivered (or dropped); the drain waits for it to reach 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace pms::host::detail {

class OperationRegistry {
  public:
    /// Runs plugin code on the strand (exactly once per operation).
    using Delivery = std::function<void()>;
    /// Posts a closure to the instance strand. Thread-safe.
    using Poster = std::function<void(std::function<void()>)>;
    /// Asks an operation's source to stop; returns false when it has already finished.
    using SourceCancel = std::function<bool()>;

    /// How an operation reacts to a cancel (by the plugin or the drain).
    enum class CancelMode {
        host,         ///< the host delivers PMS_CANCELLED itself and stops the source (timers)
        forward,      ///< the source is told to cancel and completes itself (HTTP: it knows
                      ///< whether bytes were sent); without a source cancel: like `host`
        before_start, ///< cancellable only before the source started (postings, mail)
    };

    enum class Admission {
        open,       ///< accepting operations
        posts_only, ///< draining: only executor posts are accepted, and completed CANCELLED
        closed,     ///< finalised or not yet started: everything is refused
    };

    explicit OperationRegistry(Poster post);

    /// The instance whose liveness guards every posted delivery.
    void set_owner(std::weak_ptr<void> owner);

    /// Opens the registry (at instance init) and starts a new generation.
    void open();

    /// Registers an operation. `cancelled` delivers PMS_CANCELLED to the plugin. Returns its
    /// id (never 0), or 0 when refused (the caller returns PMS_UNAVAILABLE). An executor post
    /// (`is_post`) while draining is accepted and immediately completed with `cancelled`.
    std::uint64_t begin(CancelMode mode, Delivery cancelled, bool is_post = false);

    /// Attaches the source's cancel function (an HTTP client op id, a timer).
    void set_source_cancel(std::uint64_t id, SourceCancel cancel);

    /// For before_start operations: the source is about to start. Returns false when the
    /// operation was cancelled first (the source must not start).
    bool mark_started(std::uint64_t id);

    /// The source finished: delivers `deliver` unless the operation was already claimed (then
    /// `deliver` is dropped without running). Thread-safe. Returns whether it was delivered.
    bool complete(std::uint64_t id, Delivery deliver);

    /// A cancel requested by the plugin (timer_cancel, http.cancel). Returns true when the
    /// operation was pending and is now being cancelled; false when unknown or finished.
    bool cancel(std::uint64_t id);

    /// Starts draining: refuses new operations (except posts, see begin), cancels every pending
    /// one, and calls `on_idle` on the strand once nothing is outstanding. Thread-safe.
    void drain(bool allow_posts, std::function<void()> on_idle);

    /// Refuses everything from now on and drops every delivery not yet run (late completions
    /// after deactivate). Call on the strand, after the drain.
    void finalise();

    [[nodiscard]] std::size_t outstanding() const;
    [[nodiscard]] std::size_t pending() const;
    [[nodiscard]] Admission admission() const;

  private:
    struct Entry {
        CancelMode mode;
        Delivery cancelled;
        SourceCancel source_cancel;
        bool started = false;
    };

    void post_delivery(Delivery deliver, std::uint64_t generation);
    void finish_one();

    Poster post_;
    std::weak_ptr<void> owner_;
    mutable std::mutex mutex_;
    std::unordered_map<std::uint64_t, Entry> pending_;
    std::uint64_t next_id_ = 1;
    std::uint64_t generation_ = 0;
    std::size_t outstanding_ = 0;
    Admission admission_ = Admission::closed;
    bool finalised_ = false;
    std::function<void()> on_idle_;
};

} // namespace pms::host::detail
