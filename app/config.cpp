#include "app/config.hpp"

#include "app/amqp_url.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <span>
#include <stdexcept>

#ifndef TALLYHUB_VERSION
#define TALLYHUB_VERSION "unknown"
#endif

namespace tallyhub::app {
namespace {

// How the text of one option becomes a value and back (the back is the default shown by --help).
template <typename T>
struct codec {
    std::string type_name;
    std::function<T(std::string_view)> parse;  // throws config_error
    std::function<std::string(const T&)> format;
};

// One row of the option table: names, help, and how the text lands in a config member.
struct option_spec {
    std::string name;         // --NAME, TALLYHUB_NAME, config-file key NAME
    std::string type_name;
    std::string help;
    bool repeatable = false;  // a list: repeat the option, or separate values with commas
    bool in_file = true;      // may be set in the config file
    bool flag = false;        // may be given without a value (--test-hub means --test-hub true)
    std::function<void(config&, const std::vector<std::string>&)> assign;  // throws config_error
    std::function<std::string(const config&)> show;
};

template <typename T>
option_spec make_option(std::string name, T config::*member, codec<T> c, std::string help) {
    option_spec spec{std::move(name), c.type_name, std::move(help)};
    spec.assign = [member, parse = c.parse](config& cfg, const std::vector<std::string>& values) {
        cfg.*member = parse(values.back());  // a repeated single-value option: the last one wins
    };
    spec.show = [member, format = c.format](const config& cfg) { return format(cfg.*member); };
    return spec;
}

option_spec make_list_option(std::string name, std::vector<std::string> config::*member, codec<std::string> item,
                      std::string help) {
    option_spec spec{std::move(name), item.type_name, std::move(help) + " (repeat, or separate with commas)"};
    spec.repeatable = true;
    spec.assign = [member, parse = item.parse](config& cfg, const std::vector<std::string>& values) {
        std::vector<std::string> list;
        for (const auto& value : values) {
            std::string_view rest = value;
            while (!rest.empty()) {
                auto comma = rest.find(',');
                std::string_view part = rest.substr(0, comma);
                while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
                while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
                if (!part.empty()) list.push_back(parse(part));
                rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            }
        }
        cfg.*member = std::move(list);
    };
    spec.show = [member](const config& cfg) {
        std::string out;
        for (const auto& item : cfg.*member) out += (out.empty() ? "" : ",") + item;
        return out;
    };
    return spec;
}

codec<endpoint> endpoint_codec() {
    return {"HOST:PORT", parse_endpoint, [](const endpoint& e) { return e.to_string(); }};
}

codec<std::optional<endpoint>> optional_endpoint_codec() {
    return {"HOST:PORT|off",
            [](std::string_view text) -> std::optional<endpoint> {
                if (text.empty() || text == "off") return std::nullopt;
                return parse_endpoint(text);
            },
            [](const std::optional<endpoint>& e) { return e ? e->to_string() : std::string("off"); }};
}

// `allow_zero`: whether 0s is meaningful (a zero drain timeout means "do not wait").
codec<std::chrono::nanoseconds> duration_codec(bool allow_zero) {
    return {"DURATION",
            [allow_zero](std::string_view text) {
                auto d = parse_duration(text);
                if (d.count() == 0 && !allow_zero) {
                    throw config_error("invalid duration \"" + std::string(text) + "\" (must be more than 0)");
                }
                return d;
            },
            format_duration};
}

codec<std::size_t> size_codec(std::uint64_t min) {
    return {"SIZE",
            [min](std::string_view text) {
                std::uint64_t n = parse_byte_size(text);
                if (n < min) {
                    throw config_error("invalid size \"" + std::string(text) + "\" (at least " +
                                       format_byte_size(min) + ")");
                }
                return static_cast<std::size_t>(n);
            },
            [](const std::size_t& n) { return format_byte_size(n); }};
}

codec<std::size_t> count_codec(std::uint64_t min, std::uint64_t max) {
    return {"N", [min, max](std::string_view text) { return static_cast<std::size_t>(parse_count(text, min, max)); },
            [](const std::size_t& n) { return std::to_string(n); }};
}

// More reactor threads than CPUs would only make them take turns on the same cores.
codec<unsigned> cores_codec(unsigned online_cpus) {
    return {"N",
            [online_cpus](std::string_view text) {
                auto n = static_cast<unsigned>(parse_count(text, 1, 1024));
                if (n > online_cpus) {
                    throw config_error(std::to_string(n) + " is more than the " + std::to_string(online_cpus) +
                                       " online CPUs");
                }
                return n;
            },
            [](const unsigned& n) { return std::to_string(n); }};
}

template <typename Enum, std::size_t N>
codec<Enum> choice_codec(const choice<Enum> (&choices)[N]) {
    std::span<const choice<Enum>> all(choices);
    std::string type_name;
    for (const auto& c : all) type_name += (type_name.empty() ? "" : "|") + std::string(c.name);
    return {type_name, [all](std::string_view text) { return parse_choice(text, all); },
            [all](const Enum& value) { return std::string(choice_name(value, all)); }};
}

codec<std::string> text_codec(std::string type_name) {
    return {std::move(type_name),
            [](std::string_view text) {
                if (text.empty()) throw config_error("must not be empty");
                return std::string(text);
            },
            [](const std::string& s) { return s; }};
}

codec<bool> bool_codec() {
    return {"BOOL",
            [](std::string_view text) {
                if (text.empty() || text == "true" || text == "1" || text == "yes" || text == "on") return true;
                if (text == "false" || text == "0" || text == "no" || text == "off") return false;
                throw config_error("invalid value \"" + std::string(text) + "\" (expected true or false)");
            },
            [](const bool& b) { return std::string(b ? "true" : "false"); }};
}

option_spec make_flag(std::string name, bool config::*member, std::string help) {
    option_spec spec = make_option(std::move(name), member, bool_codec(), std::move(help));
    spec.flag = true;
    auto assign = spec.assign;
    spec.assign = [assign](config& cfg, const std::vector<std::string>& values) {
        assign(cfg, values.empty() ? std::vector<std::string>{""} : values);
    };
    return spec;
}

codec<std::string> origin_codec() {
    return {"ORIGIN", parse_origin, [](const std::string& s) { return s; }};
}

// One of a few words, kept as text.
codec<std::string> choice_text_codec(std::vector<std::string> words) {
    std::string type_name;
    for (const auto& w : words) type_name += (type_name.empty() ? "" : "|") + w;
    return {type_name,
            [words, type_name](std::string_view text) {
                for (const auto& w : words)
                    if (text == w) return std::string(text);
                throw config_error("invalid value \"" + std::string(text) + "\" (expected " + type_name + ")");
            },
            [](const std::string& s) { return s; }};
}

// Like text_codec, but never shown.
codec<std::string> secret_codec(std::string type_name) {
    codec<std::string> c = text_codec(std::move(type_name));
    c.format = [](const std::string& s) { return std::string(s.empty() ? "" : "***"); };
    return c;
}

// Validated at parse time; run_server parses it again into a broker_url.
codec<std::string> broker_url_codec() {
    return {"URL",
            [](std::string_view text) {
                (void)parse_broker_url(text);
                return std::string(text);
            },
            [](const std::string& s) { return parse_broker_url(s).redacted(); }};
}

// SignalR transports: a comma-separated subset of websockets, sse, longpolling (kept in that order).
codec<std::string> transports_codec() {
    return {"websockets,sse,longpolling",
            [](std::string_view text) {
                static constexpr std::string_view known[] = {"websockets", "sse", "longpolling"};
                bool on[3] = {false, false, false};
                while (!text.empty()) {
                    const auto comma = text.find(',');
                    std::string_view word = text.substr(0, comma);
                    while (!word.empty() && word.front() == ' ') word.remove_prefix(1);
                    while (!word.empty() && word.back() == ' ') word.remove_suffix(1);
                    std::size_t i = 0;
                    while (i < 3 && word != known[i]) ++i;
                    if (i == 3)
                        throw config_error("invalid transport \"" + std::string(word) +
                                           "\" (expected websockets, sse or longpolling)");
                    on[i] = true;
                    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
                }
                std::string out;
                for (std::size_t i = 0; i < 3; ++i)
                    if (on[i]) out += (out.empty() ? "" : ",") + std::string(known[i]);
                if (out.empty()) throw config_error("must name at least one transport");
                return out;
            },
            [](const std::string& s) { return s; }};
}

// The option table: the one place an option is declared. Order is the order of --help.
std::vector<option_spec> option_table(unsigned online_cpus) {
    std::vector<option_spec> t;
    t.push_back(make_option("http", &config::http, endpoint_codec(),
                     "HTTP listen endpoint (dashboard, SignalR, SSE); port 0 picks a free port"));
    t.push_back(make_option("admin", &config::admin, optional_endpoint_codec(),
                     "admin endpoint (/healthz, /readyz, /metrics); \"off\" disables it"));
    t.push_back(make_option("cores", &config::cores, cores_codec(online_cpus),
                     "reactor threads, one pinned per core (at most the online CPUs)"));
    t.push_back(make_option("io-backend", &config::io_backend, choice_codec(io_backend_choices),
                     "I/O backend; auto uses io_uring and falls back to epoll"));
    t.push_back(make_option("web-root", &config::web_root, text_codec("DIR"), "directory of the static dashboard"));
    t.push_back(make_option("drain-timeout", &config::drain_timeout, duration_codec(true),
                     "on SIGTERM/SIGINT, time allowed to drain before exit"));
    t.push_back(make_option("log-level", &config::log_level, choice_codec(log_severity_choices), "lowest level logged"));
    t.push_back(make_option("header-timeout", &config::header_timeout, duration_codec(false),
                     "time a client has to send a request head"));
    t.push_back(make_option("idle-timeout", &config::idle_timeout, duration_codec(false),
                     "keep-alive connection idle time before close"));
    t.push_back(make_option("max-header-bytes", &config::max_header_bytes, size_codec(512),
                     "largest request head (431 beyond)"));
    t.push_back(make_option("max-body-bytes", &config::max_body_bytes, size_codec(1), "largest request body (413 beyond)"));
    t.push_back(make_option("max-connections", &config::max_connections, count_codec(1, 10'000'000),
                     "open client connections, all cores together"));
    t.push_back(make_option("output-soft-limit", &config::output_soft_limit, size_codec(1),
                     "queued output per connection past which KPI updates conflate"));
    t.push_back(make_option("output-hard-limit", &config::output_hard_limit, size_codec(1),
                     "queued output per connection past which it is closed"));
    t.push_back(make_option("tcp-send-buffer", &config::tcp_send_buffer, size_codec(0),
                     "kernel send buffer (SO_SNDBUF) of each client socket; 0: the kernel's autotuning"));
    t.push_back(make_list_option("cors-origin", &config::cors_origins, origin_codec(),
                          "origins allowed for cross-origin requests, or *"));
    t.push_back(make_option("keep-alive-interval", &config::keep_alive_interval, duration_codec(false),
                     "SignalR: a Ping goes to a connection sent nothing for this long"));
    t.push_back(make_option("client-timeout", &config::client_timeout, duration_codec(false),
                     "SignalR: a connection that sent nothing for this long is closed"));
    t.push_back(make_option("handshake-timeout", &config::handshake_timeout, duration_codec(false),
                     "SignalR: time a new connection has to complete its handshake"));
    t.push_back(make_option("max-message-size", &config::max_message_size, size_codec(64),
                     "SignalR: largest hub message a client may send (Close beyond)"));
    t.push_back(make_option("tick", &config::tick, duration_codec(false),
                     "how often the per-core metric shards are merged into the KPI snapshot"));
    t.push_back(make_option("broadcast-interval", &config::broadcast_interval, duration_codec(false),
                     "at most one KPI broadcast per interval (10ms at least)"));
    t.push_back(make_option("window", &config::window, duration_codec(false),
                     "sliding-window length of ReceiveSlidingWindowUpdate (whole seconds, 1s to 24h)"));
    t.push_back(make_option("slow-client-grace", &config::slow_client_grace, duration_codec(true),
                     "a dashboard whose output stays over --output-hard-limit this long is closed"));
    t.push_back(make_option("stateful-reconnect-buffer", &config::stateful_reconnect_buffer, size_codec(0),
                     "SignalR stateful reconnect: unacknowledged bytes kept per connection for replay; 0: off"));
    t.push_back(make_option("reconnect-grace", &config::reconnect_grace, duration_codec(false),
                     "SignalR stateful reconnect: how long a connection whose WebSocket dropped waits for its client"));
    t.push_back(make_option("transports", &config::transports, transports_codec(),
                     "SignalR transports served and offered by negotiate (any of websockets, sse, longpolling)"));
    t.push_back(make_option("sse-heartbeat", &config::sse_heartbeat, duration_codec(false),
                     "comment line sent to idle /sse/metrics clients this often"));
    t.push_back(make_option("amqp-listen", &config::amqp_listen, optional_endpoint_codec(),
                     "AMQP 1.0 listener for producers; port 0 picks a free port; \"off\" disables it"));
    t.push_back(make_option("amqp-user", &config::amqp_user, text_codec("USER"),
                     "AMQP listener: SASL PLAIN user (PLAIN is offered only when set)"));
    t.push_back(make_option("amqp-password", &config::amqp_password, secret_codec("PASSWORD"),
                     "AMQP listener: SASL PLAIN password"));
    t.push_back(make_option("amqp-anonymous", &config::amqp_anonymous, bool_codec(),
                     "AMQP listener: offer SASL ANONYMOUS"));
    t.push_back(make_option("amqp-credit", &config::amqp_credit, count_codec(1, 1'000'000),
                     "AMQP: deliveries a link may have unsettled (settled after each tick's commit)"));
    t.push_back(make_option("amqp-max-message", &config::amqp_max_message, size_codec(1024),
                     "AMQP: largest message accepted (a larger one detaches its link)"));
    t.push_back(make_list_option("amqp-url", &config::amqp_urls, broker_url_codec(),
                          "broker queue or subscription to consume: amqp://user:pass@host:port/address"));
    t.push_back(make_option("postgres", &config::postgres, secret_codec("CONNINFO"),
                     "keep the totals, daily sales and dedup keys in PostgreSQL (postgresql://user@host:port/db) instead of --data-dir"));
    t.push_back(make_option("redis", &config::redis, text_codec("URL"),
                     "write the live state (realtime-metrics, the window) to redis://[:password@]host:port/db after each tick"));
    t.push_back(make_option("data-dir", &config::data_dir, text_codec("DIR|off"),
                     "journal of the totals, daily sales and dedup keys (\"off\": memory only, lost on restart)"));
    t.push_back(make_option("fsync", &config::fsync, choice_text_codec({"tick", "always", "off"}),
                     "journal durability: one fdatasync per tick, per record, or none"));
    t.push_back(make_flag("recover-skip-corrupt", &config::recover_skip_corrupt,
                   "start even if a journal record in the middle is corrupt (it and what follows are set aside)"));
    t.push_back(make_option("dedup-window", &config::dedup_window, duration_codec(true),
                     "a redelivered AMQP message (same message id) within this long is not counted again; 0s: off"));
    t.push_back(make_option("dedup-max-keys", &config::dedup_max_keys, count_codec(1, 100'000'000),
                     "message ids kept for deduplication, oldest dropped first"));
    t.push_back(make_option("demo-rate", &config::demo_rate, count_codec(0, 1'000'000),
                     "synthetic orders and payments per second, generated in-process (0: off)"));
    t.push_back(make_option("demo-seed", &config::demo_seed, count_codec(0, UINT32_MAX),
                     "seed of the synthetic events (same seed and cores: same events)"));
    t.push_back(make_flag("test-hub", &config::test_hub,
                   "serve the interoperability test hub at /hubs/test (for client test suites)"));
    option_spec file = make_option("config", &config::config_file, text_codec("FILE"),
                            "read options from this TOML/INI file (key = value, as the long names)");
    file.in_file = false;
    t.push_back(std::move(file));
    return t;
}

// Checks between options, after every source is applied.
void check_consistency(const config& cfg) {
    using namespace std::chrono;
    if (cfg.broadcast_interval < milliseconds(10))
        throw config_error("--broadcast-interval must be at least 10ms");
    if (cfg.tick < milliseconds(1) || cfg.tick > seconds(10))
        throw config_error("--tick must be between 1ms and 10s");
    if (cfg.window < seconds(1) || cfg.window > hours(24) || cfg.window % seconds(1) != nanoseconds::zero())
        throw config_error("--window must be whole seconds between 1s and 24h");
    if (cfg.output_soft_limit > cfg.output_hard_limit) {
        throw config_error("--output-soft-limit " + format_byte_size(cfg.output_soft_limit) +
                           " is above --output-hard-limit " + format_byte_size(cfg.output_hard_limit));
    }
    if (cfg.amqp_user.empty() != cfg.amqp_password.empty())
        throw config_error("--amqp-user and --amqp-password go together (SASL PLAIN)");
    if (cfg.amqp_listen && !cfg.amqp_anonymous && cfg.amqp_user.empty())
        throw config_error("--amqp-anonymous false needs --amqp-user/--amqp-password, or --amqp-listen off");
}

// A CLI11 message on one line.
std::string one_line(std::string text) {
    for (char& c : text) {
        if (c == '\n') c = ' ';
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

// Reads the config file into option name -> values. Unknown keys are errors, so a typo cannot pass silently.
// CLI11 parses the TOML/INI syntax; a [section] becomes a name prefix: [amqp] url -> amqp-url.
std::map<std::string, std::vector<std::string>> read_config_file(const std::string& path,
                                                                  const std::vector<option_spec>& table) {
    std::ifstream in(path);
    if (!in) throw config_error("cannot read \"" + path + "\": " + std::strerror(errno));
    std::map<std::string, std::vector<std::string>> values;
    for (const CLI::ConfigItem& item : CLI::ConfigTOML{}.from_config(in)) {
        if (item.name == "++" || item.name == "--") continue;  // CLI11's section open/close markers
        std::string key;
        for (const auto& part : item.parents) key += part + "-";
        key += item.name;
        for (char& c : key) {
            if (c == '_' || c == '.') c = '-';
        }
        auto spec = std::find_if(table.begin(), table.end(), [&](const option_spec& s) { return s.name == key; });
        if (spec == table.end() || !spec->in_file) {
            throw config_error(path + ": unknown option \"" + key + "\" (see --help)");
        }
        if (!spec->repeatable && item.inputs.size() != 1) {
            throw config_error(path + ": " + key + ": expected one value, got " + std::to_string(item.inputs.size()));
        }
        auto& slot = values[key];
        slot.insert(slot.end(), item.inputs.begin(), item.inputs.end());
    }
    return values;
}

constexpr const char* description =
    "tallyhub: live KPI dashboards over SignalR, fed by AMQP 1.0 events.\n"
    "Every option can also be set in the environment (TALLYHUB_<NAME>, e.g. TALLYHUB_IO_BACKEND) or in a\n"
    "--config file (io-backend = \"epoll\"). The command line wins over the environment, which wins over\n"
    "the file. Durations: 10s, 100ms, 1.5s, 5m, 2h. Sizes: 16384, 16KiB, 1MiB.";

}  // namespace

std::string env_name(std::string_view option) {
    std::string name = "TALLYHUB_";
    for (char c : option) {
        name += c == '-' ? '_' : (c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    }
    return name;
}

std::optional<std::string> process_env(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
}

unsigned online_cpu_count() {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<unsigned>(n) : 1;
}

config_outcome parse_config(int argc, const char* const* argv, const config_context& ctx) {
    const std::vector<option_spec> table = option_table(ctx.online_cpus);
    config defaults;
    defaults.cores = ctx.online_cpus;
    auto fail = [&](const std::string& where, const std::string& what) {
        *ctx.err << "tallyhub: " << (where.empty() ? "" : where + ": ") << what << '\n';
        return config_outcome{defaults, 2};
    };

    // CLI11 reads the command line and writes --help; it does not read the environment or the file
    // itself because its order is command line > file > environment, and ours puts the environment
    // above the file (and tests inject the environment).
    CLI::App app{description, "tallyhub"};
    app.set_version_flag("--version", "tallyhub " TALLYHUB_VERSION);
    app.get_formatter()->column_width(32);
    std::vector<CLI::Option*> flags;
    for (const auto& spec : table) {
        std::string help = spec.help + "\n";
        if (std::string shown = spec.show(defaults); !shown.empty()) help += "[default: " + shown + "] ";
        help += "[env: " + env_name(spec.name) + "]";
        // Not add_option(name, help): a string lvalue there is taken as the variable to fill.
        CLI::Option* opt = app.add_option("--" + spec.name)
                               ->description(help)
                               ->type_name(spec.type_name)
                               ->allow_extra_args(false)
                               ->multi_option_policy(spec.repeatable ? CLI::MultiOptionPolicy::TakeAll
                                                                     : CLI::MultiOptionPolicy::TakeLast);
        if (spec.flag) opt->expected(0, 1);
        flags.push_back(opt);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        *ctx.out << app.help();
        return {defaults, 0};
    } catch (const CLI::CallForVersion& e) {
        *ctx.out << e.what() << '\n';
        return {defaults, 0};
    } catch (const CLI::ExtrasError&) {
        std::vector<std::string> extras = app.remaining();
        std::string first = extras.empty() ? std::string() : extras.front();
        if (first.starts_with('-')) return fail("", "unknown option \"" + first + "\" (see --help)");
        return fail("", "unexpected argument \"" + first + "\" (see --help)");
    } catch (const CLI::ArgumentMismatch& e) {
        // Every option takes exactly one value per use, so a mismatch is a missing value.
        std::string what = e.what();
        std::string name = what.substr(0, what.find(':'));
        for (const auto& spec : table) {
            if ("--" + spec.name == name) return fail(name, "missing value (expected " + spec.type_name + ")");
        }
        return fail("", one_line(what) + " (see --help)");
    } catch (const CLI::ParseError& e) {
        return fail("", one_line(e.what()) + " (see --help)");
    }

    // Where option i's text comes from: the command line, else the environment, else the file.
    auto from_argv = [&](std::size_t i) { return flags[i]->count() > 0; };
    auto from_env = [&](std::size_t i) -> std::optional<std::string> {
        auto value = ctx.env(env_name(table[i].name));
        if (value && value->empty()) return std::nullopt;
        return value;
    };

    std::map<std::string, std::vector<std::string>> file_values;
    std::string file_path;
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (table[i].in_file) continue;
        std::string where;
        if (from_argv(i)) {
            file_path = flags[i]->results().back();
            where = "--" + table[i].name;
        } else if (auto v = from_env(i)) {
            file_path = *v;
            where = env_name(table[i].name);
        }
        if (file_path.empty()) continue;
        try {
            file_values = read_config_file(file_path, table);
        } catch (const config_error& e) {
            return fail(where, e.what());
        }
    }

    config cfg = defaults;
    for (std::size_t i = 0; i < table.size(); ++i) {
        const option_spec& spec = table[i];
        std::vector<std::string> values;
        std::string where;
        if (from_argv(i)) {
            values = flags[i]->results();
            where = "--" + spec.name;
        } else if (auto v = from_env(i)) {
            values = {*v};
            where = env_name(spec.name);
        } else if (auto it = file_values.find(spec.name); it != file_values.end()) {
            values = it->second;
            where = file_path + ": " + spec.name;
        } else {
            continue;
        }
        try {
            spec.assign(cfg, values);
        } catch (const config_error& e) {
            return fail(where, e.what());
        }
    }
    try {
        check_consistency(cfg);
    } catch (const config_error& e) {
        return fail("", e.what());
    }
    return {std::move(cfg), std::nullopt};
}

}  // namespace tallyhub::app
