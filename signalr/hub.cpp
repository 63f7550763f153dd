#include "signalr/hub.hpp"

#include <algorithm>
#include <cctype>

#include "core/log.hpp"
#include "signalr/hub_connection.hpp"
#include "signalr/hub_endpoint.hpp"
#include "signalr/json_protocol.hpp"

namespace tallyhub::signalr {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

}  // namespace

std::string invocation_record(std::string_view method, std::span<const std::string> json_args) {
    std::vector<std::string_view> args(json_args.begin(), json_args.end());
    invocation_message m;
    m.target = method;
    m.arguments = args;
    std::string out;
    json_protocol::write(m, out);
    return out;
}

// ---- hub ----

hub& hub::add(hub_method m) {
    auto key = lower(m.name);
    methods_.insert_or_assign(std::move(key), std::move(m));
    return *this;
}

const hub_method* hub::find(std::string_view name) const {
    // Method names are short: lower-casing into a small string is cheaper than a custom hash.
    auto it = methods_.find(lower(name));
    return it == methods_.end() ? nullptr : &it->second;
}

// ---- clients ----

std::string_view clients::caller_id() const noexcept {
    return caller_ ? std::string_view(caller_->id()) : std::string_view();
}

void clients::send_all(std::string record, std::string_view except_id) { ep_.send_all(std::move(record), except_id); }

void clients::send_caller(std::string record) {
    if (caller_) caller_->send_record(record);
}

void clients::send_client(std::string_view connection_id, std::string record) {
    ep_.send_client(connection_id, std::move(record));
}

void clients::send_group(std::string_view group, std::string record, std::string_view except_id) {
    ep_.send_group(group, std::move(record), except_id);
}

// ---- hub_call ----

std::string_view hub_call::connection_id() const noexcept { return conn_->id(); }
unsigned hub_call::core() const noexcept { return conn_->core(); }
clients hub_call::clients() const noexcept { return signalr::clients(conn_->endpoint(), conn_); }
void hub_call::join_group(std::string_view group) const { conn_->endpoint().join_local(*conn_, group); }
void hub_call::leave_group(std::string_view group) const { conn_->endpoint().leave_local(*conn_, group); }
void hub_call::add_to_group(std::string_view connection_id, std::string_view group) const {
    conn_->endpoint().add_to_group(connection_id, group);
}
void hub_call::remove_from_group(std::string_view connection_id, std::string_view group) const {
    conn_->endpoint().remove_from_group(connection_id, group);
}
void hub_call::abort() const { conn_->close(std::nullopt, false); }

// ---- stream_writer ----

bool stream_writer::write_json(std::string_view json_item) {
    if (cancelled_) return false;
    stream_item_message m;
    m.invocation_id = id_;
    m.item = json_item;
    conn_->send_message(m);
    return !cancelled_;
}

task<bool> stream_writer::sleep(std::chrono::nanoseconds d) {
    if (cancelled_) co_return false;
    co_await io::sleep(d).cancel_with(slot_);
    co_return !cancelled_;
}

void stream_writer::cancel() noexcept {
    cancelled_ = true;
    slot_.cancel();
}

// ---- upload_channel ----

upload_channel::next_awaiter upload_channel::next() noexcept { return next_awaiter{*this}; }

std::optional<std::string> upload_channel::next_awaiter::await_resume() {
    ch.reader_ = {};
    if (ch.head_ < ch.items_.size()) {
        std::string item = std::move(ch.items_[ch.head_++]);
        if (ch.head_ == ch.items_.size()) {
            ch.items_.clear();
            ch.head_ = 0;
        }
        if (ch.space_waiter_) reactor::current().schedule(std::exchange(ch.space_waiter_, {}));
        return item;
    }
    return std::nullopt;
}

void upload_channel::push(std::string json_item) {
    items_.push_back(std::move(json_item));
    if (reader_) reactor::current().schedule(std::exchange(reader_, {}));
}

void upload_channel::complete(std::optional<std::string> error) {
    if (done_) return;
    done_ = true;
    error_ = std::move(error);
    if (reader_) reactor::current().schedule(std::exchange(reader_, {}));
    if (space_waiter_) reactor::current().schedule(std::exchange(space_waiter_, {}));
}

// ---- binding helpers ----

namespace detail {

std::string failed_to_invoke(std::string_view method) {
    return "Failed to invoke '" + std::string(method) + "' due to an error on the server.";
}

std::string unexpected_error(std::string_view method, const std::exception* e, bool hub_exception) {
    std::string out = "An unexpected error occurred invoking '" + std::string(method) + "' on the server.";
    if (hub_exception) {
        out += " HubException: ";
        if (e) out += e->what();
    } else if (e) {
        // Like ASP.NET without EnableDetailedErrors: the client gets the generic text, the log the detail.
        log_warn("hub method '{}' failed: {}", method, e->what());
    }
    return out;
}

std::shared_ptr<upload_channel> open_upload(hub_connection& c, std::string_view stream_id) {
    return c.open_upload(stream_id);
}

stream_writer& open_stream(hub_connection& c, std::string_view invocation_id) { return c.open_stream(invocation_id); }

void close_stream(hub_connection& c, stream_writer& w) { c.close_stream(w); }

}  // namespace detail

}  // namespace tallyhub::signalr
