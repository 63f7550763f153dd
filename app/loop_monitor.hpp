#pragma once
// Loop lag: each core wakes every 100 ms and records how late it woke, in microseconds, into its own
// histogram. A reactor blocked by a slow handler shows up here before users notice.

#include "core/histogram.hpp"
#include "core/task.hpp"

namespace tallyhub::app {

/// The calling core's lag histogram (read and written on its own core only).
histogram& local_loop_lag() noexcept;

/// Measures lag on the calling core until `stop` becomes true.
task<void> monitor_loop_lag(const bool* stop);

}  // namespace tallyhub::app
