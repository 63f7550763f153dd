// hub_connection's hub messages: invocations (plain, streaming, with client-to-server streams),
// stream items, completions and cancellations, as the hub definition binds them.
#include <fmt/format.h>

#include "signalr/hub_connection.hpp"
#include "signalr/hub_endpoint.hpp"

namespace tallyhub::signalr {

// `msg` views the parser and the input: copy what must outlive the first suspension.
task<bool> hub_connection::on_record(const hub_message& msg) {
    const hub& h = ep_.definition();
    switch (type_of(msg)) {
    case message_type::invocation: {
        const auto& inv = std::get<invocation_message>(msg);
        std::string id(inv.invocation_id);
        const hub_method* m = h.find(inv.target);
        if (!m) {
            if (!id.empty())
                send_completion_error(id, detail::failed_to_invoke(inv.target) + " HubException: Method does not exist.");
            co_return true;
        }
        if (m->streaming) {
            if (!id.empty())
                send_completion_error(id, fmt::format("The client attempted to invoke the streaming '{}' method with a "
                                                      "non-streaming invocation.",
                                                      inv.target));
            co_return true;
        }
        auto bound = m->bind(bind_input{*this, id, inv.arguments, inv.stream_ids});
        auto uploads = uploads_of(inv.stream_ids);
        if (bound.index() == 1) {
            drop_uploads(uploads);  // a stream parameter may have bound before the argument that failed
            if (!id.empty()) send_completion_error(id, std::get<1>(bound));
            co_return true;
        }
        auto call = std::get<0>(std::move(bound));
        if (m->has_uploads) {
            start_background(dispatch_invocation(std::move(id), std::move(uploads), std::move(call)));
        } else {
            co_await dispatch_invocation(std::move(id), std::move(uploads), std::move(call));
        }
        co_return !close_;
    }
    case message_type::stream_invocation: {
        const auto& inv = std::get<stream_invocation_message>(msg);
        std::string id(inv.invocation_id);
        const hub_method* m = h.find(inv.target);
        if (!m) {
            send_completion_error(id, detail::failed_to_invoke(inv.target) + " HubException: Method does not exist.");
            co_return true;
        }
        if (!m->streaming) {
            send_completion_error(id, fmt::format("The client attempted to invoke the non-streaming '{}' method with a "
                                                  "streaming invocation.",
                                                  inv.target));
            co_return true;
        }
        if (streaming().streams.contains(id) || streaming().starting.contains(id)) {
            send_completion_error(id, fmt::format("Invocation ID '{}' is already in use.", id));
            co_return true;
        }
        auto bound = m->bind(bind_input{*this, id, inv.arguments, inv.stream_ids});
        auto uploads = uploads_of(inv.stream_ids);
        if (bound.index() == 1) {
            drop_uploads(uploads);
            send_completion_error(id, std::get<1>(bound));
            co_return true;
        }
        streaming().starting.insert(id);
        start_background(run_stream(std::move(id), std::move(uploads), std::get<0>(std::move(bound))));
        co_return true;
    }
    case message_type::stream_item: {
        const auto& item = std::get<stream_item_message>(msg);
        auto it = streaming().uploads.find(std::string(item.invocation_id));
        if (it == streaming().uploads.end() || it->second->done()) co_return true;  // unknown or finished: dropped
        auto ch = it->second;
        std::string value(item.item);
        // A full buffer stops reading the whole connection until the method takes an item.
        while (ch->full() && !ch->done() && !close_) {
            struct space_awaiter {
                upload_channel& ch;
                bool await_ready() const noexcept { return false; }
                void await_suspend(std::coroutine_handle<> h) noexcept { ch.wait_for_space(h); }
                void await_resume() const noexcept {}
            };
            co_await space_awaiter{*ch};
        }
        if (!ch->done()) ch->push(std::move(value));
        co_return !close_;
    }
    case message_type::completion: {
        const auto& c = std::get<completion_message>(msg);
        auto it = streaming().uploads.find(std::string(c.invocation_id));
        if (it != streaming().uploads.end()) {
            std::optional<std::string> error;
            if (c.error) error = std::string(*c.error);
            it->second->complete(std::move(error));
            streaming().uploads.erase(it);
        }
        co_return true;  // completions of client results are not used by this server
    }
    case message_type::cancel_invocation: {
        std::string id(std::get<cancel_invocation_message>(msg).invocation_id);
        if (auto it = streaming().streams.find(id); it != streaming().streams.end()) {
            it->second->cancel();
        } else if (streaming().starting.contains(id)) {
            streaming().cancelled_early.insert(id);
        }
        co_return true;
    }
    case message_type::close:
        // The client says goodbye; its WebSocket Close follows.
        send_close_record_ = false;
        close(std::nullopt, false);
        co_return false;
    case message_type::ping:
    case message_type::ack:
    case message_type::sequence:
        co_return true;
    }
    co_return true;
}

task<void> hub_connection::dispatch_invocation(std::string invocation_id, upload_list uploads, task<call_result> call) {
    call_result r = co_await std::move(call);
    drop_uploads(uploads);
    if (!invocation_id.empty() && !close_) send_completion(invocation_id, r);
}

task<void> hub_connection::run_stream(std::string invocation_id, upload_list uploads, task<call_result> call) {
    call_result r = co_await std::move(call);
    drop_uploads(uploads);
    // A cancelled stream still gets its Completion; the client ignores it.
    if (!close_) send_completion(invocation_id, r);
}

hub_connection::upload_list hub_connection::uploads_of(std::span<const std::string_view> stream_ids) {
    upload_list out;
    for (auto id : stream_ids)
        if (auto it = streaming().uploads.find(std::string(id)); it != streaming().uploads.end()) out.emplace_back(it->first, it->second);
    return out;
}

// Completing the channel also wakes a read loop waiting for buffer space in it; it then drops the item.
void hub_connection::drop_uploads(const upload_list& list) {
    for (const auto& [id, ch] : list) {
        ch->complete(std::nullopt);
        if (auto it = streaming().uploads.find(id); it != streaming().uploads.end() && it->second == ch) streaming().uploads.erase(it);
    }
}

std::shared_ptr<upload_channel> hub_connection::open_upload(std::string_view stream_id) {
    auto ch = std::make_shared<upload_channel>(ep_.options().stream_buffer_capacity);
    streaming().uploads[std::string(stream_id)] = ch;
    return ch;
}

stream_writer& hub_connection::open_stream(std::string_view invocation_id) {
    std::string id(invocation_id);
    streaming().starting.erase(id);
    auto w = std::make_unique<stream_writer>(*this, id);
    if (streaming().cancelled_early.erase(id) > 0 || close_) w->cancel();
    auto& ref = *w;
    streaming().streams[std::move(id)] = std::move(w);
    return ref;
}

void hub_connection::close_stream(stream_writer& w) {
    // The stream's coroutine makes no use of `w` after this call.
    auto it = streaming().streams.find(w.invocation_id());
    if (it != streaming().streams.end()) streaming().streams.erase(it);
}

}  // namespace tallyhub::signalr
