// Links in pms.store/1 (link_repository.hpp).
#include <invoicebox/plugin/link_repository.hpp>

#include <boost/json.hpp>

#include <random>

namespace invoicebox::plugin {

namespace bj = boost::json;

namespace {

constexpr std::string_view k_meta = "v1/meta";
const std::string k_link = "v1/link/";
const std::string k_folio = "v1/folio/";
const std::string k_open = "v1/open/";
const std::string k_oid = "v1/oid/";
const std::string k_suspense = "v1/suspense/";
const std::string k_paid_cursor = "v1/cursor/paid/";

std::string random_prefix() {
    // Base-32 without look-alikes; 6 characters = 30 bits: two installations sharing one shop
    // will not collide on merchantOrderId.
    static constexpr char alphabet[] = "ABCDEFGHJKMNPQRSTVWXYZ23456789";
    std::random_device rd;
    std::string p;
    for (int i = 0; i < 6; ++i)
        p += alphabet[rd() % (sizeof alphabet - 1)];
    return p;
}

std::string sanitize_folio(std::string_view folio) {
    std::string out;
    for (char c : folio) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
            out += c;
        else
            out += '_';
    }
    if (out.size() > 60)
        out.resize(60);
    return out;
}

} // namespace

std::string LinkRepository::prefix() {
    if (!prefix_cache_.empty())
        return prefix_cache_;
    if (auto meta = host_.store_get(k_meta)) {
        bj::error_code ec;
        auto v = bj::parse(*meta, ec);
        if (!ec && v.is_object())
            if (const auto* p = v.as_object().if_contains("prefix"); p && p->is_string())
                prefix_cache_ = std::string(p->as_string());
    }
    return prefix_cache_;
}

std::string LinkRepository::next_merchant_order_id(std::string_view folio_id) {
    std::string pfx = prefix();
    std::int64_t seq = 0;
    if (auto meta = host_.store_get(k_meta)) {
        bj::error_code ec;
        auto v = bj::parse(*meta, ec);
        if (!ec && v.is_object())
            if (const auto* s = v.as_object().if_contains("next_seq"); s && s->is_int64())
                seq = s->as_int64();
    }
    if (pfx.empty())
        pfx = random_prefix();
    ++seq;
    bj::object m;
    m["v"] = 1;
    m["prefix"] = pfx;
    m["next_seq"] = seq;
    host_.store_write({StoreOp{StoreOp::Kind::put, std::string(k_meta), bj::serialize(m)}});
    prefix_cache_ = pfx;
    return pfx + "-" + sanitize_folio(folio_id) + "-" + std::to_string(seq);
}

bool LinkRepository::is_ours(std::string_view moid) {
    const auto p = prefix();
    return !p.empty() && moid.size() > p.size() && moid.starts_with(p) && moid[p.size()] == '-';
}

std::optional<LinkRecord> LinkRepository::find(std::string_view moid) {
    if (moid.empty())
        return std::nullopt;
    auto v = host_.store_get(k_link + std::string(moid));
    if (!v)
        return std::nullopt;
    return parse_link_record(*v);
}

std::optional<LinkRecord> LinkRepository::find_by_order_id(std::string_view order_id) {
    if (order_id.empty())
        return std::nullopt;
    auto moid = host_.store_get(k_oid + std::string(order_id));
    if (!moid)
        return std::nullopt;
    return find(*moid);
}

std::vector<LinkRecord> LinkRepository::for_folio(std::string_view folio_id) {
    std::vector<std::string> ids;
    const std::string pfx = k_folio + std::string(folio_id) + "/";
    host_.store_scan(pfx, [&](std::string_view key, std::string_view) {
        ids.emplace_back(key.substr(pfx.size()));
        return true;
    });
    std::vector<LinkRecord> out;
    for (const auto& id : ids)
        if (auto r = find(id))
            out.push_back(std::move(*r));
    std::sort(out.begin(), out.end(), [](const LinkRecord& a, const LinkRecord& b) {
        return a.created_at_ms != b.created_at_ms ? a.created_at_ms > b.created_at_ms
                                                  : a.merchant_order_id > b.merchant_order_id;
    });
    return out;
}

std::vector<LinkRecord> LinkRepository::needing_attention() {
    std::vector<std::string> ids;
    host_.store_scan(k_open, [&](std::string_view key, std::string_view) {
        ids.emplace_back(key.substr(k_open.size()));
        return true;
    });
    std::vector<LinkRecord> out;
    for (const auto& id : ids)
        if (auto r = find(id))
            out.push_back(std::move(*r));
    return out;
}

std::vector<StoreOp> LinkRepository::ops_for(const LinkRecord& r) {
    std::vector<StoreOp> ops;
    ops.push_back({StoreOp::Kind::put, k_link + r.merchant_order_id, serialize(r)});
    ops.push_back({StoreOp::Kind::put, k_folio + r.folio_id + "/" + r.merchant_order_id, ""});
    if (r.needs_attention())
        ops.push_back({StoreOp::Kind::put, k_open + r.merchant_order_id, ""});
    else
        ops.push_back({StoreOp::Kind::erase, k_open + r.merchant_order_id, ""});
    if (!r.order_id.empty())
        ops.push_back({StoreOp::Kind::put, k_oid + r.order_id, r.merchant_order_id});
    return ops;
}

void LinkRepository::save(const LinkRecord& r) { host_.store_write(ops_for(r)); }

void LinkRepository::save(const LinkRecord& r, const SuspenseRecord& s) {
    auto ops = ops_for(r);
    ops.push_back({StoreOp::Kind::put, k_suspense + s.order_id, serialize(s)});
    host_.store_write(ops);
}

std::optional<SuspenseRecord> LinkRepository::find_suspense(std::string_view order_id) {
    auto v = host_.store_get(k_suspense + std::string(order_id));
    if (!v)
        return std::nullopt;
    return parse_suspense_record(*v);
}

void LinkRepository::save_suspense(const SuspenseRecord& s) {
    host_.store_write({StoreOp{StoreOp::Kind::put, k_suspense + s.order_id, serialize(s)}});
}

std::vector<SuspenseRecord> LinkRepository::suspense_list(bool include_resolved) {
    std::vector<SuspenseRecord> out;
    host_.store_scan(k_suspense, [&](std::string_view, std::string_view value) {
        if (auto s = parse_suspense_record(value); s && (include_resolved || !s->resolved))
            out.push_back(std::move(*s));
        return true;
    });
    return out;
}

std::optional<std::int64_t> LinkRepository::paid_cursor(std::string_view merchant_id) {
    auto v = host_.store_get(k_paid_cursor + std::string(merchant_id));
    if (!v)
        return std::nullopt;
    bj::error_code ec;
    auto doc = bj::parse(*v, ec);
    if (ec || !doc.is_object())
        return std::nullopt;
    const auto* ms = doc.as_object().if_contains("paid_at_ms");
    if (!ms || !ms->is_int64())
        return std::nullopt;
    return ms->as_int64();
}

void LinkRepository::save_paid_cursor(std::string_view merchant_id, std::int64_t paid_at_ms) {
    bj::object o;
    o["v"] = 1;
    o["paid_at_ms"] = paid_at_ms;
    host_.store_write({StoreOp{StoreOp::Kind::put, k_paid_cursor + std::string(merchant_id), bj::serialize(o)}});
}

} // namespace invoicebox::plugin
