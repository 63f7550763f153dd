// hub_endpoint's sends across cores: to everyone, a group, a connection, and the per-tick send_each.
//
// A send is encoded by the calling core: the JSON records hub code built, and, only when a MessagePack
// connection is open on some core, their MessagePack twins (transcoded once). Every core then frames
// each encoding once, the first time one of its target connections speaks that protocol, and queues
// the same shared frame on all of them. A core that finds a MessagePack connection but no MessagePack
// bytes (the connection arrived after the send was encoded) transcodes for itself.
#include <algorithm>
#include <bit>
#include <optional>

#include "core/log.hpp"
#include "core/smp.hpp"
#include "net/ws_frame.hpp"
#include "signalr/hub_connection.hpp"
#include "signalr/hub_endpoint.hpp"

namespace tallyhub::signalr {

/// One send to everyone or to a group, shared by every core.
struct hub_endpoint::broadcast {
    std::string group;      // empty: everyone
    std::string except_id;  // empty: nobody
    std::string json;       // complete JSON records
    std::string msgpack;    // the same records in MessagePack, when `transcoded` and they could be
    bool transcoded = false;
};

/// One send_each, shared by every core.
struct hub_endpoint::broadcast_each {
    std::vector<targeted_record> records;
    std::vector<std::string> msgpack;  // when `transcoded`: one per record, empty for one that could not be
    bool transcoded = false;
};

namespace {

// At most this many records per send_each (a bit each in a 64-bit mask).
constexpr std::size_t max_each = 64;

// Records in a run of complete JSON records (numbered one by one on stateful connections).
std::size_t record_count(std::string_view json) {
    return std::size_t(std::count(json.begin(), json.end(), '\x1e'));
}

shared_bytes frame_of(std::string_view records, transport_kind t, hub_protocol p) {
    return shared_bytes(frame_unit(t, p, records));
}

// A broadcast's units on one core: each protocol's bytes made once, and framed once per transport
// the first time a connection of that transport and protocol needs it.
class core_frames {
public:
    core_frames(hub_endpoint::core_part& p, std::string_view json, std::string_view msgpack, bool transcoded)
        : part_(p), json_(json), msgpack_(msgpack), transcoded_(transcoded) {}

    // Null when the records cannot be sent in `c`'s protocol.
    const shared_bytes* of(const hub_connection& c) {
        const hub_protocol protocol = c.protocol();
        auto& slot = frames_[std::size_t(c.transport())][protocol == hub_protocol::messagepack ? 1 : 0];
        if (slot) return &*slot;
        if (protocol == hub_protocol::json) {
            slot = frame_of(json_, c.transport(), protocol);
            return &*slot;
        }
        if (!msgpack_ready_) {
            msgpack_ready_ = true;
            if (!transcoded_ && part_.transcode(json_, local_msgpack_)) msgpack_ = local_msgpack_;
        }
        if (msgpack_.empty()) return nullptr;
        slot = frame_of(msgpack_, c.transport(), protocol);
        return &*slot;
    }

private:
    hub_endpoint::core_part& part_;
    std::string_view json_, msgpack_;
    bool transcoded_;
    bool msgpack_ready_ = false;
    std::string local_msgpack_;  // this core's own encoding, when the sender made none
    std::optional<shared_bytes> frames_[transport_kinds][2];
};

template <typename Fn>
void on_every_core(unsigned cores, Fn fn) {
    unsigned self = unsigned(reactor::current().core());
    for (unsigned i = 0; i < cores; ++i)
        if (i != self) smp::current().submit_to(i, fn);
    fn();
}

}  // namespace

bool hub_endpoint::core_part::transcode(std::string_view json_records, std::string& out) {
    auto r = msgpack_protocol::transcode_json_records(transcoder, json_records, out);
    if (r) return true;
    log_warn("a hub record could not be encoded for MessagePack connections: {}", r.err().reason);
    return false;
}

bool hub_endpoint::any_messagepack() const noexcept {
    return std::any_of(parts_.begin(), parts_.end(),
                       [](const auto& p) { return p->stats.messagepack_connections.load() > 0; });
}

std::shared_ptr<const hub_endpoint::broadcast> hub_endpoint::encode(std::string record, std::string_view group,
                                                                    std::string_view except_id) {
    auto b = std::make_shared<broadcast>();
    b->group = std::string(group);
    b->except_id = std::string(except_id);
    b->json = std::move(record);
    if (any_messagepack()) {
        b->transcoded = true;
        local().transcode(b->json, b->msgpack);
    }
    return b;
}

void hub_endpoint::deliver_all(const broadcast& b) {
    auto& p = local();
    if (p.connections.empty()) return;
    core_frames frames(p, b.json, b.msgpack, b.transcoded);
    const std::size_t records = record_count(b.json);
    for (hub_connection* c : p.connections.all()) {
        if (!c->handshaken() || c->closing() || c->id() == b.except_id) continue;
        if (const shared_bytes* f = frames.of(*c)) c->send_frame(*f, 0, records);
    }
}

void hub_endpoint::deliver_group(const broadcast& b) {
    auto& p = local();
    auto it = p.groups.find(b.group);
    if (it == p.groups.end()) return;
    core_frames frames(p, b.json, b.msgpack, b.transcoded);
    const std::size_t records = record_count(b.json);
    for (hub_connection* c : it->second) {
        if (c->closing() || c->id() == b.except_id) continue;
        if (const shared_bytes* f = frames.of(*c)) c->send_frame(*f, 0, records);
    }
}

// Connections are sorted by which records they get (a bit per record) and their protocol; each
// distinct pair is framed once, records in the given order, so a tick costs one frame per set and
// protocol, and one send per connection.
void hub_endpoint::deliver_each(const broadcast_each& b, std::uint8_t kind) {
    auto& p = local();
    if (p.connections.empty() || b.records.empty()) return;
    const std::size_t n = std::min(b.records.size(), max_each);
    const std::vector<std::string>* msgpack = b.transcoded ? &b.msgpack : nullptr;
    std::vector<std::string> local_msgpack;  // this core's own encoding, when the sender made none
    struct keyed_frame {
        std::uint64_t mask;
        hub_protocol protocol;
        transport_kind transport;
        shared_bytes frame;
    };
    std::vector<keyed_frame> frames;  // a handful of distinct sets
    // The records by group, once per broadcast: a connection then costs one set lookup per distinct
    // group (a tick's ten batch updates share one), not one per record.
    // A group nobody on this core is in has no entry, and its records go to nobody here.
    std::uint64_t ungrouped = 0;
    std::vector<std::pair<const group_entry*, std::uint64_t>> grouped;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string& g = b.records[i].group;
        if (g.empty()) {
            ungrouped |= std::uint64_t(1) << i;
            continue;
        }
        auto found = p.groups.find(g);
        if (found == p.groups.end()) continue;
        const group_entry* entry = &*found;
        auto it = std::find_if(grouped.begin(), grouped.end(), [&](const auto& e) { return e.first == entry; });
        if (it == grouped.end()) it = grouped.insert(grouped.end(), {entry, 0});
        it->second |= std::uint64_t(1) << i;
    }
    std::uint64_t unencodable = 0;  // records MessagePack could not carry
    bool unencodable_known = false;
    for (hub_connection* c : p.connections.all()) {
        if (!c->handshaken() || c->closing()) continue;
        const hub_protocol protocol = c->protocol();
        const transport_kind transport = c->transport();
        if (protocol == hub_protocol::messagepack && !msgpack) {
            local_msgpack.resize(n);
            for (std::size_t i = 0; i < n; ++i) p.transcode(b.records[i].record, local_msgpack[i]);
            msgpack = &local_msgpack;
        }
        if (protocol == hub_protocol::messagepack && !unencodable_known) {
            for (std::size_t i = 0; i < n; ++i)
                if ((*msgpack)[i].empty()) unencodable |= std::uint64_t(1) << i;
            unencodable_known = true;
        }
        std::uint64_t mask = ungrouped;
        for (const group_membership& m : c->groups()) {
            for (const auto& [g, records] : grouped)
                if (m.group == g) mask |= records;
        }
        if (protocol == hub_protocol::messagepack) mask &= ~unencodable;
        if (mask == 0) continue;
        auto it = std::find_if(frames.begin(), frames.end(),
                               [&](const keyed_frame& f) {
                                   return f.mask == mask && f.protocol == protocol && f.transport == transport;
                               });
        if (it == frames.end()) {
            std::string payload;
            for (std::size_t i = 0; i < n; ++i) {
                if (!(mask & (std::uint64_t(1) << i))) continue;
                payload += protocol == hub_protocol::messagepack ? (*msgpack)[i] : b.records[i].record;
            }
            frames.push_back({mask, protocol, transport, frame_of(payload, transport, protocol)});
            it = frames.end() - 1;
        }
        c->send_frame(it->frame, kind, std::size_t(std::popcount(mask)));
    }
}

void hub_endpoint::deliver_client(const std::string& id, const std::string& record) {
    auto& p = local();
    hub_connection* c = p.connections.find(id);
    if (!c || !c->handshaken() || c->closing()) return;
    c->send_record(record);  // one connection: transcoded here if it speaks MessagePack
}

void hub_endpoint::send_each(std::vector<targeted_record> records, std::uint8_t kind) {
    auto b = std::make_shared<broadcast_each>();
    b->records = std::move(records);
    if (any_messagepack()) {
        b->transcoded = true;
        const std::size_t n = std::min(b->records.size(), max_each);
        b->msgpack.resize(n);
        for (std::size_t i = 0; i < n; ++i) local().transcode(b->records[i].record, b->msgpack[i]);
    }
    std::shared_ptr<const broadcast_each> shared = std::move(b);
    on_every_core(cores_, [this, shared, kind] { deliver_each(*shared, kind); });
}

void hub_endpoint::send_all(std::string record, std::string_view except_id) {
    auto shared = encode(std::move(record), {}, except_id);
    on_every_core(cores_, [this, shared] { deliver_all(*shared); });
}

void hub_endpoint::send_group(std::string_view group, std::string record, std::string_view except_id) {
    auto shared = encode(std::move(record), group, except_id);
    on_every_core(cores_, [this, shared] { deliver_group(*shared); });
}

void hub_endpoint::send_client(std::string_view connection_id, std::string record) {
    // Connection ids are random and say nothing of their core: look on every core.
    auto& p = local();
    if (hub_connection* c = p.connections.find(connection_id)) {
        if (c->handshaken() && !c->closing()) c->send_record(record);
        return;
    }
    auto shared = std::make_shared<const std::pair<std::string, std::string>>(std::string(connection_id), std::move(record));
    unsigned self = unsigned(reactor::current().core());
    for (unsigned i = 0; i < cores_; ++i)
        if (i != self) smp::current().submit_to(i, [this, shared] { deliver_client(shared->first, shared->second); });
}

void hub_endpoint::add_to_group(std::string_view connection_id, std::string_view group) {
    auto shared = std::make_shared<const std::pair<std::string, std::string>>(std::string(connection_id), std::string(group));
    on_every_core(cores_, [this, shared] {
        auto& p = local();
        if (hub_connection* c = p.connections.find(shared->first)) join_local(*c, shared->second);
    });
}

void hub_endpoint::remove_from_group(std::string_view connection_id, std::string_view group) {
    auto shared = std::make_shared<const std::pair<std::string, std::string>>(std::string(connection_id), std::string(group));
    on_every_core(cores_, [this, shared] {
        auto& p = local();
        if (hub_connection* c = p.connections.find(shared->first)) leave_local(*c, shared->second);
    });
}

}  // namespace tallyhub::signalr
