// See hook_completions.hpp.
#include "hook_completions.hpp"

#include "instance.hpp"

#include <atomic>
#include <vector>

namespace pms::host::detail {
namespace {

// Finished operations remembered to recognise a second completion, per process.
constexpr std::size_t max_retired = 4096;

std::string copy_str(pms_str s) {
    if (s.data == nullptr || s.len == 0)
        return {};
    return std::string{s.data, s.len};
}

std::uint64_t id_of(void* user) noexcept {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(user));
}

} // namespace

HookCompletions& HookCompletions::instance() {
    // Leaked on purpose: plugins may call a trampoline from their own threads at any time,
    // even during static destruction.
    static auto* registry = new HookCompletions;
    return *registry;
}

std::uint64_t HookCompletions::open(const std::shared_ptr<Instance>& owner, const char* what,
                                    Deliver deliver) {
    std::lock_guard lock(mutex_);
    const std::uint64_t id = next_id_++;
    entries_.emplace(id, Entry{owner, owner.get(), what, std::move(deliver), false, false});
    return id;
}

void HookCompletions::retire_locked(std::uint64_t id) {
    retired_.push_back(id);
    while (retired_.size() > max_retired) {
        const std::uint64_t old = retired_.front();
        retired_.pop_front();
        auto it = entries_.find(old);
        if (it != entries_.end() && it->second.plugin_done && !it->second.deliver)
            entries_.erase(it);
    }
}

void HookCompletions::misbehaving(const std::weak_ptr<Instance>& owner,
                                  const std::string& text) noexcept {
    if (auto inst = owner.lock())
        inst->log(LogLevel::plugin_misbehaving, text);
}

void HookCompletions::plugin_completed(std::uint64_t id, HookAnswer answer) noexcept {
    try {
        Deliver deliver;
        std::weak_ptr<Instance> owner;
        std::string violation;
        {
            std::lock_guard lock(mutex_);
            auto it = entries_.find(id);
            if (it == entries_.end())
                return; // unknown, or forgotten with its instance: nothing to touch
            Entry& e = it->second;
            owner = e.owner;
            if (e.plugin_done) {
                violation = std::string{e.what} +
                            (e.declined ? " completion called although the hook returned an "
                                          "error; ignored"
                                        : " completion called twice; the second is ignored");
            } else {
                e.plugin_done = true;
                deliver = std::exchange(e.deliver, {});
                retire_locked(id);
            }
        }
        if (!violation.empty()) {
            misbehaving(owner, violation);
            return;
        }
        if (deliver)
            deliver(Result<HookAnswer>{std::move(answer)});
        // else: the host answered already (deadline, drain); the late answer is discarded.
    } catch (...) {
    }
}

void HookCompletions::plugin_declined(std::uint64_t id, Failure failure) noexcept {
    try {
        Deliver deliver;
        {
            std::lock_guard lock(mutex_);
            auto it = entries_.find(id);
            if (it == entries_.end())
                return;
            Entry& e = it->second;
            if (e.plugin_done)
                return; // it completed before returning the error: that answer counts
            e.plugin_done = true;
            e.declined = true;
            deliver = std::exchange(e.deliver, {});
            retire_locked(id);
        }
        if (deliver)
            deliver(Result<HookAnswer>{std::move(failure)});
    } catch (...) {
    }
}

bool HookCompletions::answer_by_host(std::uint64_t id, Failure failure) noexcept {
    try {
        Deliver deliver;
        {
            std::lock_guard lock(mutex_);
            auto it = entries_.find(id);
            if (it == entries_.end() || !it->second.deliver)
                return false;
            deliver = std::exchange(it->second.deliver, {});
        }
        deliver(Result<HookAnswer>{std::move(failure)});
        return true;
    } catch (...) {
        return false;
    }
}

void HookCompletions::answer_all(const Instance* owner, const Failure& failure) noexcept {
    try {
        std::vector<Deliver> waiting;
        {
            std::lock_guard lock(mutex_);
            for (auto& [id, e] : entries_)
                if (e.owner_key == owner && e.deliver)
                    waiting.push_back(std::exchange(e.deliver, {}));
        }
        for (auto& d : waiting)
            d(Result<HookAnswer>{failure});
    } catch (...) {
    }
}

void HookCompletions::forget(const Instance* owner) noexcept {
    try {
        std::vector<std::string> never;
        std::weak_ptr<Instance> owner_ref;
        {
            std::lock_guard lock(mutex_);
            for (auto it = entries_.begin(); it != entries_.end();) {
                if (it->second.owner_key != owner) {
                    ++it;
                    continue;
                }
                if (!it->second.plugin_done)
                    never.emplace_back(it->second.what);
                owner_ref = it->second.owner;
                it = entries_.erase(it);
            }
        }
        if (auto inst = owner_ref.lock())
            for (const auto& what : never)
                inst->log(LogLevel::plugin_misbehaving,
                          what + std::string{" was never completed by the plugin"});
    } catch (...) {
    }
}

std::size_t HookCompletions::open_count(const Instance* owner) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [id, e] : entries_)
        if (e.owner_key == owner && !e.plugin_done)
            ++n;
    return n;
}

std::uint64_t next_view_revision() noexcept {
    static std::atomic<std::uint64_t> last{0};
    return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

void HookCompletions::view_done(void* user, pms_status status, pms_str view_json) noexcept {
    try {
        HookAnswer a;
        a.view_revision = next_view_revision(); // before anything the plugin pushes after this
        a.status = status;
        a.text = copy_str(view_json);
        instance().plugin_completed(id_of(user), std::move(a));
    } catch (...) {
    }
}

void HookCompletions::action_done(void* user, pms_status status, pms_str result_json) noexcept {
    try {
        HookAnswer a;
        a.status = status;
        a.text = copy_str(result_json);
        instance().plugin_completed(id_of(user), std::move(a));
    } catch (...) {
    }
}

void HookCompletions::reply_done(void* user, const pms_inbound_reply* reply) noexcept {
    try {
        HookAnswer a;
        if (reply == nullptr ||
            reply->struct_size < offsetof(pms_inbound_reply, body) + sizeof(reply->body)) {
            a.status = PMS_INVALID_ARGUMENT;
        } else {
            a.status = PMS_OK;
            a.reply.http_status = reply->http_status;
            a.reply.content_type = copy_str(reply->content_type);
            if (reply->headers != nullptr)
                for (std::size_t i = 0; i < reply->header_count; ++i)
                    a.reply.headers.emplace_back(copy_str(reply->headers[i].name),
                                                 copy_str(reply->headers[i].value));
            if (reply->body.data != nullptr)
                a.reply.body.assign(reinterpret_cast<const char*>(reply->body.data),
                                    reply->body.len);
            a.reply.from_plugin = true;
        }
        instance().plugin_completed(id_of(user), std::move(a));
    } catch (...) {
    }
}

} // namespace pms::host::detail
