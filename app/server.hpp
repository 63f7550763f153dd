#pragma once
// The tallyhub process: reactors, listeners, admin endpoints, signals and the graceful drain.

#include "app/config.hpp"

namespace tallyhub::app {

/// Runs the server until SIGTERM/SIGINT and a drain; returns the process exit code
/// (0 after a drain, 1 when it cannot start, 2 for an invalid setting found late, 130 on a second SIGINT).
int run_server(const config& cfg);

}  // namespace tallyhub::app
