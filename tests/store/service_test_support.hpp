#pragma once
// What the store's service tests share: a coroutine-safe assertion, a ticker that proves the loop
// keeps running while a client waits on a server, and a stopwatch.

#include <gtest/gtest.h>

#include <chrono>

#include "core/io.hpp"
#include "core/task.hpp"

// ASSERT_* returns, which a coroutine may not: fail and co_return instead.
#define CO_REQUIRE_MSG(cond, msg)                                           \
    do {                                                                    \
        if (!(cond)) {                                                      \
            ADD_FAILURE() << "requirement failed: " #cond ": " << msg;      \
            co_return;                                                      \
        }                                                                   \
    } while (0)
#define CO_REQUIRE(cond) CO_REQUIRE_MSG(cond, "")

namespace tallyhub::testing {

/// Counts 5 ms sleeps on the reactor until stopped: if a client blocked the loop, it would not tick.
class ticker {
public:
    static task<void> run(ticker* t) {
        while (!t->stop_) {
            co_await io::sleep(std::chrono::milliseconds(5));
            ++t->ticks_;
        }
        t->done_ = true;
    }
    /// Asks the ticker to stop and waits until it has.
    task<void> finish() {
        stop_ = true;
        while (!done_) co_await io::sleep(std::chrono::milliseconds(1));
    }
    int ticks() const noexcept { return ticks_; }

private:
    int ticks_ = 0;
    bool stop_ = false;
    bool done_ = false;
};

/// Milliseconds since construction.
class stopwatch {
public:
    double ms() const {
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
    }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace tallyhub::testing
