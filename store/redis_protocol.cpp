#include "store/redis_protocol.hpp"

#include <hiredis/hiredis.h>

#include <cerrno>
#include <new>

namespace tallyhub::store {

namespace {

redis_reply convert(const redisReply& r) {
    redis_reply out;
    switch (r.type) {
    case REDIS_REPLY_STRING: out.type = redis_reply::kind::string; break;
    case REDIS_REPLY_ARRAY: out.type = redis_reply::kind::array; break;
    case REDIS_REPLY_INTEGER: out.type = redis_reply::kind::integer; break;
    case REDIS_REPLY_STATUS: out.type = redis_reply::kind::status; break;
    case REDIS_REPLY_ERROR: out.type = redis_reply::kind::error; break;
    default: out.type = redis_reply::kind::nil; break;
    }
    if (r.type == REDIS_REPLY_INTEGER) out.integer = r.integer;
    if (r.str) out.str.assign(r.str, r.len);
    if (r.type == REDIS_REPLY_ARRAY) {
        out.elements.reserve(r.elements);
        for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(convert(*r.element[i]));
    }
    return out;
}

}  // namespace

const char* to_string(redis_reply::kind k) noexcept {
    switch (k) {
    case redis_reply::kind::string: return "string";
    case redis_reply::kind::array: return "array";
    case redis_reply::kind::integer: return "integer";
    case redis_reply::kind::nil: return "nil";
    case redis_reply::kind::status: return "status";
    case redis_reply::kind::error: return "error";
    }
    return "?";
}

void append_command(std::string& out, const redis_command& cmd) {
    if (cmd.empty()) return;
    // Small commands keep their argv on the stack; hiredis formats into one malloc'ed buffer.
    constexpr std::size_t inline_args = 16;
    const char* argv_small[inline_args];
    std::size_t len_small[inline_args];
    std::vector<const char*> argv_big;
    std::vector<std::size_t> len_big;
    const char** argv = argv_small;
    std::size_t* lens = len_small;
    if (cmd.size() > inline_args) {
        argv_big.resize(cmd.size());
        len_big.resize(cmd.size());
        argv = argv_big.data();
        lens = len_big.data();
    }
    for (std::size_t i = 0; i < cmd.size(); ++i) {
        argv[i] = cmd[i].data();
        lens[i] = cmd[i].size();
    }
    char* formatted = nullptr;
    int n = redisFormatCommandArgv(&formatted, int(cmd.size()), argv, lens);
    if (n < 0 || !formatted) throw std::bad_alloc();
    out.append(formatted, std::size_t(n));
    redisFreeCommand(formatted);
}

struct redis_reply_reader::impl {
    redisReader* reader = nullptr;
    bool failed = false;
};

redis_reply_reader::redis_reply_reader() : impl_(std::make_unique<impl>()) {
    impl_->reader = redisReaderCreate();
    if (!impl_->reader) throw std::bad_alloc();
}

redis_reply_reader::~redis_reply_reader() {
    if (impl_->reader) redisReaderFree(impl_->reader);
}

void redis_reply_reader::feed(std::string_view bytes) {
    if (bytes.empty() || impl_->failed) return;
    if (redisReaderFeed(impl_->reader, bytes.data(), bytes.size()) != REDIS_OK) impl_->failed = true;
}

result<std::optional<redis_reply>> redis_reply_reader::next() {
    if (impl_->failed) return error{EPROTO, "redis protocol error"};
    void* raw = nullptr;
    if (redisReaderGetReply(impl_->reader, &raw) != REDIS_OK) {
        impl_->failed = true;
        return error{EPROTO, "redis protocol error"};
    }
    if (!raw) return std::optional<redis_reply>{};
    auto* reply = static_cast<redisReply*>(raw);
    redis_reply out = convert(*reply);
    freeReplyObject(reply);
    return std::optional<redis_reply>{std::move(out)};
}

std::string_view redis_reply_reader::protocol_error() const noexcept {
    return impl_->reader->err ? std::string_view(impl_->reader->errstr) : std::string_view{};
}

void redis_reply_reader::reset() {
    redisReaderFree(impl_->reader);
    impl_->reader = redisReaderCreate();
    if (!impl_->reader) throw std::bad_alloc();
    impl_->failed = false;
}

}  // namespace tallyhub::store
