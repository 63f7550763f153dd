// tallyhub-send: an AMQP 1.0 producer for tallyhub's listener or any broker (issue 5).
//
//   tallyhub-send amqp://[user:pass@]host:port/ADDRESS (--file EVENTS.jsonl | --orders N [--payments M])
//                 [--rate N] [--settled] [--durable] [--json] [--timeout 60s]
//
// Events come from a JSON-lines file ({"type":"OrderCreated","id":"o-1","body":{...}}; "body" may
// also be a string sent byte for byte; "messageType" sets the MessageType application property) or
// are synthetic orders and payments with known amounts. Each is one message: message-id = id,
// subject = type, content-type application/json, the body in one data section. It runs on the
// project's reactor with the same engine and codec as the server. A terminal gets a progress line;
// the end is a summary (or one JSON line with --json). Exit 0 when every message was accepted (or,
// with --settled, sent), 1 otherwise, 2 for bad arguments.

#include <unistd.h>

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <simdjson.h>
#include <string>
#include <vector>

#include "app/amqp_url.hpp"
#include "app/config_values.hpp"
#include "core/io.hpp"
#include "core/reactor.hpp"
#include "net/amqp/engine.hpp"
#include "net/amqp/message.hpp"
#include "net/connection.hpp"
#include "net/net_stats.hpp"

namespace tallyhub::app {
namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct send_options {
    std::string url;
    std::string file;
    std::uint64_t orders = 0;
    std::uint64_t payments = 0;
    double rate = 0;  // events per second; 0 = as fast as credit allows
    bool settled = false;
    bool durable = false;
    bool json = false;
    std::uint64_t seed = 1;
    double timeout_s = 60;
};

struct event_line {
    std::string type, id, message_type, body;
};

std::string json_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\', out += c;
        else if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", int(c));
        else out += c;
    }
    return out;
}

// Reads JSON lines; exits with a message naming the line on any error.
std::vector<event_line> read_events(const std::string& path) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (path != "-") {
        file.open(path);
        if (!file) throw std::runtime_error("cannot read " + path);
        in = &file;
    }
    simdjson::dom::parser parser;
    std::vector<event_line> out;
    std::string line;
    for (std::size_t n = 1; std::getline(*in, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        simdjson::dom::element doc;
        if (parser.parse(line).get(doc)) throw std::runtime_error(fmt::format("{} line {}: not JSON", path, n));
        simdjson::dom::object obj;
        if (doc.get_object().get(obj)) throw std::runtime_error(fmt::format("{} line {}: not a JSON object", path, n));
        event_line e;
        std::string_view s;
        if (!obj["type"].get_string().get(s)) e.type = s;
        if (!obj["messageType"].get_string().get(s)) e.message_type = s;
        if (!obj["id"].get_string().get(s)) e.id = s;
        simdjson::dom::element body;
        if (obj["body"].get(body)) throw std::runtime_error(fmt::format("{} line {}: no \"body\"", path, n));
        if (body.is_string()) e.body = std::string(body.get_string().value());
        else e.body = simdjson::minify(body);
        if (e.id.empty()) e.id = fmt::format("line-{}", n);
        out.push_back(std::move(e));
    }
    return out;
}

// Synthetic events: order i has amount ((i * 7919) % 50000 + 100) cents; payment j pays order j.
class synthetic {
public:
    synthetic(std::uint64_t seed, std::uint64_t orders, std::uint64_t payments)
        : seed_(seed), orders_(orders), payments_(payments) {}
    std::uint64_t count() const noexcept { return orders_ + payments_; }
    static std::int64_t cents(std::uint64_t i) noexcept { return std::int64_t((i * 7919) % 50000 + 100); }
    std::int64_t revenue_cents() const noexcept {
        std::int64_t sum = 0;
        for (std::uint64_t i = 0; i < orders_; ++i) sum += cents(i);
        return sum;
    }
    // Orders first, then payments: event k of count().
    void make(std::uint64_t k, event_line& e) const {
        if (k < orders_) {
            e.type = "OrderCreated";
            e.id = fmt::format("send-{}-o-{}", seed_, k);
            const std::int64_t c = cents(k);
            e.body = fmt::format(R"({{"OrderId":"{}","CustomerId":"c-{}","TotalAmount":{}.{:02},"Currency":"EUR"}})", e.id,
                                 k % 1000, c / 100, c % 100);
        } else {
            const std::uint64_t j = k - orders_;
            e.type = "PaymentProcessed";
            e.id = fmt::format("send-{}-p-{}", seed_, j);
            const std::int64_t c = cents(j);
            e.body = fmt::format(R"({{"OrderId":"send-{}-o-{}","PaymentId":"{}","Amount":{}.{:02}}})", seed_, j, e.id,
                                 c / 100, c % 100);
        }
        e.message_type.clear();
    }

private:
    std::uint64_t seed_, orders_, payments_;
};

struct rejection {
    std::uint64_t index;
    std::string condition, description;
};

class producer final : public amqp::engine_handler {
public:
    producer(const send_options& o, const broker_url& u, std::vector<event_line> file_events)
        : o_(o), url_(u), file_(std::move(file_events)), synth_(o.seed, o.orders, o.payments),
          total_(file_.empty() ? synth_.count() : file_.size()) {}

    task<int> run();
    void print_summary() const;

private:
    void on_message(const amqp::delivery_ref&, bool, std::string_view) override {}
    void on_credit() override { pump(); }
    void on_outcome(const amqp::send_outcome& out) override;
    void on_closed(const amqp::failure& why, bool) override {
        if (why.failed() && error_.empty()) error_ = fmt::format("{}: {}", why.symbol(), why.description());
        closed_ = true;
    }
    void pump();
    void write();
    bool done() const noexcept {
        return closed_ || (sent_ == total_ && (o_.settled || accepted_ + rejected_ + released_ == sent_));
    }
    task<void> ticker();
    task<void> resume_after_drain();
    void progress(bool final_line);

    static constexpr std::size_t max_queued = 4 * 1024 * 1024;

    const send_options& o_;
    broker_url url_;
    std::vector<event_line> file_;
    synthetic synth_;
    std::uint64_t total_;
    amqp::engine* engine_ = nullptr;
    net::connection* conn_ = nullptr;
    std::uint64_t sent_ = 0, accepted_ = 0, rejected_ = 0, released_ = 0, modified_ = 0;
    std::vector<rejection> rejections_;
    std::string error_;
    bool closed_ = false;
    bool stop_ticker_ = false;
    bool draining_ = false;  // waiting for the socket to take the queued output
    clock_type::time_point start_{}, end_{};
    std::string message_;
    event_line scratch_;
    io::cancel_slot ticker_wake_;
};

void producer::on_outcome(const amqp::send_outcome& out) {
    switch (out.result) {
        case amqp::outcome::accepted: ++accepted_; break;
        case amqp::outcome::rejected:
            ++rejected_;
            if (rejections_.size() < 1000)
                rejections_.push_back({out.tag, std::string(out.condition), std::string(out.description)});
            break;
        case amqp::outcome::released:
            ++released_;
            if (out.modified) ++modified_;
            break;
    }
    if (done()) end_ = clock_type::now();
}

// Sends while credit (and the --rate budget) allows.
void producer::pump() {
    if (!engine_ || draining_) return;
    const double elapsed = std::chrono::duration<double>(clock_type::now() - start_).count();
    const std::uint64_t budget = o_.rate > 0 ? std::uint64_t(elapsed * o_.rate) + 1 : total_;
    while (sent_ < total_ && sent_ < budget && engine_->can_send()) {
        const event_line* e = &scratch_;
        if (file_.empty()) synth_.make(sent_, scratch_);
        else e = &file_[sent_];
        amqp::application_property props[1] = {{"MessageType", e->message_type}};
        amqp::outgoing_message m;
        m.durable = o_.durable;
        m.message_id = amqp::message_id::of_string(e->id);
        m.subject = e->type;
        m.content_type = "application/json";
        if (!e->message_type.empty()) m.application_properties = props;
        m.body = amqp::as_bytes(e->body);
        message_.clear();
        amqp::encode_message(message_, m);
        engine_->send(message_, sent_);
        ++sent_;
        // Credit can be large: keep what waits for the socket bounded, and go on once it is written.
        if (engine_->output().size() + conn_->queued_bytes() > max_queued) {
            write();
            draining_ = true;
            reactor::current().spawn(resume_after_drain());
            return;
        }
    }
    if (o_.settled && sent_ == total_ && end_ == clock_type::time_point{}) end_ = clock_type::now();
    write();
}

void producer::write() {
    engine_->flush();
    std::string& out = engine_->output();
    if (out.empty()) return;
    conn_->send(std::move(out));
    out.clear();
    engine_->wrote(clock_type::now());
}

void producer::progress(bool final_line) {
    if (!isatty(2)) return;
    const double elapsed = std::chrono::duration<double>(clock_type::now() - start_).count();
    std::fprintf(stderr, "\r\033[Ksent %llu/%llu  accepted %llu  rejected %llu  %.0f events/s%s",
                 (unsigned long long)sent_, (unsigned long long)total_, (unsigned long long)accepted_,
                 (unsigned long long)rejected_, elapsed > 0 ? double(sent_) / elapsed : 0.0, final_line ? "\n" : "");
}

task<void> producer::resume_after_drain() {
    co_await conn_->drain();
    draining_ = false;
    if (engine_) pump();
}

task<void> producer::ticker() {
    auto last_progress = clock_type::now();
    while (!stop_ticker_) {
        co_await io::sleep(o_.rate > 0 ? 5ms : 50ms).cancel_with(ticker_wake_);
        if (stop_ticker_) break;
        if (o_.rate > 0) pump();
        const auto now = clock_type::now();
        engine_->tick(now);
        write();
        if (now - last_progress >= 250ms) {
            progress(false);
            last_progress = now;
        }
        if (now - start_ > std::chrono::duration<double>(o_.timeout_s)) {
            error_ = fmt::format("timeout after {} s: {} of {} settled", o_.timeout_s, accepted_ + rejected_ + released_, sent_);
            conn_->stop_reading();
            break;
        }
        if (done()) conn_->stop_reading();
    }
}

task<int> producer::run() {
    start_ = clock_type::now();
    const int fd = ::socket(url_.where.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int32_t rc = fd < 0 ? -errno : co_await io::connect(fd, reinterpret_cast<const sockaddr*>(&url_.where.address),
                                                        url_.where.length);
    if (rc < 0) {
        error_ = fmt::format("connect to {}: {}", url_.where.to_string(), std::strerror(-rc));
        if (fd >= 0) ::close(fd);
        co_return 1;
    }
    amqp::engine_options eo;
    eo.role = amqp::engine_role::client;
    eo.direction = amqp::link_direction::send;
    eo.container_id = "tallyhub-send";
    eo.hostname = url_.vhost.empty() ? url_.host : "vhost:" + url_.vhost;
    eo.sasl_user = url_.user;
    eo.sasl_password = url_.password;
    eo.address = url_.address;
    eo.link_name = "tallyhub-send";
    eo.durable_target = o_.durable;
    eo.send_settled = o_.settled;
    net::connection_limits limits;
    limits.output_soft_limit = max_queued;
    limits.output_hard_limit = 4 * max_queued;  // never reached: pump() stops at max_queued
    net::connection conn(fd, limits);
    amqp::engine engine(eo, *this);
    engine_ = &engine;
    conn_ = &conn;
    engine.start(start_);
    write();
    reactor::current().spawn(ticker());
    while (!done()) {
        net::read_result r = co_await conn.read();
        if (r.status <= 0) break;
        engine.receive(r.bytes, clock_type::now());
        pump();
    }
    if (end_ == clock_type::time_point{}) end_ = clock_type::now();
    if (!done() && error_.empty()) error_ = "the connection ended early";
    if (!engine.finished()) {
        engine.close();
        write();
    }
    // Everything written before the socket goes, pre-settled messages above all: nothing else says
    // they arrived. (resume_after_drain() may be the drain waiter already: wait for it first.)
    for (int i = 0; i < 5000 && draining_; ++i) co_await io::sleep(std::chrono::milliseconds(1));
    co_await conn.drain();
    stop_ticker_ = true;
    ticker_wake_.cancel();
    progress(true);
    co_await conn.close(std::chrono::milliseconds(1000));
    engine_ = nullptr;
    const bool ok = error_.empty() && sent_ == total_ && (o_.settled || accepted_ == sent_);
    co_return ok ? 0 : 1;
}

void producer::print_summary() const {
    const double elapsed = std::max(1e-9, std::chrono::duration<double>(end_ - start_).count());
    const double rate = double(sent_) / elapsed;
    if (o_.json) {
        std::string rej;
        for (const auto& r : rejections_) {
            const std::string id = file_.empty() ? std::string() : file_[r.index].id;
            rej += fmt::format(R"({}{{"index":{},"id":"{}","condition":"{}","description":"{}"}})", rej.empty() ? "" : ",",
                               r.index, json_escape(id), json_escape(r.condition), json_escape(r.description));
        }
        std::string expected;
        if (file_.empty()) {
            const std::int64_t c = synth_.revenue_cents();
            expected = fmt::format(R"(,"expected":{{"orders":{},"revenue":"{}.{:02}","payments":{}}})", o_.orders, c / 100,
                                   c % 100, o_.payments);
        }
        std::printf("{\"sent\":%llu,\"accepted\":%llu,\"rejected\":%llu,\"released\":%llu,\"modified\":%llu,"
                    "\"elapsed_s\":%.3f,\"rate\":%.0f%s,\"rejections\":[%s],\"error\":%s}\n",
                    (unsigned long long)sent_, (unsigned long long)accepted_, (unsigned long long)rejected_,
                    (unsigned long long)released_, (unsigned long long)modified_, elapsed, rate, expected.c_str(),
                    rej.c_str(), error_.empty() ? "null" : ("\"" + json_escape(error_) + "\"").c_str());
        return;
    }
    std::printf("tallyhub-send: %llu sent, %llu accepted, %llu rejected, %llu released in %.3f s (%.0f events/s)\n",
                (unsigned long long)sent_, (unsigned long long)accepted_, (unsigned long long)rejected_,
                (unsigned long long)released_, elapsed, rate);
    for (std::size_t i = 0; i < rejections_.size() && i < 10; ++i) {
        const auto& r = rejections_[i];
        std::printf("  rejected #%llu%s%s: %s: %s\n", (unsigned long long)r.index, file_.empty() ? "" : " ",
                    file_.empty() ? "" : file_[r.index].id.c_str(), r.condition.c_str(), r.description.c_str());
    }
    if (rejected_ > 10) std::printf("  ... and %llu more rejected\n", (unsigned long long)(rejected_ - 10));
    if (file_.empty()) {
        const std::int64_t c = synth_.revenue_cents();
        std::printf("  synthetic: %llu orders worth %lld.%02lld, %llu payments\n", (unsigned long long)o_.orders,
                    (long long)(c / 100), (long long)(c % 100), (unsigned long long)o_.payments);
    }
    if (!error_.empty()) std::printf("tallyhub-send: error: %s\n", error_.c_str());
}

int run_send(const send_options& o) {
    broker_url url;
    try {
        url = parse_broker_url(o.url);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tallyhub-send: %s: %s\n", o.url.c_str(), e.what());
        return 2;
    }
    std::vector<event_line> events;
    if (!o.file.empty()) {
        try {
            events = read_events(o.file);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "tallyhub-send: %s\n", e.what());
            return 2;
        }
        if (events.empty()) {
            std::fprintf(stderr, "tallyhub-send: %s has no events\n", o.file.c_str());
            return 2;
        }
    }
    net::init_net_stats(1);
    reactor_options ro;
    ro.buffer_count = 64;
    auto r = reactor::create(0, ro);
    if (!r) {
        std::fprintf(stderr, "tallyhub-send: %.*s\n", int(r.err().reason.size()), r.err().reason.data());
        return 1;
    }
    reactor& loop = **r;
    producer p(o, url, std::move(events));
    int code = 1;
    auto main_task = [](reactor* l, producer* pr, int* out) -> task<void> {
        int c = co_await pr->run();
        *out = c;
        l->stop();
    };
    loop.spawn(main_task(&loop, &p, &code));
    loop.run();
    p.print_summary();
    return code;
}

}  // namespace
}  // namespace tallyhub::app

int main(int argc, char** argv) {
    tallyhub::app::send_options o;
    CLI::App cli{"tallyhub-send: send JSON events to an AMQP 1.0 address (tallyhub's listener or a broker)"};
    cli.add_option("url", o.url, "amqp://[user:pass@]host:port/ADDRESS")->required();
    auto* file = cli.add_option("--file", o.file, "JSON lines: {\"type\":..., \"id\":..., \"body\":{...}} (- for stdin)");
    cli.add_option("--orders", o.orders, "synthetic OrderCreated events")->excludes(file);
    cli.add_option("--payments", o.payments, "synthetic PaymentProcessed events (paying the first orders)")->excludes(file);
    cli.add_option("--rate", o.rate, "events per second (default: as fast as credit allows)")->check(CLI::NonNegativeNumber);
    cli.add_flag("--settled", o.settled, "send pre-settled (no outcomes are reported)");
    cli.add_flag("--durable", o.durable, "durable messages and a durable target (declares durable RabbitMQ queues)");
    cli.add_flag("--json", o.json, "print the summary as one JSON line");
    cli.add_option("--seed", o.seed, "synthetic ids: send-SEED-o-N");
    cli.add_option("--timeout", o.timeout_s, "seconds to wait for every outcome")->check(CLI::PositiveNumber);
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e) == 0 ? 0 : 2;
    }
    if (o.file.empty() && o.orders + o.payments == 0) {
        std::fprintf(stderr, "tallyhub-send: nothing to send: give --file or --orders/--payments\n");
        return 2;
    }
    return tallyhub::app::run_send(o);
}
