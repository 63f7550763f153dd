#pragma once
// Runs a test body as a coroutine on a reactor created on the test's thread, for one backend.

#include <gtest/gtest.h>

#include <string>

#include "core/reactor.hpp"
#include "core/task.hpp"

namespace tallyhub::testing {

inline backend_kind backend_param(const std::string& name) {
    return name == "uring" ? backend_kind::uring : backend_kind::epoll;
}

/// Creates a reactor with `kind`, runs `body` to completion on it, then returns.
template <typename Body>
void run_on_reactor(backend_kind kind, Body&& body) {
    reactor_options opts;
    opts.backend = kind;
    opts.buffer_count = 64;
    opts.buffer_size = 4096;
    auto r = reactor::create(0, opts);
    ASSERT_TRUE(r.ok()) << r.err().reason;
    reactor& loop = **r;
    struct runner {
        static task<void> go(reactor* loop, task<void> t) {
            co_await std::move(t);
            loop->stop();
        }
    };
    loop.spawn(runner::go(&loop, body()));
    loop.run();
    EXPECT_EQ(loop.live_tasks(), 0u) << "a spawned task did not finish";
}

}  // namespace tallyhub::testing
