#pragma once
// --amqp-url values: amqp://[user[:password]@]host[:port]/address[?vhost=NAME]
//
// The address is everything after the "/" that ends host:port, percent-decoded, so RabbitMQ's
// "/amq/queue/orders" is written amqp://host:5672//amq/queue/orders (or %2Famq%2Fqueue%2Forders)
// and an Azure Service Bus subscription as .../events/subscriptions/billing. Hosts are IP
// addresses or "localhost" (no DNS lookups on the reactor). amqps:// (TLS) is refused with a
// message saying so. Without user info the connection uses SASL ANONYMOUS.

#include <cstdint>
#include <string>
#include <string_view>

#include "app/config_values.hpp"

namespace tallyhub::app {

struct broker_url {
    endpoint where;        ///< the broker's socket address
    std::string host;      ///< the host as written (open.hostname unless vhost is given)
    std::string user;      ///< empty: SASL ANONYMOUS
    std::string password;
    bool has_user = false;
    std::string address;   ///< the source address to attach to
    std::string vhost;     ///< ?vhost=NAME: open.hostname = "vhost:NAME" (RabbitMQ)

    /// The URL with the password replaced by "***", for logs.
    std::string redacted() const;
};

/// Parses one --amqp-url value; throws config_error with what is wrong.
broker_url parse_broker_url(std::string_view text);

}  // namespace tallyhub::app
