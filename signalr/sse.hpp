#pragma once
// Server-Sent Events framing for the SignalR SSE transport (reference/signalr-protocol.md §2b,
// ASP.NET's ServerSentEventsMessageFormatter), sans-I/O.
//
// The response opens with the comment line `:\r\n`, flushed at once (the client sends its handshake
// only after EventSource's open). Each unit of output is one event: the payload is split on '\n', a
// '\r' ending a line is dropped, every line is written as `data: <line>\r\n`, and an empty `\r\n`
// ends the event. No `event:`, `id:` or `retry:` fields; JSON records keep their 0x1E.
#include <string>
#include <string_view>

namespace tallyhub::signalr::sse {

/// The comment that opens the stream.
inline constexpr std::string_view opening_comment = ":\r\n";

/// Appends the event carrying `payload` to `out`.
void append_event(std::string_view payload, std::string& out);

/// The event carrying `payload`.
std::string event(std::string_view payload);

/// The 200 response head of the event stream, followed by the opening comment. The body is ended by
/// closing the connection (no Content-Length, no chunking): `Connection: close` says so.
std::string response_head();

}  // namespace tallyhub::signalr::sse
