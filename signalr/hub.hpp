#pragma once
// A hub: the methods clients may invoke, bound to C++ functions, and the hooks that run when a
// connection starts and ends. Built once before the server starts, read-only afterwards.
//
//   hub h;
//   h.method("Echo", [](hub_call&, std::string s) { return s; });
//   h.method("Join", [](hub_call& c, std::string g) { c.join_group(g); });            // void → null
//   h.method("Slow", [](hub_call&) -> task<int> { co_await io::sleep(1s); co_return 1; });
//   h.stream("Counter", [](hub_call&, stream_writer& w, int n) -> task<void> {
//       for (int i = 0; i < n && w.write(i); ++i) co_await w.sleep(10ms);
//   });
//   h.method("Sum", [](hub_call&, upload<int> xs) -> task<long> {              // client-to-server stream
//       long t = 0; while (auto x = co_await xs.next()) t += *x; co_return t;
//   });
//
// Names match case-insensitively, as ASP.NET Core does. A method that throws hub_error answers with
// its message in the Completion error; any other exception gives the generic error text only.
// Ordinary invocations of one connection run one at a time (the next message waits, as with
// ASP.NET's default MaximumParallelInvocationsPerClient = 1); server streams and methods with
// upload streams run in the background.
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "core/io.hpp"
#include "core/task.hpp"
#include "signalr/hub_binding.hpp"

namespace tallyhub::signalr {

class hub_connection;
class hub_endpoint;

/// Thrown by a hub method: the message is sent to the caller (as ASP.NET's HubException is).
class hub_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The record of a server-to-client call `method(args...)` (an Invocation without id), 0x1E included.
std::string invocation_record(std::string_view method, std::span<const std::string> json_args);

template <typename... A>
std::string make_invocation(std::string_view method, const A&... args) {
    std::array<std::string, sizeof...(A)> json{json_of(args)...};
    return invocation_record(method, json);
}

/// Sends server-to-client calls. Each call encodes the record once; delivery to connections on other
/// cores goes by message passing, and each core frames the bytes once for all its connections.
class clients {
public:
    clients(hub_endpoint& ep, hub_connection* caller) noexcept : ep_(ep), caller_(caller) {}

    template <typename... A>
    void all(std::string_view method, const A&... args) {
        send_all(make_invocation(method, args...), {});
    }
    /// Everyone but the caller.
    template <typename... A>
    void others(std::string_view method, const A&... args) {
        send_all(make_invocation(method, args...), caller_id());
    }
    template <typename... A>
    void caller(std::string_view method, const A&... args) {
        send_caller(make_invocation(method, args...));
    }
    template <typename... A>
    void client(std::string_view connection_id, std::string_view method, const A&... args) {
        send_client(connection_id, make_invocation(method, args...));
    }
    template <typename... A>
    void group(std::string_view group, std::string_view method, const A&... args) {
        send_group(group, make_invocation(method, args...), {});
    }
    /// Members of `group` but the caller.
    template <typename... A>
    void others_in_group(std::string_view group, std::string_view method, const A&... args) {
        send_group(group, make_invocation(method, args...), caller_id());
    }

    void send_all(std::string record, std::string_view except_id);
    void send_caller(std::string record);
    void send_client(std::string_view connection_id, std::string record);
    void send_group(std::string_view group, std::string record, std::string_view except_id);

private:
    std::string_view caller_id() const noexcept;
    hub_endpoint& ep_;
    hub_connection* caller_;
};

/// What a hub method knows about its call: the caller, and how to reach other connections.
class hub_call {
public:
    explicit hub_call(hub_connection& c) noexcept : conn_(&c) {}
    /// The caller's public connection id.
    std::string_view connection_id() const noexcept;
    /// The reactor core that owns the caller.
    unsigned core() const noexcept;
    signalr::clients clients() const noexcept;
    /// Adds the caller to `group` (names are case-sensitive) / removes it.
    void join_group(std::string_view group) const;
    void leave_group(std::string_view group) const;
    /// Adds or removes any connection, on whichever core it lives.
    void add_to_group(std::string_view connection_id, std::string_view group) const;
    void remove_from_group(std::string_view connection_id, std::string_view group) const;
    /// Ends the caller's connection with a Close message (no reconnect), as Context.Abort() does.
    void abort() const;
    hub_connection& connection() const noexcept { return *conn_; }

private:
    hub_connection* conn_;
};

/// The sending side of a server-to-client stream.
class stream_writer {
public:
    stream_writer(hub_connection& c, std::string invocation_id) : conn_(&c), id_(std::move(invocation_id)) {}
    stream_writer(const stream_writer&) = delete;
    stream_writer& operator=(const stream_writer&) = delete;

    /// Sends one item; false (nothing sent) once the stream was cancelled or the connection ended.
    template <typename T>
    bool write(const T& item) {
        if (cancelled_) return false;
        return write_json(json_of(item));
    }
    bool write_json(std::string_view json_item);
    /// True after CancelInvocation or the end of the connection.
    bool cancelled() const noexcept { return cancelled_; }
    /// Sleeps `d`, cut short by cancellation; returns !cancelled().
    task<bool> sleep(std::chrono::nanoseconds d);
    const std::string& invocation_id() const noexcept { return id_; }
    /// Called by the connection.
    void cancel() noexcept;

private:
    hub_connection* conn_;
    std::string id_;
    bool cancelled_ = false;
    io::cancel_slot slot_;
};

/// Items of one client-to-server stream, buffered (ASP.NET's StreamBufferCapacity: 10) until read.
class upload_channel {
public:
    explicit upload_channel(std::size_t capacity) : capacity_(capacity) {}
    /// Awaits the next item's JSON text; nullopt at the end of the stream.
    struct next_awaiter;
    next_awaiter next() noexcept;
    /// The client's error if it completed the stream with one.
    const std::optional<std::string>& error() const noexcept { return error_; }

    // Producer side (the connection's read loop).
    bool full() const noexcept { return items_.size() >= capacity_; }
    void push(std::string json_item);
    void complete(std::optional<std::string> error);
    bool done() const noexcept { return done_; }
    /// Resumes `h` when an item was taken (the read loop waits while the buffer is full).
    void wait_for_space(std::coroutine_handle<> h) noexcept { space_waiter_ = h; }

private:
    std::size_t capacity_;
    std::vector<std::string> items_;  // small FIFO: front is items_[head_]
    std::size_t head_ = 0;
    bool done_ = false;
    std::optional<std::string> error_;
    std::coroutine_handle<> reader_;
    std::coroutine_handle<> space_waiter_;
    friend struct next_awaiter;
};

struct upload_channel::next_awaiter {
    upload_channel& ch;
    bool await_ready() const noexcept { return ch.head_ < ch.items_.size() || ch.done_; }
    void await_suspend(std::coroutine_handle<> h) noexcept { ch.reader_ = h; }
    std::optional<std::string> await_resume();
};

/// A client-to-server stream parameter of type T.
template <typename T>
class upload {
public:
    explicit upload(std::shared_ptr<upload_channel> ch) : ch_(std::move(ch)) {}
    /// The next item, or nullopt when the client completed the stream. An item that does not bind
    /// to T, or a stream the client ended with an error, throws hub_error.
    task<std::optional<T>> next() {
        auto raw = co_await ch_->next();
        if (!raw) {
            if (ch_->error()) throw hub_error(*ch_->error());
            co_return std::nullopt;
        }
        auto v = from_json<T>(*raw);
        if (!v) throw hub_error("A stream item does not have the expected type.");
        co_return std::move(*v);
    }

private:
    std::shared_ptr<upload_channel> ch_;
};

template <typename T>
struct is_upload : std::false_type {};
template <typename T>
struct is_upload<upload<T>> : std::true_type {};

template <typename T>
struct is_task : std::false_type {};
template <typename T>
struct is_task<task<T>> : std::true_type {
    using value_type = T;
};

/// The outcome of one invocation: a result's JSON text, an error, or (streams) neither.
struct call_result {
    std::optional<std::string> result;
    std::optional<std::string> error;
};

/// What binding a message to a method gives: the call to run, or the error text to send.
using bound_call = std::variant<task<call_result>, std::string>;

/// The inputs of binding. Views are valid only during bind().
struct bind_input {
    hub_connection& conn;
    std::string_view invocation_id;
    std::span<const std::string_view> arguments;
    std::span<const std::string_view> stream_ids;
};

/// One hub method, type-erased.
struct hub_method {
    std::string name;
    bool streaming = false;
    bool has_uploads = false;
    std::function<bound_call(const bind_input&)> bind;
};

namespace detail {

template <typename F>
struct signature : signature<decltype(&F::operator())> {};
template <typename C, typename R, typename... A>
struct signature<R (C::*)(A...) const> {
    using result = R;
    using args = std::tuple<std::decay_t<A>...>;
};
template <typename C, typename R, typename... A>
struct signature<R (C::*)(A...)> : signature<R (C::*)(A...) const> {};

template <typename Tuple>
struct drop_front;
template <typename H, typename... T>
struct drop_front<std::tuple<H, T...>> {
    using type = std::tuple<T...>;
};

std::string failed_to_invoke(std::string_view method);
std::string unexpected_error(std::string_view method, const std::exception* e, bool hub_exception);
std::shared_ptr<upload_channel> open_upload(hub_connection& c, std::string_view stream_id);
stream_writer& open_stream(hub_connection& c, std::string_view invocation_id);
void close_stream(hub_connection& c, stream_writer& w);

template <typename... Params>
struct binder {
    static constexpr std::size_t n = sizeof...(Params);
    static constexpr std::array<bool, n> is_stream{is_upload<Params>::value...};
    static constexpr std::size_t streams = [] {
        std::size_t k = 0;
        for (bool b : is_stream) k += b;
        return k;
    }();
    static constexpr std::size_t args = n - streams;
    static constexpr std::size_t position(std::size_t i) {
        std::size_t k = 0;
        for (std::size_t j = 0; j < i; ++j) k += is_stream[j] == is_stream[i];
        return k;
    }

    // Binds every parameter, or returns the error to send.
    static std::variant<std::tuple<Params...>, std::string> bind(const bind_input& in, std::string_view name) {
        if (in.stream_ids.size() != streams)
            return unexpected_error(name, nullptr, true) + "Client sent " + std::to_string(in.stream_ids.size()) +
                   " stream(s), Hub method expects " + std::to_string(streams) + ".";
        if (in.arguments.size() != args) return failed_to_invoke(name);
        std::tuple<std::optional<Params>...> slots;
        bool ok = bind_all(in, slots, std::make_index_sequence<n>{});
        if (!ok) return failed_to_invoke(name);
        return unwrap(slots, std::make_index_sequence<n>{});
    }

    template <std::size_t... I>
    static bool bind_all(const bind_input& in, std::tuple<std::optional<Params>...>& slots, std::index_sequence<I...>) {
        return (bind_one<I>(in, std::get<I>(slots)) && ...);
    }

    template <std::size_t I, typename P>
    static bool bind_one(const bind_input& in, std::optional<P>& slot) {
        if constexpr (is_upload<P>::value) {
            slot.emplace(open_upload(in.conn, in.stream_ids[position(I)]));
        } else {
            auto v = from_json<P>(in.arguments[position(I)]);
            if (!v) return false;
            slot.emplace(std::move(*v));
        }
        return true;
    }

    template <std::size_t... I>
    static std::tuple<Params...> unwrap(std::tuple<std::optional<Params>...>& slots, std::index_sequence<I...>) {
        return std::tuple<Params...>{std::move(*std::get<I>(slots))...};
    }
};

template <typename R, typename F, typename Tuple>
task<call_result> run_method(const F& f, std::string_view name, hub_call call, Tuple args) {
    call_result out;
    try {
        auto invoke = [&]() -> decltype(auto) {
            return std::apply([&](auto&... a) -> R { return f(call, std::move(a)...); }, args);
        };
        if constexpr (is_task<R>::value) {
            using V = typename is_task<R>::value_type;
            if constexpr (std::is_void_v<V>) {
                co_await invoke();
                out.result = "null";
            } else {
                V v = co_await invoke();
                out.result = json_of(v);
            }
        } else if constexpr (std::is_void_v<R>) {
            invoke();
            out.result = "null";
        } else {
            out.result = json_of(invoke());
        }
    } catch (const hub_error& e) {
        out.error = unexpected_error(name, &e, true);
    } catch (const std::exception& e) {
        out.error = unexpected_error(name, &e, false);
    }
    co_return out;
}

template <typename F, typename Tuple>
task<call_result> run_stream(const F& f, std::string_view name, hub_call call, std::string id, Tuple args) {
    call_result out;
    stream_writer& w = open_stream(call.connection(), id);
    try {
        co_await std::apply([&](auto&... a) { return f(call, w, std::move(a)...); }, args);
    } catch (const hub_error& e) {
        out.error = unexpected_error(name, &e, true);
    } catch (const std::exception& e) {
        out.error = unexpected_error(name, &e, false);
    }
    close_stream(call.connection(), w);
    co_return out;
}

}  // namespace detail

class hub {
public:
    /// Registers `f(hub_call&, Params...) -> R | task<R>`; R = void answers with a null result.
    template <typename F>
    hub& method(std::string name, F f) {
        using sig = detail::signature<F>;
        using R = typename sig::result;
        using params = typename detail::drop_front<typename sig::args>::type;
        return add(make_method<R>(std::move(name), std::move(f), static_cast<params*>(nullptr)));
    }

    /// Registers a server-to-client stream `f(hub_call&, stream_writer&, Params...) -> task<void>`.
    template <typename F>
    hub& stream(std::string name, F f) {
        using sig = detail::signature<F>;
        using params = typename detail::drop_front<typename detail::drop_front<typename sig::args>::type>::type;
        return add(make_stream(std::move(name), std::move(f), static_cast<params*>(nullptr)));
    }

    /// The method called `name`, compared case-insensitively; null if none.
    const hub_method* find(std::string_view name) const;

    /// Runs after a successful handshake; may send to the caller.
    std::function<void(hub_call&)> on_connected;
    /// Runs after the connection ended, before its groups are left.
    std::function<void(hub_call&)> on_disconnected;

private:
    hub& add(hub_method m);

    template <typename R, typename F, typename... Params>
    static hub_method make_method(std::string name, F f, std::tuple<Params...>*) {
        hub_method m;
        m.name = name;
        m.has_uploads = detail::binder<Params...>::streams > 0;
        auto fn = std::make_shared<F>(std::move(f));
        auto stored_name = std::make_shared<std::string>(std::move(name));
        m.bind = [fn, stored_name](const bind_input& in) -> bound_call {
            auto bound = detail::binder<Params...>::bind(in, *stored_name);
            if (bound.index() == 1) return std::get<1>(std::move(bound));
            return detail::run_method<R>(*fn, *stored_name, hub_call(in.conn), std::get<0>(std::move(bound)));
        };
        return m;
    }

    template <typename F, typename... Params>
    static hub_method make_stream(std::string name, F f, std::tuple<Params...>*) {
        hub_method m;
        m.name = name;
        m.streaming = true;
        m.has_uploads = detail::binder<Params...>::streams > 0;
        auto fn = std::make_shared<F>(std::move(f));
        auto stored_name = std::make_shared<std::string>(std::move(name));
        m.bind = [fn, stored_name](const bind_input& in) -> bound_call {
            auto bound = detail::binder<Params...>::bind(in, *stored_name);
            if (bound.index() == 1) return std::get<1>(std::move(bound));
            return detail::run_stream(*fn, *stored_name, hub_call(in.conn), std::string(in.invocation_id),
                                      std::get<0>(std::move(bound)));
        };
        return m;
    }

    std::unordered_map<std::string, hub_method> methods_;  // key: lower-case name
};

}  // namespace tallyhub::signalr
