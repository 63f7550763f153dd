#include "store/pg_conninfo.hpp"

#include <arpa/inet.h>
#include <libpq-fe.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

namespace tallyhub::store {

namespace {

constexpr error parse_error{EINVAL, "postgres connection string is not valid (libpq could not parse it)"};
constexpr error host_error{EINVAL,
                           "postgres host must be an IP address, a socket directory or localhost "
                           "(no DNS lookups on the reactor; or give hostaddr=)"};

bool numeric_host(const std::string& h) {
    unsigned char buf[16];
    return ::inet_pton(AF_INET, h.c_str(), buf) == 1 || ::inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

std::vector<std::string> split_list(std::string_view s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        std::size_t comma = s.find(',', start);
        out.emplace_back(s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

}  // namespace

const std::string* pg_conninfo::find(std::string_view keyword) const {
    for (const auto& [k, v] : params)
        if (k == keyword) return &v;
    return nullptr;
}

result<pg_conninfo> parse_pg_conninfo(std::string_view text, std::string* why) {
    std::string input(text);
    char* err = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> opts(PQconninfoParse(input.c_str(), &err),
                                                                      &PQconninfoFree);
    if (!opts) {
        if (why) *why = err ? err : "out of memory";
        if (why && !why->empty() && why->back() == '\n') why->pop_back();
        PQfreemem(err);
        return parse_error;
    }
    pg_conninfo info;
    for (PQconninfoOption* o = opts.get(); o->keyword; ++o)
        if (o->val) info.params.emplace_back(o->keyword, o->val);

    // No name lookups: every host must be numeric, a socket directory, or localhost (→ hostaddr).
    const std::string* hostaddr = info.find("hostaddr");
    const std::string* host = info.find("host");
    std::string hosts = host ? *host : "";
    if (!host) {
        const char* env = std::getenv("PGHOST");
        if (env) hosts = env;
    }
    if (!hostaddr && !std::getenv("PGHOSTADDR") && !hosts.empty()) {
        std::vector<std::string> list = split_list(hosts), addrs;
        bool need_addr = false;
        for (const auto& h : list) {
            if (h == "localhost") {
                addrs.push_back("127.0.0.1");
                need_addr = true;
            } else if (h.empty() || h[0] == '/' || h[0] == '@' || numeric_host(h)) {
                addrs.push_back(h[0] == '/' || h[0] == '@' || h.empty() ? "" : h);
            } else {
                if (why) *why = fmt::format("host \"{}\" is a name; tallyhub connects to IP addresses, socket "
                                            "directories or localhost only (no DNS lookups on the reactor)", h);
                return host_error;
            }
        }
        if (need_addr) {
            std::string joined;
            for (std::size_t i = 0; i < addrs.size(); ++i) joined += (i ? "," : "") + addrs[i];
            info.params.emplace_back("hostaddr", joined);
        }
    }

    auto value = [&](std::string_view k) -> std::string {
        const std::string* v = info.find(k);
        return v ? *v : std::string{};
    };
    std::string shown_host = hosts.empty() ? (hostaddr ? *hostaddr : std::string("(default socket)")) : hosts;
    std::string user = value("user");
    info.display = fmt::format("{}{}{}{}/{}", user.empty() ? "" : user + "@", shown_host,
                               value("port").empty() ? "" : ":", value("port"), value("dbname"));
    return info;
}

std::vector<std::pair<std::string, std::string>> session_params(const pg_conninfo& info,
                                                                 std::chrono::milliseconds statement_timeout,
                                                                 std::string_view application_name) {
    std::vector<std::pair<std::string, std::string>> out;
    std::string options = fmt::format(
        "-c DateStyle=ISO -c TimeZone=UTC -c bytea_output=hex -c client_min_messages=warning "
        "-c statement_timeout={}",
        statement_timeout.count());
    bool has_gss = false, has_encoding = false;
    for (const auto& [k, v] : info.params) {
        if (k == "options") {
            options = v + " " + options;  // ours last: they win over the same settings given there
            continue;
        }
        has_gss |= k == "gssencmode";
        has_encoding |= k == "client_encoding";
        out.emplace_back(k, v);
    }
    out.emplace_back("options", options);
    if (!application_name.empty()) out.emplace_back("fallback_application_name", std::string(application_name));
    if (!has_gss) out.emplace_back("gssencmode", "disable");
    if (!has_encoding) out.emplace_back("client_encoding", "UTF8");
    return out;
}

}  // namespace tallyhub::store
