// WorkQueue: a few dedicated threads that run blocking jobs (libcurl transfers, fsync) off the
// callers' threads (private to pms_host_mail).
//
// The threads share their state through a shared_ptr so that the queue may be destroyed from
// one of its own jobs (a send handler dropping the last reference to its transport): that
// thread is then detached and ends after the job instead of joining itself.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pms::host::mail::detail {

class WorkQueue {
  public:
    // A job is told whether the queue was stopping when it was taken: it must then complete
    // without doing the work.
    using Job = std::function<void(bool stopping)>;

    explicit WorkQueue(std::size_t threads);
    ~WorkQueue(); // stop(), then ends and joins the threads (detaches the calling one)

    WorkQueue(const WorkQueue&) = delete;
    WorkQueue& operator=(const WorkQueue&) = delete;

    // Queues `job`; it runs on a worker thread, never inside post(). Thread-safe.
    void post(Job job);

    // Marks the queue stopping (later jobs see `stopping`), then waits until no job is queued
    // or running, except when called from a worker thread, which cannot wait for itself.
    void stop();

    [[nodiscard]] bool stopping() const;
    [[nodiscard]] bool on_worker_thread() const;

  private:
    struct State {
        mutable std::mutex mutex;
        std::condition_variable work_cv;
        std::condition_variable idle_cv;
        std::deque<Job> jobs;
        std::size_t running = 0;
        bool stopping = false;
        bool exiting = false;
    };
    static void run(const std::shared_ptr<State>& state);

    std::shared_ptr<State> state_;
    std::vector<std::thread> threads_;
};

} // namespace pms::host::mail::detail
