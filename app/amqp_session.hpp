#pragma once
// One AMQP connection of amqp_service (listener or broker receiver) on its core: the socket, the
// engine, and the deliveries applied but not yet committed. Internal to app/amqp_*.cpp.

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

#include "app/amqp_ingest.hpp"
#include "core/task.hpp"
#include "core/io.hpp"
#include "net/amqp/engine.hpp"
#include "net/tcp_listener.hpp"

namespace tallyhub::app {

struct amqp_service::core_part {
    std::unique_ptr<event_ingest> ingest;
    amqp_counters stats;
    std::unique_ptr<net::tcp_listener> listener;
    std::vector<session*> sessions;
    bool running = false;
    bool draining = false;
    io::cancel_slot sweep_wake;
    std::vector<std::unique_ptr<io::cancel_slot>> receiver_wakes;
};

class amqp_service::session final : public amqp::engine_handler, public commit_listener {
public:
    using clock = std::chrono::steady_clock;

    /// `label` names the peer in logs ("producer 10.0.0.7:41234", "broker amqp://…").
    session(amqp_service& svc, core_part& part, net::connection& conn, amqp::engine_options opts, std::string label);
    ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    /// Serves the connection until the engine finished or the socket ended.
    task<void> run();
    /// Heartbeats and the idle timeout (from the core's sweep).
    void sweep(clock::time_point now);
    /// No new credit from now on.
    void drain();
    /// Releases what is unsettled and closes; run() returns within a second.
    void stop();

    /// True once a broker link was attached; when it was.
    bool link_ready() const noexcept { return ready_; }
    clock::time_point ready_at() const noexcept { return ready_at_; }
    /// Why the connection ended (no failure after a clean close).
    const amqp::failure& end_reason() const noexcept { return why_; }
    std::size_t unsettled() const noexcept { return pending_.size(); }

private:
    void on_message(const amqp::delivery_ref& d, bool settled, std::string_view message) override;
    void on_link_ready() override;
    void on_closed(const amqp::failure& why, bool remote) override;
    void committed(std::uint64_t epoch) override;
    void reject(const amqp::delivery_ref& d, std::string_view description);
    void write();

    struct pending {
        amqp::delivery_ref ref;
        std::uint64_t epoch;
    };

    amqp_service& svc_;
    core_part& part_;
    net::connection& conn_;
    amqp::engine engine_;
    std::string label_;
    std::deque<pending> pending_;
    std::string scratch_;  // a body spread over several data sections
    std::string key_;      // the message-id as a dedup key
    amqp::failure why_;
    bool ready_ = false;
    bool listening_ = false;  // registered as a commit listener
    clock::time_point ready_at_{};
};

}  // namespace tallyhub::app
