#pragma once
// GET /sse/metrics: the seed's Server-Sent Events alternative. The response is text/event-stream;
// the current metrics go out at once and then as `data: {json}\n\n` on every broadcast tick
// (conflated for a client that does not keep up), with a `: heartbeat` comment every
// --sse-heartbeat so proxies keep the stream open. The connection is taken over from HTTP: the
// session only reads (and discards) until the client goes away or the server drains.

#include "app/analytics.hpp"
#include "net/http_server.hpp"

namespace tallyhub::app {

/// Adds GET /sse/metrics to `routes`; `engine` must outlive them.
void add_sse_route(http::routes& routes, analytics& engine);

}  // namespace tallyhub::app
