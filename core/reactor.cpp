#include "core/reactor.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "core/epoll_backend.hpp"
#include "core/uring_backend.hpp"

namespace tallyhub {

thread_local reactor* reactor::current_ = nullptr;

result<backend_kind> parse_backend_kind(std::string_view s) {
    if (s == "uring" || s == "io_uring") return backend_kind::uring;
    if (s == "epoll") return backend_kind::epoll;
    if (s == "auto") return backend_kind::automatic;
    return error{EINVAL, "expected uring, epoll or auto"};
}

result<std::unique_ptr<reactor>> reactor::create(int core_id, const reactor_options& opts, std::string* note) {
    int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) return error{errno, "eventfd failed"};

    std::unique_ptr<io_backend> backend;
    if (opts.backend != backend_kind::epoll) {
        auto u = uring_backend::create(opts, note);
        if (u) {
            backend = std::move(*u);
        } else if (opts.backend == backend_kind::uring) {
            ::close(wake_fd);
            return u.err();
        }
    }
    if (!backend) {
        auto e = epoll_backend::create(opts);
        if (!e) {
            ::close(wake_fd);
            return e.err();
        }
        backend = std::move(*e);
    }
    backend->watch_wakeup(wake_fd);
    return std::unique_ptr<reactor>(new reactor(core_id, std::move(backend), wake_fd));
}

reactor::reactor(int core_id, std::unique_ptr<io_backend> backend, int wake_fd)
    : core_(core_id),
      backend_(std::move(backend)),
      wake_fd_(wake_fd),
      now_(std::chrono::steady_clock::now()),
      wheel_(now_) {
    ready_.reserve(256);
    running_.reserve(256);
}

reactor::~reactor() {
    backend_.reset();
    ::close(wake_fd_);
}

// A spawned task owns itself, counts itself on the reactor and frees its frame when its body ends,
// with no frame around it waiting (detail::detached_marker): every idle connection is one. It
// starts from the ready queue (not inside spawn()), so spawning never nests coroutine bodies.
void reactor::spawn(task<void> t) {
    if (!t.valid()) return;
    ++live_tasks_;
    auto h = t.release();
    h.promise().continuation_ = detail::detached_marker();
    schedule(h);
}

// The reactor of the thread the task ends on: tasks never move between cores, so it is the one
// that spawned it.
void detail::detached_task_done() noexcept {
    if (reactor* r = reactor::current_) --r->live_tasks_;
}

void complete_io_op(completion* c, int32_t res, uint32_t) {
    auto* op = static_cast<io_op*>(c);
    if (op->code == op_code::sleep && res == -ETIME) res = 0;
    if (res == -ECANCELED && op->has_timeout && !op->cancel_requested) res = -ETIMEDOUT;
    op->res = res;
    if (op->waiter) reactor::current().schedule(std::exchange(op->waiter, {}));
}

void wake_stream(io_stream& s) {
    if (s.waiter_ && (s.has_pending() || (s.stopping_ && !s.armed_))) reactor::current().schedule(std::exchange(s.waiter_, {}));
    if (!s.armed_ && s.stop_waiter_) reactor::current().schedule(std::exchange(s.stop_waiter_, {}));
}

void reactor::defer_flush(flushable& f) {
    if (f.flush_queued_) return;
    f.flush_queued_ = true;
    flush_.push_back(&f);
}

void reactor::run_ready() {
    // Resuming may make more coroutines ready; they run in this same phase, a batch at a time.
    while (!ready_.empty()) {
        running_.swap(ready_);
        for (auto h : running_) h.resume();
        running_.clear();
    }
}

void reactor::cancel_flush(flushable& f) noexcept {
    if (!f.flush_queued_) return;
    f.flush_queued_ = false;
    // Rare (an object going away with output pending): a linear scan is fine.
    for (auto*& p : flush_)
        if (p == &f) p = nullptr;
    for (auto*& p : flushing_)
        if (p == &f) p = nullptr;
}

void reactor::run_flushes() {
    while (!flush_.empty()) {
        flushing_.swap(flush_);
        for (std::size_t i = 0; i < flushing_.size(); ++i) {
            flushable* f = flushing_[i];
            if (!f) continue;
            f->flush_queued_ = false;
            f->flush();
        }
        flushing_.clear();
    }
}

void reactor::run() {
    current_ = this;
    while (!stop_.load(std::memory_order_relaxed)) {
        now_ = std::chrono::steady_clock::now();
        heartbeat_ns_.store(now_.time_since_epoch().count(), std::memory_order_relaxed);
        turns_.store(turns_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);

        if (mailbox_run_) mailbox_run_(mailbox_ctx_);
        wheel_.advance(now_, [](timer_wheel::entry& e) { e.owner_as<deadline_target>()->on_deadline(); });
        run_ready();
        run_flushes();
        run_ready();  // a flush can complete inline (epoll) and wake writers

        std::chrono::nanoseconds timeout = max_sleep;
        if (auto next = wheel_.next_deadline()) {
            auto until = *next - now_;
            // A lower bound that already passed means "soon": poll again in a millisecond, do not spin.
            if (until < timeout) timeout = std::max<std::chrono::nanoseconds>(until, std::chrono::milliseconds{1});
        }
        if (!ready_.empty()) {
            timeout = std::chrono::nanoseconds{0};
        } else {
            // Announce the sleep, then look once more: a message pushed before the announcement
            // is seen here; one pushed after it sees `sleeping_` and writes the eventfd.
            sleeping_.store(true, std::memory_order_relaxed);
            std::atomic_thread_fence(std::memory_order_seq_cst);
            if (mailbox_has_work_ && mailbox_has_work_(mailbox_ctx_)) timeout = std::chrono::nanoseconds{0};
        }
        backend_->wait(timeout);
        sleeping_.store(false, std::memory_order_relaxed);
    }
    // Let the final turn's completions resume their coroutines before leaving.
    run_ready();
    run_flushes();
    current_ = nullptr;
}

void reactor::stop() noexcept {
    stop_.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void reactor::wake() noexcept {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!sleeping_.load(std::memory_order_relaxed)) return;
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

}  // namespace tallyhub
