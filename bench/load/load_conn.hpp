#pragma once
// What tallyhub-load's two halves share: the connection record and the wire constants. Setup
// (load_setup.cpp: negotiate, upgrade, handshake) and the rest (load_client.cpp: receiving,
// counting, keep-alive, closing) both work on a load_conn.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "net/connection.hpp"

namespace tallyhub::load {

// Client frames are masked; any key will do.
inline constexpr std::array<std::uint8_t, 4> mask_key = {0x5a, 0x17, 0xc3, 0x9e};
// A hub message larger than this is a protocol error for the load tool (KPI updates are ~1 KiB).
inline constexpr std::size_t max_payload = 16u << 20;

// One connection. Setup reads into `in` (a response head may come in pieces); once established,
// bytes are parsed straight from the receive buffer and only an unfinished frame is kept in `in`.
struct load_conn {
    std::size_t index = 0;
    std::unique_ptr<net::connection> conn;
    std::string in;       // unparsed bytes
    std::string message;  // a fragmented message being assembled
    std::string records;  // an unfinished hub record carried into the next message
    bool established = false;
    bool closing = false;
};

}  // namespace tallyhub::load
