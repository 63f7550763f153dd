// AMQP 1.0 decoding cost per delivery: one transfer frame as RabbitMQ sends it (all 11 transfer
// fields) carrying properties (message-id, subject), application-properties (MessageType) and one
// data section with a 200-byte JSON body, decoded down to what the ingest needs: handle,
// delivery-id, delivery-tag, settled, more, subject, the message-id dedup key and the body view.
// Side by side: the frame and transfer alone, the message alone, and a memcpy of the frame's bytes
// as the floor.

#include "net/amqp/encode.hpp"
#include "net/amqp/message.hpp"

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

namespace {

using namespace tallyhub::amqp;

std::string json_body() {
    std::string body =
        R"({"type":"OrderCreated","orderId":"ord-000123","customerId":"cus-42","amount":"129.90",)"
        R"("currency":"EUR","items":3,"channel":"web","region":"eu-west","ts":"2026-12-04T01:15:00Z"})";
    body.resize(200, ' ');
    return body;
}

// The transfer of RabbitMQ 3.10: every field present, the trailing ones false or null.
void rabbitmq_transfer(writer& w, std::uint32_t delivery_id, bytes_view tag) {
    w.descriptor(code::transfer);
    auto l = w.begin_list();
    w.uint(0);            // handle
    w.uint(delivery_id);  // delivery-id
    w.binary(tag);        // delivery-tag
    w.uint(0);            // message-format
    w.boolean(false);     // settled
    w.boolean(false);     // more
    w.null();             // rcv-settle-mode
    w.null();             // state
    w.boolean(false);     // resume
    w.boolean(false);     // aborted
    w.boolean(false);     // batchable
    w.end_list(l, false);
}

std::string delivery_frame() {
    static const std::string body = json_body();
    static const application_property props[] = {{"MessageType", "OrderCreated"}};
    const std::byte tag[8] = {std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0},
                              std::byte{0}, std::byte{0}, std::byte{0x30}, std::byte{0x39}};
    std::string out;
    std::size_t start = begin_frame(out, frame_type::amqp, 1);
    writer w(out);
    rabbitmq_transfer(w, 12345, tag);
    encode_message(w, outgoing_message{
                          .message_id = message_id::of_string("6034e8c3-55b1-4a2e-9a51-0d1f3c0e6123"),
                          .subject = "OrderCreated",
                          .application_properties = props,
                          .body = as_bytes(body),
                      });
    end_frame(out, start);
    return out;
}

struct decoded {
    std::uint32_t handle = 0, delivery_id = 0;
    bytes_view tag;
    bool settled = false, more = false;
    std::string_view subject;
    bytes_view body;
};

void bm_decode_transfer_and_message(benchmark::State& state) {
    const std::string wire = delivery_frame();
    const frame_decoder decoder;
    std::string key;
    key.reserve(64);
    for (auto _ : state) {
        result<frame_poll> poll = decoder.next(as_bytes(wire));
        result<performative_view> p = read_performative(poll->f);
        result<transfer> t = decode_transfer(*p);
        result<message_view> m = decode_message(t->payload);
        decoded d{t->handle, *t->delivery_id, *t->delivery_tag, t->settled, t->more, m->properties->subject,
                  *m->body_view()};
        key.clear();
        m->properties->message_id.append_key(key);
        benchmark::DoNotOptimize(d);
        benchmark::DoNotOptimize(key.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
    state.SetBytesProcessed(std::int64_t(state.iterations() * wire.size()));
}

void bm_decode_transfer_only(benchmark::State& state) {
    const std::string wire = delivery_frame();
    const frame_decoder decoder;
    for (auto _ : state) {
        result<frame_poll> poll = decoder.next(as_bytes(wire));
        result<performative_view> p = read_performative(poll->f);
        result<transfer> t = decode_transfer(*p);
        benchmark::DoNotOptimize(t->payload.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
}

void bm_decode_message_only(benchmark::State& state) {
    const std::string wire = delivery_frame();
    bytes_view payload = decode_transfer(*read_performative(frame_decoder().next(as_bytes(wire))->f))->payload;
    for (auto _ : state) {
        result<message_view> m = decode_message(payload);
        benchmark::DoNotOptimize(m->data.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
}

// Baseline: copying the frame's bytes once.
void bm_baseline_memcpy_frame(benchmark::State& state) {
    const std::string wire = delivery_frame();
    std::string copy = wire;
    for (auto _ : state) {
        std::memcpy(copy.data(), wire.data(), wire.size());
        benchmark::DoNotOptimize(copy.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
    state.SetBytesProcessed(std::int64_t(state.iterations() * wire.size()));
}

void bm_encode_flow(benchmark::State& state) {
    std::string out;
    out.reserve(64);
    flow f{.next_incoming_id = 7, .incoming_window = 2048, .next_outgoing_id = 0, .outgoing_window = 2048,
           .handle = 0, .delivery_count = 100, .link_credit = 1000};
    for (auto _ : state) {
        out.clear();
        encode_frame(out, 0, f);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()));
}

}  // namespace

BENCHMARK(bm_decode_transfer_and_message);
BENCHMARK(bm_decode_transfer_only);
BENCHMARK(bm_decode_message_only);
BENCHMARK(bm_baseline_memcpy_frame);
BENCHMARK(bm_encode_flow);
BENCHMARK_MAIN();
