#pragma once
// task<T>: a lazy coroutine. Nothing runs until the task is awaited; when it finishes, final_suspend
// hands control straight to the awaiting coroutine (symmetric transfer), so a long chain of
// `co_await child()` never grows the native stack.
//
// Lifecycle: the task object owns the coroutine frame. Awaiting it starts the body; destroying an
// un-awaited task destroys the frame without running it. A frame suspended on I/O must never be
// destroyed from outside: I/O awaiters keep kernel-visible state in the frame (see core/io.hpp).

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

namespace tallyhub {

template <typename T = void>
class task;

namespace detail {

/// The continuation of a task nobody awaits (reactor::spawn): at its end the task destroys itself
/// and tells the reactor, with no frame around it to wait for it.
inline std::coroutine_handle<> detached_marker() noexcept {
    static char tag;
    return std::coroutine_handle<>::from_address(&tag);
}
/// Defined in core/reactor.cpp: a detached task has ended on this thread's reactor.
void detached_task_done() noexcept;

struct task_promise_base {
    std::coroutine_handle<> continuation_ = std::noop_coroutine();
    std::exception_ptr exception_;

    std::suspend_always initial_suspend() noexcept { return {}; }

    struct final_awaiter {
        bool await_ready() noexcept { return false; }
        template <typename Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) noexcept {
            std::coroutine_handle<> next = h.promise().continuation_;
            if (next != detached_marker()) return next;
            // Nobody can see a detached task's exception: the same end as a throwing thread.
            if (h.promise().exception_) std::terminate();
            h.destroy();
            detached_task_done();
            return std::noop_coroutine();
        }
        void await_resume() noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { exception_ = std::current_exception(); }

    void rethrow_if_failed() {
        if (exception_) std::rethrow_exception(exception_);
    }
};

template <typename T>
struct task_promise : task_promise_base {
    std::optional<T> value_;
    task<T> get_return_object() noexcept;
    template <typename U>
    void return_value(U&& v) { value_.emplace(std::forward<U>(v)); }
    T take() {
        rethrow_if_failed();
        return std::move(*value_);
    }
};

template <>
struct task_promise<void> : task_promise_base {
    task<void> get_return_object() noexcept;
    void return_void() noexcept {}
    void take() { rethrow_if_failed(); }
};

}  // namespace detail

/// A lazily started coroutine producing a T; move-only; awaitable once.
template <typename T>
class [[nodiscard]] task {
public:
    using promise_type = detail::task_promise<T>;
    using handle_type = std::coroutine_handle<promise_type>;

    task() noexcept = default;
    explicit task(handle_type h) noexcept : h_(h) {}
    task(task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    task& operator=(task&& o) noexcept {
        if (this != &o) {
            if (h_) h_.destroy();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    task(const task&) = delete;
    task& operator=(const task&) = delete;
    ~task() {
        if (h_) h_.destroy();
    }

    bool valid() const noexcept { return bool(h_); }
    bool done() const noexcept { return !h_ || h_.done(); }

    auto operator co_await() && noexcept {
        struct awaiter {
            handle_type h;
            bool await_ready() noexcept { return !h || h.done(); }
            std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
                h.promise().continuation_ = caller;
                return h;
            }
            T await_resume() { return h.promise().take(); }
        };
        return awaiter{h_};
    }

    /// Releases ownership of the frame (used by spawn(), which makes the frame self-owning).
    handle_type release() noexcept { return std::exchange(h_, {}); }

private:
    handle_type h_;
};

namespace detail {
template <typename T>
task<T> task_promise<T>::get_return_object() noexcept {
    return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}
inline task<void> task_promise<void>::get_return_object() noexcept {
    return task<void>{std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}
}  // namespace detail

}  // namespace tallyhub
