#include "app/test_hub.hpp"

#include <chrono>
#include <cstdint>
#include <string>

#include "signalr/hub_connection.hpp"

namespace tallyhub::app {

using signalr::hub_call;
using signalr::hub_error;
using signalr::stream_writer;
using signalr::upload;

void define_test_hub(signalr::hub& h) {
    h.on_connected = [](hub_call& c) { c.clients().caller("Welcome", c.connection_id()); };

    h.method("Echo", [](hub_call&, std::string s) { return s; });
    h.method("Add", [](hub_call&, std::int64_t a, std::int64_t b) { return a + b; });
    h.method("Fail", [](hub_call&, std::string message) -> int { throw hub_error(message); });
    h.method("Nothing", [](hub_call&) {});
    h.method("GetConnectionId", [](hub_call& c) { return std::string(c.connection_id()); });
    h.method("GetCore", [](hub_call& c) { return std::int64_t(c.core()); });

    h.method("Broadcast", [](hub_call& c, std::string message) { c.clients().all("Broadcast", message); });
    h.method("SendToOthers", [](hub_call& c, std::string message) { c.clients().others("Message", message); });
    h.method("SendToCaller", [](hub_call& c, std::string message) { c.clients().caller("Message", message); });
    h.method("SendToConnection", [](hub_call& c, std::string id, std::string message) {
        c.clients().client(id, "Message", message);
    });
    h.method("JoinGroup", [](hub_call& c, std::string group) { c.join_group(group); });
    h.method("LeaveGroup", [](hub_call& c, std::string group) { c.leave_group(group); });
    h.method("SendToGroup", [](hub_call& c, std::string group, std::string message) {
        c.clients().group(group, "GroupMessage", group, message);
    });
    h.method("BroadcastSequence", [](hub_call& c, std::int64_t count) {
        if (count < 0 || count > 100'000) throw hub_error("count must be between 0 and 100000");
        auto all = c.clients();
        for (std::int64_t i = 0; i < count; ++i) all.all("Seq", i);
        return count;
    });

    // Stateful reconnect tests: `count` numbered messages to the caller, and a server-side drop of
    // the caller's WebSocket that leaves the hub connection waiting for the client to come back.
    h.method("SendSequence", [](hub_call& c, std::int64_t count) {
        if (count < 0 || count > 100'000) throw hub_error("count must be between 0 and 100000");
        auto me = c.clients();
        for (std::int64_t i = 0; i < count; ++i) me.caller("Seq", i);
        return count;
    });
    h.method("DropTransport", [](hub_call& c) { c.connection().drop_transport(); });

    h.stream("Counter", [](hub_call&, stream_writer& w, std::int64_t count, std::int64_t delay_ms) -> task<void> {
        if (count < 0 || delay_ms < 0) throw hub_error("count and delayMs must not be negative");
        for (std::int64_t i = 0; i < count; ++i) {
            if (!w.write(i)) co_return;
            if (delay_ms > 0 && i + 1 < count && !co_await w.sleep(std::chrono::milliseconds(delay_ms))) co_return;
        }
    });
    h.method("ActiveStreams", [](hub_call& c) { return std::int64_t(c.connection().active_streams()); });
    h.method("Sum", [](hub_call&, upload<std::int64_t> items) -> task<std::int64_t> {
        std::int64_t total = 0;
        while (auto v = co_await items.next()) total += *v;
        co_return total;
    });
}

}  // namespace tallyhub::app
