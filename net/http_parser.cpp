#include "net/http_parser.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include "net/http_query.hpp"

namespace tallyhub::http {
namespace {

namespace bhttp = boost::beast::http;
using boost::beast::error_code;

constexpr error header_too_large{431, "request header too large"};
constexpr error too_many_fields{431, "too many header fields"};
constexpr error trailer_too_large{431, "chunk header or trailer too large"};
constexpr error body_too_large{413, "request body too large"};
constexpr error bad_target{400, "bad request target"};
constexpr error missing_host{400, "missing Host header"};
constexpr error duplicate_host{400, "duplicate Host header"};
constexpr error bad_transfer_encoding{400, "bad Transfer-Encoding"};
constexpr error unsupported_coding{501, "unsupported transfer coding"};

// Translates a Beast parse error into the status and reason the peer gets.
error from_beast(const error_code& ec) {
    switch (static_cast<bhttp::error>(ec.value())) {
    case bhttp::error::header_limit: return header_too_large;
    case bhttp::error::body_limit: return body_too_large;
    case bhttp::error::bad_method: return {400, "bad method"};
    case bhttp::error::bad_target: return bad_target;
    case bhttp::error::bad_version: return {400, "bad HTTP version"};
    case bhttp::error::bad_content_length:
    case bhttp::error::multiple_content_length: return {400, "bad Content-Length"};
    case bhttp::error::bad_transfer_encoding: return bad_transfer_encoding;
    case bhttp::error::bad_chunk:
    case bhttp::error::bad_chunk_extension: return {400, "malformed chunked body"};
    case bhttp::error::bad_field:
    case bhttp::error::bad_value:
    case bhttp::error::bad_line_ending:
    case bhttp::error::bad_obs_fold: return {400, "malformed header field"};
    default: return {400, "malformed request"};
    }
}

// Transfer-Encoding rules for requests (RFC 9112 §6.1, §6.3): the only coding we decode is chunked,
// and it must appear exactly once, last; HTTP/1.0 framing with Transfer-Encoding is not trusted.
std::optional<error> check_transfer_encoding(const request& req) {
    int chunked = 0;
    for (std::size_t i = 0; i < req.headers.size(); ++i) {
        auto f = req.headers[i];
        if (!iequals(f.name, "Transfer-Encoding")) continue;
        std::string_view list = f.value;
        bool empty = true;
        while (!list.empty()) {
            auto comma = list.find(',');
            auto token = list.substr(0, comma);
            list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
            while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
            while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
            if (token.empty()) continue;
            empty = false;
            if (!iequals(token, "chunked")) return unsupported_coding;
            ++chunked;
        }
        if (empty) return bad_transfer_encoding;
    }
    if (chunked != 1 || req.version < 11) return bad_transfer_encoding;
    return std::nullopt;
}

method from_verb(bhttp::verb v) noexcept {
    switch (v) {
    case bhttp::verb::get: return method::get;
    case bhttp::verb::head: return method::head;
    case bhttp::verb::post: return method::post;
    case bhttp::verb::put: return method::put;
    case bhttp::verb::delete_: return method::delete_;
    case bhttp::verb::options: return method::options;
    case bhttp::verb::patch: return method::patch;
    case bhttp::verb::connect: return method::connect;
    case bhttp::verb::trace: return method::trace;
    default: return method::other;
    }
}

// Beast drives these callbacks; they write straight into the request. A check that fails stores its
// own error in `failure` and stops Beast with an arbitrary error code.
class beast_request_sink final : public bhttp::basic_parser<true> {
public:
    beast_request_sink(request& req, const limits& lim, std::optional<error>& failure)
        : req_(req), lim_(lim), failure_(failure) {
        auto header_cap = std::min<std::size_t>(lim.max_header_bytes + 1, std::numeric_limits<std::uint32_t>::max());
        header_limit(static_cast<std::uint32_t>(header_cap));
        body_limit(lim.max_body_bytes);
    }

private:
    void fail(error e, error_code& ec) {
        failure_ = e;
        ec = bhttp::error::bad_value;
    }

    void on_request_impl(bhttp::verb verb, boost::beast::string_view method, boost::beast::string_view target,
                         int version, error_code& ec) override {
        req_.method_name.assign(method.data(), method.size());
        req_.method = from_verb(verb);
        req_.target.assign(target.data(), target.size());
        req_.version = version;
        std::string_view t = req_.target;
        if (t.find('#') != std::string_view::npos) return fail(bad_target, ec);
        auto raw = req_.raw_path();
        if (raw.empty() || (raw == "*" && req_.method != method::options)) {
            if (req_.method != method::connect) return fail(bad_target, ec);
            return;  // authority-form: no path; the router answers it
        }
        auto q = t.find('?');
        if (q != std::string_view::npos) req_.query.assign(t.substr(q + 1));
        if (auto r = percent_decode_into(raw, false, req_.path); !r) return fail(r.err(), ec);
    }

    void on_response_impl(int, boost::beast::string_view, int, error_code&) override {}

    void on_field_impl(bhttp::field known, boost::beast::string_view name, boost::beast::string_view value,
                       error_code& ec) override {
        header_list& list = header_done_ ? req_.trailers : req_.headers;
        if (list.size() >= lim_.max_header_fields) return fail(too_many_fields, ec);
        list.add({name.data(), name.size()}, {value.data(), value.size()});
        if (header_done_) return;
        hosts_ += known == bhttp::field::host ? 1 : 0;
        transfer_encoding_ |= known == bhttp::field::transfer_encoding;
    }

    void on_header_impl(error_code& ec) override {
        header_done_ = true;
        if (hosts_ > 1) return fail(duplicate_host, ec);
        if (hosts_ == 0 && req_.version >= 11) return fail(missing_host, ec);
        if (transfer_encoding_)
            if (auto e = check_transfer_encoding(req_)) return fail(*e, ec);
    }

    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
        if (length) req_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, lim_.max_body_bytes)));
    }

    std::size_t on_body_impl(boost::beast::string_view body, error_code&) override {
        req_.body.append(body.data(), body.size());
        return body.size();
    }

    void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, error_code&) override {}

    std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, error_code&) override {
        req_.body.append(body.data(), body.size());
        return body.size();
    }

    void on_finish_impl(error_code&) override {}

    request& req_;
    const limits& lim_;
    std::optional<error>& failure_;
    bool header_done_ = false;
    bool transfer_encoding_ = false;
    std::size_t hosts_ = 0;
};

enum class phase : std::uint8_t { header, body, done, failed };

}  // namespace

struct request_parser::state {
    explicit state(const http::limits& l) : lim(l) { start(); }

    void start() {
        req.clear();
        failure.reset();
        beast.emplace(req, lim, failure);
        scanned = 0;
        skipped = 0;
        at = phase::header;
    }

    parse_step fail(std::size_t used, error e) {
        err = e;
        at = phase::failed;
        return {used, parse_state::error, e};
    }

    parse_step fail(std::size_t used, const error_code& ec) {
        return fail(used, failure ? *failure : from_beast(ec));
    }

    http::limits lim;
    request req;
    std::optional<error> failure;
    std::optional<beast_request_sink> beast;
    std::size_t scanned = 0;  // header bytes already searched for the blank line
    std::size_t skipped = 0;  // empty lines skipped before the request line
    phase at = phase::header;
    error err{};
};

request_parser::request_parser(http::limits l) : s_(std::make_unique<state>(l)) {}
request_parser::~request_parser() = default;
request_parser::request_parser(request_parser&&) noexcept = default;
request_parser& request_parser::operator=(request_parser&&) noexcept = default;

bool request_parser::header_done() const noexcept { return s_->at == phase::body || s_->at == phase::done; }
request& request_parser::current() noexcept { return s_->req; }
const limits& request_parser::config() const noexcept { return s_->lim; }
void request_parser::release() noexcept { s_.reset(); }

request request_parser::take() {
    request out = std::move(s_->req);
    s_->req.clear();
    return out;
}

parse_step request_parser::parse(std::string_view in) {
    state& s = *s_;
    if (s.at == phase::failed) return {0, parse_state::error, s.err};
    if (s.at == phase::done) s.start();
    std::size_t used = 0;

    if (s.at == phase::header) {
        // RFC 9112 §2.2: ignore empty lines before the request line (counted against the header limit).
        if (s.scanned == 0) {
            while (in.size() - used >= 2 && in[used] == '\r' && in[used + 1] == '\n') used += 2;
            s.skipped += used;
            if (s.skipped >= s.lim.max_header_bytes) return s.fail(used, header_too_large);
            if (in.size() == used || in.substr(used) == "\r") return {used, parse_state::need_more};
        }
        auto rest = in.substr(used);
        std::size_t from = std::min(s.scanned >= 3 ? s.scanned - 3 : 0, rest.size());
        auto* hit = static_cast<const char*>(::memmem(rest.data() + from, rest.size() - from, "\r\n\r\n", 4));
        if (!hit) {
            s.scanned = rest.size();
            // Even if the next byte ends the header, the block would be rest.size() + 1 bytes.
            if (s.skipped + rest.size() + 1 > s.lim.max_header_bytes) return s.fail(used, header_too_large);
            return {used, parse_state::need_more};
        }
        std::size_t block = static_cast<std::size_t>(hit - rest.data()) + 4;
        if (s.skipped + block > s.lim.max_header_bytes) return s.fail(used, header_too_large);
        error_code ec;
        s.beast->eager(false);
        std::size_t n = s.beast->put(boost::asio::const_buffer(rest.data(), block), ec);
        if (ec) return s.fail(used, ec);
        if (n != block || !s.beast->is_header_done()) return s.fail(used, error{400, "malformed request"});
        used += block;
        s.at = s.beast->is_done() ? phase::done : phase::body;
    }

    if (s.at == phase::body) {
        auto rest = in.substr(used);
        error_code ec;
        s.beast->eager(true);
        std::size_t n = s.beast->put(boost::asio::const_buffer(rest.data(), rest.size()), ec);
        used += n;
        if (ec == bhttp::error::need_more) {
            // Body bytes are always consumed; what stays buffered is a chunk-size line or trailers.
            if (rest.size() - n > s.lim.max_header_bytes) return s.fail(used, trailer_too_large);
            return {used, parse_state::need_more};
        }
        if (ec) return s.fail(used, ec);
        if (!s.beast->is_done()) return {used, parse_state::need_more};
        s.at = phase::done;
    }
    return {used, parse_state::complete};
}

}  // namespace tallyhub::http
