#include "app/loop_monitor.hpp"

#include <chrono>

#include "core/io.hpp"

namespace tallyhub::app {

histogram& local_loop_lag() noexcept {
    static thread_local histogram h;
    return h;
}

task<void> monitor_loop_lag(const bool* stop) {
    using namespace std::chrono;
    constexpr auto period = milliseconds(100);
    while (!*stop) {
        auto before = steady_clock::now();
        co_await io::sleep(period);
        auto late = steady_clock::now() - before - period;
        local_loop_lag().record(uint64_t(std::max<int64_t>(0, duration_cast<microseconds>(late).count())));
    }
}

}  // namespace tallyhub::app
