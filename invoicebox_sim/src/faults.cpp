// Fault selectors and the fault model (see faults.hpp).
#include "invoicebox/sim/faults.hpp"

#include <boost/json.hpp>

namespace invoicebox::sim {

namespace json = boost::json;

namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::string_view strip_flavour(std::string_view path) {
    if (path.size() >= 4 && path[0] == '/' && (path[1] == 'v' || path[1] == 'l') &&
        path[2] == '3' && path[3] == '/') {
        return path.substr(3);
    }
    return path;
}

struct ParseError {
    std::string message;
};

std::optional<std::int64_t> to_int(const json::value& v) {
    if (v.is_int64()) {
        return v.as_int64();
    }
    if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        return static_cast<std::int64_t>(v.as_uint64());
    }
    if (v.is_double() &&
        v.as_double() == static_cast<double>(static_cast<std::int64_t>(v.as_double()))) {
        return static_cast<std::int64_t>(v.as_double());
    }
    return std::nullopt;
}

std::optional<double> to_double(const json::value& v) {
    if (v.is_number()) {
        return v.to_number<double>();
    }
    return std::nullopt;
}

// Reads the selector keys of a fault object: `next`, or `rate` (+ `seed`), or `always`;
// none of them means every matching event.
FaultSelector parse_selector(const json::object& o, std::string_view name) {
    const auto* next = o.if_contains("next");
    const auto* rate = o.if_contains("rate");
    if (next && rate) {
        throw ParseError{std::string(name) + ": give either \"next\" or \"rate\""};
    }
    if (next) {
        const auto n = to_int(*next);
        if (!n || *n < 0) {
            throw ParseError{std::string(name) + ".next must be a non-negative integer"};
        }
        return FaultSelector::next(static_cast<std::uint64_t>(*n));
    }
    if (rate) {
        const auto r = to_double(*rate);
        if (!r || *r < 0 || *r > 1) {
            throw ParseError{std::string(name) + ".rate must be a number in [0, 1]"};
        }
        std::uint64_t seed = 1;
        if (const auto* s = o.if_contains("seed")) {
            const auto sv = to_int(*s);
            if (!sv) {
                throw ParseError{std::string(name) + ".seed must be an integer"};
            }
            seed = static_cast<std::uint64_t>(*sv);
        }
        return FaultSelector::share(*r, seed);
    }
    if (const auto* a = o.if_contains("always")) {
        if (!a->is_bool()) {
            throw ParseError{std::string(name) + ".always must be a boolean"};
        }
        return a->as_bool() ? FaultSelector::always() : FaultSelector{};
    }
    return FaultSelector::always();
}

// `afterShare`: the share of fired events whose request is applied before the fault; -1 absent.
double parse_share(const json::object& o, std::string_view name) {
    const auto* v = o.if_contains("afterShare");
    if (!v) {
        return -1;
    }
    const auto r = to_double(*v);
    if (!r || *r < 0 || *r > 1) {
        throw ParseError{std::string(name) + ".afterShare must be a number in [0, 1]"};
    }
    return *r;
}

RequestMatch parse_match(const json::object& o, std::string_view name) {
    RequestMatch m;
    if (const auto* v = o.if_contains("method")) {
        if (!v->is_string()) {
            throw ParseError{std::string(name) + ".method must be a string"};
        }
        m.method = std::string(v->as_string());
    }
    if (const auto* v = o.if_contains("path")) {
        if (!v->is_string()) {
            throw ParseError{std::string(name) + ".path must be a string"};
        }
        m.path_prefix = std::string(v->as_string());
    }
    return m;
}

bool parse_bool(const json::object& o, std::string_view key, std::string_view name, bool def) {
    const auto* v = o.if_contains(key);
    if (!v) {
        return def;
    }
    if (!v->is_bool()) {
        throw ParseError{std::string(name) + "." + std::string(key) + " must be a boolean"};
    }
    return v->as_bool();
}

const json::object* object_member(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v) {
        return nullptr;
    }
    if (!v->is_object()) {
        throw ParseError{std::string(key) + " must be an object"};
    }
    return &v->as_object();
}

void describe_match(const RequestMatch& m, json::object& out) {
    if (!m.method.empty()) {
        out["method"] = m.method;
    }
    if (!m.path_prefix.empty()) {
        out["path"] = m.path_prefix;
    }
}

} // namespace

FaultSelector FaultSelector::next(std::uint64_t n) {
    FaultSelector s;
    s.mode_ = n > 0 ? Mode::next : Mode::off;
    s.remaining_ = n;
    return s;
}

FaultSelector FaultSelector::share(double rate, std::uint64_t seed) {
    FaultSelector s;
    s.mode_ = rate > 0 ? Mode::share : Mode::off;
    s.rate_ = rate;
    s.seed_ = seed;
    s.state_ = seed;
    return s;
}

FaultSelector FaultSelector::always() {
    FaultSelector s;
    s.mode_ = Mode::always;
    return s;
}

bool FaultSelector::fire() {
    switch (mode_) {
    case Mode::off:
        return false;
    case Mode::always:
        return true;
    case Mode::next:
        if (remaining_ == 0) {
            return false;
        }
        --remaining_;
        return true;
    case Mode::share: {
        const double u = static_cast<double>(splitmix64(state_) >> 11) * 0x1.0p-53;
        return u < rate_;
    }
    }
    return false;
}

bool FaultSelector::active() const {
    return mode_ == Mode::always || mode_ == Mode::share || (mode_ == Mode::next && remaining_ > 0);
}

void FaultSelector::describe(json::object& out) const {
    switch (mode_) {
    case Mode::off:
        out["active"] = false;
        break;
    case Mode::always:
        out["always"] = true;
        break;
    case Mode::next:
        out["next"] = remaining_;
        break;
    case Mode::share:
        out["rate"] = rate_;
        out["seed"] = seed_;
        break;
    }
}

bool RequestMatch::matches(std::string_view m, std::string_view path) const {
    if (!method.empty() && method != m) {
        return false;
    }
    if (path_prefix.empty()) {
        return true;
    }
    return path.starts_with(path_prefix) || strip_flavour(path).starts_with(path_prefix);
}

std::optional<std::string> FaultModel::configure(const json::value& config) {
    if (!config.is_object()) {
        return "the fault configuration must be a JSON object";
    }
    const auto& o = config.as_object();
    static constexpr std::string_view known[] = {
        "latency",        "error",      "drop",        "duplicateNotifications",
        "wrongSignature", "outOfOrder", "refundCancel"};
    for (const auto& kv : o) {
        bool ok = false;
        for (auto k : known) {
            ok = ok || kv.key() == k;
        }
        if (!ok) {
            return "unknown fault \"" + std::string(kv.key()) + "\"";
        }
    }
    FaultModel next;
    try {
        if (const auto* f = object_member(o, "latency")) {
            next.latency_.select = parse_selector(*f, "latency");
            next.latency_.match = parse_match(*f, "latency");
            const auto* ms = f->if_contains("ms");
            const auto v = ms ? to_int(*ms) : std::nullopt;
            if (!v || *v < 0) {
                throw ParseError{"latency.ms must be a non-negative integer"};
            }
            next.latency_.delay = Millis{*v};
        }
        if (const auto* f = object_member(o, "error")) {
            next.error_.select = parse_selector(*f, "error");
            next.error_.match = parse_match(*f, "error");
            next.error_.after = parse_bool(*f, "after", "error", false);
            next.error_.after_share = parse_share(*f, "error");
            if (const auto* st = f->if_contains("status")) {
                auto one = [](const json::value& x) {
                    const auto v = to_int(x);
                    if (!v || *v < 500 || *v > 599) {
                        throw ParseError{"error.status must be a 5xx status code or an array of them"};
                    }
                    return static_cast<int>(*v);
                };
                if (st->is_array()) {
                    if (st->as_array().empty()) {
                        throw ParseError{"error.status must be a 5xx status code or an array of them"};
                    }
                    for (const auto& x : st->as_array()) {
                        next.error_.statuses.push_back(one(x));
                    }
                    next.error_.status = next.error_.statuses.front();
                } else {
                    next.error_.status = one(*st);
                }
            }
        }
        if (const auto* f = object_member(o, "drop")) {
            next.drop_.select = parse_selector(*f, "drop");
            next.drop_.match = parse_match(*f, "drop");
            next.drop_.after = parse_bool(*f, "after", "drop", false);
            next.drop_.after_share = parse_share(*f, "drop");
        }
        if (const auto* f = object_member(o, "duplicateNotifications")) {
            next.duplicate_ = parse_selector(*f, "duplicateNotifications");
        }
        if (const auto* f = object_member(o, "wrongSignature")) {
            next.wrong_signature_ = parse_selector(*f, "wrongSignature");
        }
        if (const auto* f = object_member(o, "refundCancel")) {
            next.refund_cancel_ = parse_selector(*f, "refundCancel");
        }
        if (const auto* f = object_member(o, "outOfOrder")) {
            if (f->contains("rate")) {
                // Probabilistic: a share of first attempts delayed by up to holdMs.
                if (f->contains("window")) {
                    throw ParseError{"outOfOrder: give either \"window\" or \"rate\""};
                }
                next.reorder_.select = parse_selector(*f, "outOfOrder");
                if (const auto* h = f->if_contains("holdMs")) {
                    const auto v = to_int(*h);
                    if (!v || *v < 1 || *v > 600'000) {
                        throw ParseError{"outOfOrder.holdMs must be an integer in [1, 600000]"};
                    }
                    next.reorder_.hold = Millis{*v};
                }
            } else {
                const auto* w = f->if_contains("window");
                const auto v = w ? to_int(*w) : std::nullopt;
                if (!v || *v < 0 || *v > 1000) {
                    throw ParseError{"outOfOrder.window must be an integer in [0, 1000]"};
                }
                next.reorder_window_ = static_cast<std::size_t>(*v);
            }
        }
        // The in-fault choices replay with the seeds too.
        std::uint64_t mix = 0x5eed;
        for (const auto* f : {object_member(o, "error"), object_member(o, "drop"), object_member(o, "outOfOrder")}) {
            if (f) {
                if (const auto* sd = f->if_contains("seed")) {
                    mix = mix * 31 + static_cast<std::uint64_t>(to_int(*sd).value_or(0));
                }
            }
        }
        next.draw_state_ = mix;
        next.stats_ = stats_;
    } catch (const ParseError& e) {
        return e.message;
    }
    *this = std::move(next);
    return std::nullopt;
}

json::object FaultModel::describe() const {
    json::object out;
    if (latency_.select.active()) {
        json::object f;
        f["ms"] = latency_.delay.count();
        latency_.select.describe(f);
        describe_match(latency_.match, f);
        out["latency"] = std::move(f);
    }
    if (error_.select.active()) {
        json::object f;
        if (error_.statuses.empty()) {
            f["status"] = error_.status;
        } else {
            json::array a;
            for (int st : error_.statuses) {
                a.push_back(st);
            }
            f["status"] = std::move(a);
        }
        f["after"] = error_.after;
        if (error_.after_share >= 0) {
            f["afterShare"] = error_.after_share;
        }
        error_.select.describe(f);
        describe_match(error_.match, f);
        out["error"] = std::move(f);
    }
    if (drop_.select.active()) {
        json::object f;
        f["after"] = drop_.after;
        if (drop_.after_share >= 0) {
            f["afterShare"] = drop_.after_share;
        }
        drop_.select.describe(f);
        describe_match(drop_.match, f);
        out["drop"] = std::move(f);
    }
    if (duplicate_.active()) {
        json::object f;
        duplicate_.describe(f);
        out["duplicateNotifications"] = std::move(f);
    }
    if (wrong_signature_.active()) {
        json::object f;
        wrong_signature_.describe(f);
        out["wrongSignature"] = std::move(f);
    }
    if (refund_cancel_.active()) {
        json::object f;
        refund_cancel_.describe(f);
        out["refundCancel"] = std::move(f);
    }
    if (reorder_window_ > 0) {
        out["outOfOrder"] = json::object{{"window", reorder_window_}};
    }
    if (reorder_.select.active()) {
        json::object f;
        reorder_.select.describe(f);
        f["holdMs"] = reorder_.hold.count();
        out["outOfOrder"] = std::move(f);
    }
    return out;
}

json::object FaultStats::describe() const {
    return json::object{{"requests", requests},
                        {"latency", latency},
                        {"errorBefore", error_before},
                        {"errorAfter", error_after},
                        {"dropBefore", drop_before},
                        {"dropAfter", drop_after},
                        {"notifications", notifications},
                        {"duplicated", duplicated},
                        {"wrongSignature", wrong_signature},
                        {"reordered", reordered},
                        {"refundsCanceled", refunds_canceled}};
}

RequestFaultPlan FaultModel::plan_request(std::string_view method, std::string_view path) {
    const auto plan = plan_request_uncounted(method, path);
    ++stats_.requests;
    stats_.latency += plan.latency.count() > 0;
    using A = RequestFaultPlan::Action;
    stats_.error_before += plan.action == A::error_before;
    stats_.error_after += plan.action == A::error_after;
    stats_.drop_before += plan.action == A::drop_before;
    stats_.drop_after += plan.action == A::drop_after;
    return plan;
}

RequestFaultPlan FaultModel::plan_request_uncounted(std::string_view method, std::string_view path) {
    RequestFaultPlan plan;
    if (latency_.match.matches(method, path) && latency_.select.fire()) {
        plan.latency = latency_.delay;
    }
    // A dropped connection wins over an error answer: only one of them can happen.
    if (drop_.match.matches(method, path) && drop_.select.fire()) {
        const bool after = drop_.after_share >= 0 ? draw_unit() < drop_.after_share : drop_.after;
        plan.action = after ? RequestFaultPlan::Action::drop_after
                            : RequestFaultPlan::Action::drop_before;
        return plan;
    }
    if (error_.match.matches(method, path) && error_.select.fire()) {
        const bool after = error_.after_share >= 0 ? draw_unit() < error_.after_share : error_.after;
        plan.action = after ? RequestFaultPlan::Action::error_after
                            : RequestFaultPlan::Action::error_before;
        plan.status = error_.statuses.empty() ? error_.status
                                              : error_.statuses[draw() % error_.statuses.size()];
    }
    return plan;
}

std::uint64_t FaultModel::draw() { return splitmix64(draw_state_); }

double FaultModel::draw_unit() { return static_cast<double>(draw() >> 11) * 0x1.0p-53; }

std::optional<Millis> FaultModel::reorder_delay() {
    if (!reorder_.select.fire()) {
        return std::nullopt;
    }
    ++stats_.reordered;
    const auto span = static_cast<std::uint64_t>(reorder_.hold.count());
    return Millis{static_cast<std::int64_t>(1 + draw() % span)};
}

} // namespace invoicebox::sim
