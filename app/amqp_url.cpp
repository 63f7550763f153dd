#include "app/amqp_url.hpp"

#include "net/http_query.hpp"

namespace tallyhub::app {

namespace {

std::string decoded(std::string_view raw, const char* what) {
    std::string out;
    if (auto r = http::percent_decode_into(raw, false, out); !r)
        throw config_error(std::string(what) + ": " + std::string(r.err().reason));
    return out;
}

}  // namespace

std::string broker_url::redacted() const {
    std::string s = "amqp://";
    if (has_user) s += user + (password.empty() ? "" : ":***") + "@";
    s += host + ":" + std::to_string(where.port()) + "/" + address;
    if (!vhost.empty()) s += "?vhost=" + vhost;
    return s;
}

broker_url parse_broker_url(std::string_view text) {
    constexpr std::string_view scheme = "amqp://";
    if (text.starts_with("amqps://"))
        throw config_error("amqps:// (TLS) is not supported; use amqp:// on a trusted network or a TLS-terminating proxy");
    if (!text.starts_with(scheme)) throw config_error("must start with amqp://");
    std::string_view rest = text.substr(scheme.size());
    broker_url u;

    std::string_view query;
    if (auto q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) throw config_error("no address: write amqp://host:port/ADDRESS");
    std::string_view authority = rest.substr(0, slash);
    u.address = decoded(rest.substr(slash + 1), "address");
    if (u.address.empty()) throw config_error("the address after host:port/ is empty");

    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        std::string_view info = authority.substr(0, at);
        authority = authority.substr(at + 1);
        auto colon = info.find(':');
        u.user = decoded(info.substr(0, colon), "user");
        if (colon != std::string_view::npos) u.password = decoded(info.substr(colon + 1), "password");
        if (u.user.empty()) throw config_error("empty user name before '@'");
        u.has_user = true;
    }
    if (authority.empty()) throw config_error("no host");
    // The default port when none is given.
    const bool bracketed = authority.front() == '[';
    const auto port_colon = authority.rfind(':');
    const bool has_port = port_colon != std::string_view::npos && (!bracketed || port_colon > authority.find(']'));
    std::string hostport(authority);
    if (!has_port) hostport += ":5672";
    u.where = parse_endpoint(hostport);
    if (u.where.port() == 0) throw config_error("port 0 is not a broker port");
    u.host = std::string(has_port ? authority.substr(0, port_colon) : authority);

    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        auto eq = pair.find('=');
        std::string_view key = pair.substr(0, eq);
        std::string value = eq == std::string_view::npos ? std::string() : decoded(pair.substr(eq + 1), "query");
        if (key == "vhost") u.vhost = value;
        else throw config_error("unknown parameter '" + std::string(key) + "' (known: vhost)");
    }
    return u;
}

}  // namespace tallyhub::app
