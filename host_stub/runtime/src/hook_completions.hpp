// Completions the PLUGIN owes the host: a click's or view event's view_done, a settings
// action's done, a notification sink's reply. The host passes the plugin {fn, user} where `fn`
// is one of the C trampolines below and `user` is an opaque operation id (not a pointer), so a
// plugin calling it late, twice, or after the host forgot the operation never touches freed
// memory: an unknown id is ignored, a second call is logged PLUGIN_MISBEHAVING and ignored.
//
// The waiting caller is answered exactly once: by the plugin's first completion, or by the host
// (its deadline, the drain, or the hook returning an error). A plugin completion after that is
// accepted and discarded. Operations never completed are reported when their instance is
// destroyed. Process-wide and thread-safe (the C trampolines carry no runtime pointer).
#pragma once

#include <pms/host/runtime/result.hpp>
#include <pms/host/runtime/runtime.hpp>
#include <pms/plugin_api/hooks/folio_button.h>
#include <pms/plugin_api/hooks/notification_sink.h>
#include <pms/plugin_api/hooks/settings_schema.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace pms::host::detail {

class Instance;

/// The order in which plugins handed the host their views, answers and pushes alike, from one
/// process-wide counter taken at the hand-over: of two views of one session, the one with the
/// larger revision is newer, whichever reaches the browser first (an answer travels over its
/// HTTP request, a push over the live-event stream). Never 0.
[[nodiscard]] std::uint64_t next_view_revision() noexcept;

/// What the plugin answered.
struct HookAnswer {
    pms_status status = PMS_OK;
    std::string text;   ///< view_json / result_json
    std::uint64_t view_revision = 0; ///< a view answer's next_view_revision(), taken at view_done
    InboundReply reply; ///< for the notification sink
};

class HookCompletions {
  public:
    /// Receives the plugin's answer or the host's Failure, exactly once. Called outside any
    /// lock, on the thread of whoever answered; it posts to the strand itself.
    using Deliver = std::function<void(Result<HookAnswer>)>;

    static HookCompletions& instance();

    /// Opens an operation of `owner` ("on_click", "run_action"...); returns its id (never 0).
    std::uint64_t open(const std::shared_ptr<Instance>& owner, const char* what, Deliver deliver);

    /// The plugin's completion (from a trampoline).
    void plugin_completed(std::uint64_t id, HookAnswer answer) noexcept;

    /// The hook returned an error: the plugin will not complete; answer the caller with
    /// `failure`. A later plugin completion is then a contract violation.
    void plugin_declined(std::uint64_t id, Failure failure) noexcept;

    /// The host answers the caller (deadline, drain) unless already answered. The operation
    /// stays open for the plugin's completion. Returns whether this call answered.
    bool answer_by_host(std::uint64_t id, Failure failure) noexcept;

    /// Answers every unanswered operation of `owner` with `failure` (drain).
    void answer_all(const Instance* owner, const Failure& failure) noexcept;

    /// The instance is destroyed: forgets its operations, logging those the plugin never
    /// completed as PLUGIN_MISBEHAVING.
    void forget(const Instance* owner) noexcept;

    /// Number of open operations of `owner` the plugin has not completed yet.
    [[nodiscard]] std::size_t open_count(const Instance* owner) const;

    // The C trampolines handed to the plugin as `fn` (user = the id).
    static void view_done(void* user, pms_status status, pms_str view_json) noexcept;
    static void action_done(void* user, pms_status status, pms_str result_json) noexcept;
    static void reply_done(void* user, const pms_inbound_reply* reply) noexcept;

    static void* user_of(std::uint64_t id) noexcept {
        return reinterpret_cast<void*>(static_cast<std::uintptr_t>(id));
    }

  private:
    HookCompletions() = default;

    struct Entry {
        std::weak_ptr<Instance> owner;
        const Instance* owner_key = nullptr;
        const char* what = "";
        Deliver deliver; ///< empty once the caller was answered
        bool plugin_done = false;
        bool declined = false;
    };

    void misbehaving(const std::weak_ptr<Instance>& owner, const std::string& text) noexcept;
    void retire_locked(std::uint64_t id);

    mutable std::mutex mutex_;
    std::unordered_map<std::uint64_t, Entry> entries_;
    std::deque<std::uint64_t> retired_; ///< finished entries kept to detect double completion
    std::uint64_t next_id_ = 1;
};

} // namespace pms::host::detail
