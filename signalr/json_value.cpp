#include "signalr/json_value.hpp"

#include <utility>

namespace tallyhub::signalr::json_value {

namespace od = simdjson::ondemand;

bool validate(od::value& v, int depth) {
    if (depth > max_depth) return false;
    od::json_type t;
    if (v.type().get(t)) return false;
    switch (t) {
    case od::json_type::array: {
        od::array a;
        if (v.get_array().get(a)) return false;
        for (auto element : a) {
            od::value ev;
            if (element.get(ev) || !validate(ev, depth + 1)) return false;
        }
        return true;
    }
    case od::json_type::object: {
        od::object o;
        if (v.get_object().get(o)) return false;
        for (auto entry : o) {
            od::field f;
            std::string_view key;
            if (std::move(entry).get(f) || f.unescaped_key().get(key)) return false;
            if (!validate(f.value(), depth + 1)) return false;
        }
        return true;
    }
    case od::json_type::number: {
        double d;  // the full grammar check; integers of any length parse as doubles
        return !v.get_double().get(d);
    }
    case od::json_type::string: {
        std::string_view s;  // unescaping checks escapes and surrogate pairs
        return !v.get_string().get(s);
    }
    case od::json_type::boolean: {
        bool b;
        return !v.get_bool().get(b);
    }
    case od::json_type::null: {
        bool is_null = false;
        return !v.is_null().get(is_null) && is_null;
    }
    }
    return false;
}

bool take_raw(od::document& doc, od::value& v, std::string_view& raw, int depth) {
    const char* start = v.raw_json_token().data();
    if (!validate(v, depth)) return false;
    // After the walk the iterator rests on the token that follows the value (`,` `]` or `}`), so the
    // value's text is everything in between, less whitespace.
    const char* end = nullptr;
    if (doc.current_location().get(end)) return false;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r')) --end;
    raw = std::string_view(start, static_cast<std::size_t>(end - start));
    return true;
}

bool at_end(od::document& doc) {
    const char* where = nullptr;
    return doc.current_location().get(where) == simdjson::OUT_OF_BOUNDS;
}

}  // namespace tallyhub::signalr::json_value
