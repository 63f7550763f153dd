#pragma once
// Group membership on one core: each group keeps its members densely, and each connection keeps
// where it stands in each of its groups, so joining, leaving and a broadcast's "is this connection
// in that group" cost no hashing and a few bytes per membership.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tallyhub::signalr {

class hub_connection;

/// A group's members on one core, in no particular order (hub_endpoint::core_part::groups maps a
/// group's name to these; the map's nodes never move, so a connection can point at its groups).
using group_members = std::vector<hub_connection*>;
using group_entry = std::pair<const std::string, group_members>;

/// A connection's place in one group: the group and the connection's index among its members.
struct group_membership {
    group_entry* group;
    std::uint32_t index;
};

}  // namespace tallyhub::signalr
