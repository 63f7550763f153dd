#include "signalr/long_polling.hpp"

#include <utility>

namespace tallyhub::signalr {

poll_response poll_data(std::string body) { return {200, "application/octet-stream", std::move(body)}; }
poll_response poll_timeout() { return {200, "text/plain", {}}; }
poll_response poll_gone() { return {204, {}, {}}; }

long_poll_session::~long_poll_session() {
    if (waiting_) std::exchange(waiting_, nullptr)->complete(poll_gone());
}

net::send_status long_poll_session::admit(std::size_t n, std::size_t headroom) const noexcept {
    if (gone_ || queued_ + n > limits_.output_hard_limit + headroom) return net::send_status::dropped;
    return queued_ + n > limits_.output_soft_limit ? net::send_status::backpressure : net::send_status::ok;
}

net::send_status long_poll_session::push(std::string bytes, bool closing) {
    const auto st = admit(bytes.size(), closing ? net::connection::closing_headroom : 0);
    if (st == net::send_status::dropped) return st;
    queued_ += bytes.size();
    units_.push_back(unit{std::move(bytes), {}, 0});
    return st;
}

net::send_status long_poll_session::push_shared(const shared_bytes& bytes, std::uint8_t conflate, bool* conflated) {
    if (conflated) *conflated = false;
    if (conflate != 0 && !units_.empty() && units_.back().kind == conflate) {
        // Superseding state: the queued unit of the same kind was never taken, so replace it.
        const std::size_t old = units_.back().size();
        queued_ -= old;
        const auto st = admit(bytes.size(), 0);
        if (st == net::send_status::dropped) {
            queued_ += old;
            return st;
        }
        units_.back().shared = bytes;
        queued_ += bytes.size();
        if (conflated) *conflated = true;
        return st;
    }
    const auto st = admit(bytes.size(), 0);
    if (st == net::send_status::dropped) return st;
    queued_ += bytes.size();
    units_.push_back(unit{{}, bytes, conflate});
    return st;
}

std::string long_poll_session::take() {
    std::string body;
    body.reserve(queued_);
    for (const unit& u : units_) body += u.view();
    units_.clear();
    queued_ = 0;
    return body;
}

void long_poll_session::answer(poll_response r, time_point now) {
    poll_ticket* t = std::exchange(waiting_, nullptr);
    last_poll_end_ = now;
    t->complete(std::move(r));
}

void long_poll_session::release(time_point now) {
    if (waiting_ && !units_.empty()) answer(poll_data(take()), now);
}

void long_poll_session::poll(poll_ticket& t, time_point now) {
    if (waiting_) answer(poll_gone(), now);  // superseded by this one
    if (!units_.empty()) {
        last_poll_end_ = now;
        t.complete(poll_data(take()));
        return;
    }
    if (ended_) {
        gone_ = true;
        last_poll_end_ = now;
        t.complete(poll_gone());
        return;
    }
    waiting_ = &t;
    poll_started_ = now;
}

void long_poll_session::end(time_point now) {
    if (ended_) return;
    ended_ = true;
    ended_at_ = now;
    if (!waiting_) return;
    if (units_.empty()) {
        gone_ = true;
        answer(poll_gone(), now);
    } else {
        answer(poll_data(take()), now);
    }
}

long_poll_session::verdict long_poll_session::sweep(time_point now, std::chrono::milliseconds poll_timeout,
                                                    std::chrono::milliseconds disconnect_timeout) {
    if (waiting_ && now - poll_started_ >= poll_timeout) answer(signalr::poll_timeout(), now);
    if (ended_) return gone_ || now - ended_at_ >= disconnect_timeout ? verdict::over : verdict::keep;
    if (!waiting_ && now - last_poll_end_ >= disconnect_timeout) return verdict::idle;
    return verdict::keep;
}

}  // namespace tallyhub::signalr
