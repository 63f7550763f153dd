#pragma once
// The interoperability test hub served at /hubs/test with --test-hub: one method per SignalR feature
// (results, errors, void, groups, broadcasts, streams both ways), so client test suites and load
// tools can exercise the server without the analytics domain. Its contract is in tests/e2e/README.md.
#include "signalr/hub.hpp"

namespace tallyhub::app {

/// Registers the test hub's methods and hooks on `h`.
void define_test_hub(signalr::hub& h);

}  // namespace tallyhub::app
