// See operation_registry.hpp.
#include "operation_registry.hpp"

#include <utility>

namespace pms::host::detail {

OperationRegistry::OperationRegistry(Poster post) : post_{std::move(post)} {}

void OperationRegistry::set_owner(std::weak_ptr<void> owner) {
    std::lock_guard lock(mutex_);
    owner_ = std::move(owner);
}

void OperationRegistry::open() {
    std::lock_guard lock(mutex_);
    admission_ = Admission::open;
    finalised_ = false;
    ++generation_;
}

std::uint64_t OperationRegistry::begin(CancelMode mode, Delivery cancelled, bool is_post) {
    std::uint64_t id = 0;
    std::uint64_t generation = 0;
    Delivery immediate;
    {
        std::lock_guard lock(mutex_);
        if (admission_ == Admission::closed || (admission_ == Admission::posts_only && !is_post))
            return 0;
        id = next_id_++;
        ++outstanding_;
        generation = generation_;
        if (admission_ == Admission::posts_only)
            immediate = std::move(cancelled); // accepted, completed CANCELLED (executor.h)
        else
            pending_.emplace(id, Entry{mode, std::move(cancelled), {}, false});
    }
    if (immediate)
        post_delivery(std::move(immediate), generation);
    return id;
}

void OperationRegistry::set_source_cancel(std::uint64_t id, SourceCancel cancel) {
    bool cancel_now = false;
    {
        std::lock_guard lock(mutex_);
        auto it = pending_.find(id);
        if (it == pending_.end())
            return; // already completed or claimed
        // A drain that ran before the source was attached could not stop it: do it now.
        cancel_now = admission_ != Admission::open;
        it->second.source_cancel = cancel;
    }
    if (cancel_now && cancel)
        cancel();
}

bool OperationRegistry::mark_started(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(id);
    if (it == pending_.end())
        return false;
    it->second.started = true;
    return true;
}

bool OperationRegistry::complete(std::uint64_t id, Delivery deliver) {
    std::uint64_t generation = 0;
    {
        std::lock_guard lock(mutex_);
        auto it = pending_.find(id);
        if (it == pending_.end())
            return false; // claimed by a cancel or the drain: this late completion is dropped
        pending_.erase(it);
        generation = generation_;
    }
    post_delivery(std::move(deliver), generation);
    return true;
}

bool OperationRegistry::cancel(std::uint64_t id) {
    Delivery cancelled;
    SourceCancel source_cancel;
    std::uint64_t generation = 0;
    {
        std::lock_guard lock(mutex_);
        auto it = pending_.find(id);
        if (it == pending_.end())
            return false;
        Entry& e = it->second;
        switch (e.mode) {
        case CancelMode::forward:
            if (e.source_cancel) {
                source_cancel = e.source_cancel; // the source completes (CANCELLED) itself
                break;
            }
            [[fallthrough]];
        case CancelMode::host:
            cancelled = std::move(e.cancelled);
            source_cancel = std::move(e.source_cancel);
            pending_.erase(it);
            generation = generation_;
            break;
        case CancelMode::before_start:
            if (e.started)
                return false; // running: it completes with its real outcome
            cancelled = std::move(e.cancelled);
            pending_.erase(it);
            generation = generation_;
            break;
        }
    }
    bool ok = true;
    if (source_cancel) {
        const bool stopped = source_cancel();
        if (!cancelled)
            ok = stopped; // forward: false means it already finished; its completion follows
    }
    if (cancelled)
        post_delivery(std::move(cancelled), generation);
    return ok;
}

void OperationRegistry::drain(bool allow_posts, std::function<void()> on_idle) {
    std::vector<Delivery> cancelled;
    std::vector<SourceCancel> source_cancels;
    std::uint64_t generation = 0;
    bool idle_now = false;
    {
        std::lock_guard lock(mutex_);
        if (admission_ != Admission::closed)
            admission_ = allow_posts ? Admission::posts_only : Admission::closed;
        generation = generation_;
        for (auto it = pending_.begin(); it != pending_.end();) {
            Entry& e = it->second;
            const bool forward_to_source = e.mode == CancelMode::forward && e.source_cancel;
            if (forward_to_source) {
                source_cancels.push_back(e.source_cancel);
                ++it;
            } else if (e.mode == CancelMode::before_start && e.started) {
                ++it; // wait for its real outcome
            } else {
                cancelled.push_back(std::move(e.cancelled));
                if (e.source_cancel)
                    source_cancels.push_back(std::move(e.source_cancel));
                it = pending_.erase(it);
            }
        }
        on_idle_ = std::move(on_idle);
        idle_now = outstanding_ == 0 && on_idle_;
    }
    for (auto& c : source_cancels)
        if (c)
            c();
    for (auto& d : cancelled)
        post_delivery(std::move(d), generation);
    if (idle_now) {
        post_([owner = owner_, self = this] {
            auto alive = owner.lock();
            if (!alive)
                return;
            std::function<void()> idle;
            {
                std::lock_guard lock(self->mutex_);
                if (self->outstanding_ == 0)
                    idle = std::exchange(self->on_idle_, {});
            }
            if (idle)
                idle();
        });
    }
}

void OperationRegistry::finalise() {
    std::lock_guard lock(mutex_);
    admission_ = Admission::closed;
    finalised_ = true;
    ++generation_;
    on_idle_ = {};
}

std::size_t OperationRegistry::outstanding() const {
    std::lock_guard lock(mutex_);
    return outstanding_;
}

std::size_t OperationRegistry::pending() const {
    std::lock_guard lock(mutex_);
    return pending_.size();
}

OperationRegistry::Admission OperationRegistry::admission() const {
    std::lock_guard lock(mutex_);
    return admission_;
}

void OperationRegistry::post_delivery(Delivery deliver, std::uint64_t generation) {
    std::weak_ptr<void> owner;
    {
        std::lock_guard lock(mutex_);
        owner = owner_;
    }
    post_([owner = std::move(owner), self = this, generation,
           deliver = std::move(deliver)]() mutable {
        auto alive = owner.lock();
        if (!alive)
            return; // the instance is gone: drop the record, run no plugin code
        bool run = false;
        {
            std::lock_guard lock(self->mutex_);
            run = !self->finalised_ && generation == self->generation_;
        }
        if (run && deliver) {
            try {
                deliver();
            } catch (...) {
                // Deliveries call C function pointers; nothing should throw. Never propagate.
            }
        }
        deliver = nullptr;
        self->finish_one();
    });
}

void OperationRegistry::finish_one() {
    std::function<void()> idle;
    {
        std::lock_guard lock(mutex_);
        if (outstanding_ > 0)
            --outstanding_;
        if (outstanding_ == 0 && on_idle_)
            idle = std::exchange(on_idle_, {});
    }
    if (idle)
        idle();
}

} // namespace pms::host::detail
