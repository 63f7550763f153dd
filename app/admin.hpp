#pragma once
// The admin endpoints (on --admin, core 0): GET /healthz, GET /readyz, GET /metrics.

#include "app/runtime.hpp"

namespace tallyhub::app {

/// Adds the admin routes to rt.admin_routes.
void add_admin_routes(runtime& rt);

}  // namespace tallyhub::app
