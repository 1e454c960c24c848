// InFlightWindow: starts queued requests with at most `limit` of them outstanding. A poll pass
// over 10,000 open links is ~200 list reads; sent all at once, each took a connection of its own
// (the host keeps four per origin), so InvoiceBox saw ~200 connections at once from one hotel
// (issue 14). Queued, they follow one another over a few connections, and nothing waits in the
// queue on a deadline: a request's time starts when it is sent. Strand-only, like the service
// using it; a started job calls `finished` once (a second call is ignored).
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>

namespace invoicebox::plugin {

class InFlightWindow : public std::enable_shared_from_this<InFlightWindow> {
  public:
    /// A job gets the call that says it is over; it must make it exactly once.
    using Job = std::function<void(std::function<void()> finished)>;

    explicit InFlightWindow(std::size_t limit) : limit_(limit == 0 ? 1 : limit) {}

    /// Starts `job` now if fewer than `limit` are outstanding, else when one finishes.
    void add(Job job) {
        queued_.push_back(std::move(job));
        pump();
    }

    std::size_t outstanding() const noexcept { return outstanding_; }
    std::size_t queued() const noexcept { return queued_.size(); }

  private:
    void pump() {
        if (pumping_)
            return; // a job that finished while being started: the loop below goes on
        pumping_ = true;
        while (outstanding_ < limit_ && !queued_.empty()) {
            Job job = std::move(queued_.front());
            queued_.pop_front();
            ++outstanding_;
            // The window lives while a job of it is outstanding.
            job([self = shared_from_this(), once = std::make_shared<bool>(false)] {
                if (*once)
                    return; // a second call is a bug of the job; it must not open the window twice
                *once = true;
                --self->outstanding_;
                self->pump();
            });
        }
        pumping_ = false;
    }

    std::size_t limit_;
    std::size_t outstanding_ = 0;
    bool pumping_ = false;
    std::deque<Job> queued_;
};

} // namespace invoicebox::plugin
