#include "net/http_router.hpp"

namespace tallyhub::http {

std::string allow_header_value(std::uint32_t mask) {
    // A resource that answers GET also answers HEAD (the router falls back), so Allow says so.
    if (mask & method_bit(method::get)) mask |= method_bit(method::head);
    std::string out;
    for (auto m : {method::get, method::head, method::post, method::put, method::delete_, method::options,
                   method::patch, method::connect, method::trace}) {
        if (!(mask & method_bit(m))) continue;
        if (!out.empty()) out.append(", ");
        out.append(method_name(m));
    }
    return out;
}

}  // namespace tallyhub::http
