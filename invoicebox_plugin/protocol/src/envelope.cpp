// Response envelope reading and writing.
#include "invoicebox/protocol/envelope.hpp"

#include "invoicebox/protocol/detail/json_fields.hpp"
#include "invoicebox/protocol/json_reader.hpp"

namespace invoicebox::protocol {

Result<Envelope> read_envelope(const HttpOutcome& outcome, const JsonReadLimits& limits) {
    if (!outcome)
        return unexpected(error_from_transport(outcome.error()));
    const HttpResponse& r = *outcome;
    if (r.status < 200 || r.status > 299)
        return unexpected(error_from_response(r));
    auto doc = parse_json(r.body, limits);
    if (!doc)
        return unexpected(malformed_response(r, "body is not JSON: " + doc.error().message));
    auto* o = doc->if_object();
    if (!o)
        return unexpected(malformed_response(r, "body is not a JSON object"));
    auto* data = o->find("data");
    if (!data) {
        if (const auto* err = o->find("error"); err && !err->is_null()) {
            // An error inside a 2xx: classify it by its documented code.
            auto e = error_from_response(r);
            const auto* d = find_documented_error(e.known_code());
            e.kind = !d                      ? ErrorKind::http_other
                     : d->http_status == 401 ? ErrorKind::unauthorized
                     : d->http_status == 403 ? ErrorKind::forbidden
                                             : ErrorKind::validation;
            return unexpected(std::move(e));
        }
        return unexpected(malformed_response(r, "no `data` in the response"));
    }
    // Moved, not copied, out of the document this function owns: a list page is 50 orders, and
    // copying its tree was a tenth of a poll pass (issue 14, perf of a 2,000-link pass).
    Envelope env;
    env.data = std::move(*data);
    if (auto* ext = o->find("extendedData"))
        env.extended_data = std::move(*ext);
    if (const auto* m = detail::present(*o, "metaData"); m && m->if_object()) {
        PageMeta meta;
        auto total = detail::opt_int(*m->if_object(), "totalCount", "metaData");
        auto size = detail::opt_int(*m->if_object(), "pageSize", "metaData");
        auto page = detail::opt_int(*m->if_object(), "page", "metaData");
        if (total && size && page) {
            meta.total_count = total->value_or(0);
            meta.page_size = size->value_or(0);
            meta.page = page->value_or(1);
            env.meta = meta;
        }
    }
    return env;
}

} // namespace invoicebox::protocol
