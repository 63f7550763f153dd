#include "app/amqp_session.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "core/reactor.hpp"
#include "net/amqp/message.hpp"

namespace tallyhub::app {

namespace {

// The event type: properties.subject, else the MessageType application property (DESIGN §5.1).
std::string_view event_type_of(const amqp::message_view& m) {
    if (m.properties && !m.properties->subject.empty()) return m.properties->subject;
    if (auto t = m.application_property("MessageType")) return *t;
    return {};
}

}  // namespace

amqp_service::session::session(amqp_service& svc, core_part& part, net::connection& conn, amqp::engine_options opts,
                               std::string label)
    : svc_(svc), part_(part), conn_(conn), engine_(std::move(opts), *this), label_(std::move(label)) {
    part_.sessions.push_back(this);
}

amqp_service::session::~session() {
    auto& v = part_.sessions;
    v.erase(std::remove(v.begin(), v.end(), this), v.end());
    if (listening_) svc_.engine_.remove_commit_listener(*this);
    part_.stats.unsettled.sub(std::int64_t(pending_.size()));
}

task<void> amqp_service::session::run() {
    svc_.engine_.add_commit_listener(*this);
    listening_ = true;
    engine_.start(clock::now());
    if (part_.draining) engine_.stop_credit();
    write();
    while (!engine_.finished()) {
        net::read_result r = co_await conn_.read();
        if (r.status <= 0) break;
        engine_.receive(r.bytes, clock::now());
        write();
    }
    svc_.engine_.remove_commit_listener(*this);
    listening_ = false;
    if (!engine_.finished() && !why_.failed() && pending_.empty()) {
        // The peer went away without a close: worth a line only if something was lost.
        log_debug("amqp {}: connection ended without close", label_);
    }
}

void amqp_service::session::write() {
    engine_.flush();
    std::string& out = engine_.output();
    if (out.empty()) return;
    if (conn_.send(std::move(out)) == net::send_status::dropped) {
        // The peer does not read what we send (dispositions, flows): it is stuck or hostile.
        if (!why_.failed()) why_ = amqp::failure(amqp::condition::resource_limit_exceeded, "the peer does not read");
        conn_.stop_reading();
    }
    out.clear();
    engine_.wrote(clock::now());
}

void amqp_service::session::sweep(clock::time_point now) {
    engine_.tick(now);
    write();
    if (engine_.finished()) conn_.stop_reading();
}

void amqp_service::session::drain() {
    engine_.stop_credit();
    write();
}

void amqp_service::session::stop() {
    for (const pending& p : pending_) engine_.settle(p.ref, amqp::outcome::released);
    part_.stats.released.add(pending_.size());
    part_.stats.unsettled.sub(std::int64_t(pending_.size()));
    pending_.clear();
    engine_.close();
    write();
    // A peer that does not answer the close is not waited for long.
    conn_.set_deadline(reactor::current().now() + std::chrono::seconds(1));
}

void amqp_service::session::reject(const amqp::delivery_ref& d, std::string_view description) {
    part_.stats.settled_rejected.add();
    engine_.settle(d, amqp::outcome::rejected, description);
}

void amqp_service::session::on_message(const amqp::delivery_ref& d, bool, std::string_view message) {
    part_.stats.deliveries.add();
    auto m = amqp::decode_message(amqp::as_bytes(message));
    if (!m) {
        part_.stats.malformed_messages.add();
        reject(d, m.err().description());
        return;
    }
    const std::string_view type = event_type_of(*m);
    auto body = m->body_bytes(scratch_);
    if (!body) {
        if (parse_event_type(type) == event_type::unknown) {
            (void)part_.ingest->ingest(type, {}, 0);  // counted as ignored
            part_.stats.settled_accepted.add();
            engine_.settle(d, amqp::outcome::accepted);
            return;
        }
        part_.stats.malformed_messages.add();
        reject(d, "the body must be one or more data sections, or an amqp-value string or binary");
        return;
    }
    key_.clear();
    if (m->properties) m->properties->message_id.append_key(key_);
    const ingest_result r = part_.ingest->ingest(type, amqp::as_chars(*body), analytics::now_ms(), key_);
    switch (r.outcome) {
        case ingest_outcome::applied:
            pending_.push_back({d, r.epoch});
            part_.stats.unsettled.add(1);
            break;
        case ingest_outcome::rejected: reject(d, r.reason); break;
        case ingest_outcome::ignored:
            part_.stats.settled_accepted.add();
            engine_.settle(d, amqp::outcome::accepted);
            break;
    }
}

void amqp_service::session::committed(std::uint64_t epoch) {
    std::size_t n = 0;
    while (!pending_.empty() && pending_.front().epoch <= epoch) {
        engine_.settle(pending_.front().ref, amqp::outcome::accepted);
        pending_.pop_front();
        ++n;
    }
    if (n == 0) return;
    part_.stats.settled_accepted.add(n);
    part_.stats.unsettled.sub(std::int64_t(n));
    write();
}

void amqp_service::session::on_link_ready() {
    ready_ = true;
    ready_at_ = clock::now();
    part_.stats.receiver_connects.add();
    part_.stats.receivers_up.add(1);
    log_info("amqp {}: receiving", label_);
}

void amqp_service::session::on_closed(const amqp::failure& why, bool remote) {
    if (ready_) part_.stats.receivers_up.sub(1);
    if (!why.failed()) return;
    why_ = why;
    part_.stats.connection_errors.add();
    TALLYHUB_LOG_LIMITED(log_level::warn, 10, "amqp {}: {} ({}): {}", label_, remote ? "closed by the peer" : "closed",
                         why.symbol(), why.description());
}

}  // namespace tallyhub::app
