// WorkQueue: dedicated threads for blocking mail work.
#include "work_queue.hpp"

#include <algorithm>

namespace pms::host::mail::detail {

WorkQueue::WorkQueue(std::size_t threads) : state_(std::make_shared<State>()) {
    threads = std::max<std::size_t>(threads, 1);
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i)
        threads_.emplace_back([state = state_] { run(state); });
}

WorkQueue::~WorkQueue() {
    stop();
    {
        std::lock_guard lock(state_->mutex);
        state_->exiting = true;
    }
    state_->work_cv.notify_all();
    for (auto& t : threads_) {
        if (t.get_id() == std::this_thread::get_id())
            t.detach(); // destroyed from one of our jobs; State outlives us through the thread
        else
            t.join();
    }
}

void WorkQueue::post(Job job) {
    {
        std::lock_guard lock(state_->mutex);
        state_->jobs.push_back(std::move(job));
    }
    state_->work_cv.notify_one();
}

void WorkQueue::stop() {
    std::unique_lock lock(state_->mutex);
    state_->stopping = true;
    if (std::any_of(threads_.begin(), threads_.end(),
                    [](const std::thread& t) { return t.get_id() == std::this_thread::get_id(); }))
        return;
    state_->idle_cv.wait(lock, [&] { return state_->jobs.empty() && state_->running == 0; });
}

bool WorkQueue::stopping() const {
    std::lock_guard lock(state_->mutex);
    return state_->stopping;
}

bool WorkQueue::on_worker_thread() const {
    return std::any_of(threads_.begin(), threads_.end(), [](const std::thread& t) {
        return t.get_id() == std::this_thread::get_id();
    });
}

void WorkQueue::run(const std::shared_ptr<State>& state) {
    std::unique_lock lock(state->mutex);
    for (;;) {
        state->work_cv.wait(lock, [&] { return state->exiting || !state->jobs.empty(); });
        if (state->jobs.empty())
            return; // exiting, nothing left
        Job job = std::move(state->jobs.front());
        state->jobs.pop_front();
        const bool stopping = state->stopping;
        ++state->running;
        lock.unlock();
        job(stopping); // jobs do not throw (they complete their handler themselves)
        job = nullptr; // release what the job captured before reporting idle
        lock.lock();
        --state->running;
        if (state->jobs.empty() && state->running == 0)
            state->idle_cv.notify_all();
    }
}

} // namespace pms::host::mail::detail
