// Settings schema, parsing and validation (settings.hpp).
#include <invoicebox/plugin/settings.hpp>

#include <invoicebox/protocol/json_writer.hpp>

#include <boost/json.hpp>

#include <cctype>

namespace invoicebox::plugin {

namespace bj = boost::json;

const std::vector<LifetimePreset>& lifetime_presets() {
    static const std::vector<LifetimePreset> presets{
        {"1h", "1 час", std::chrono::hours(1)},
        {"24h", "24 часа", std::chrono::hours(24)},
        {"72h", "3 дня", std::chrono::hours(72)},
        {"168h", "7 дней", std::chrono::hours(168)},
        {"720h", "30 дней", std::chrono::hours(720)},
    };
    return presets;
}

std::optional<std::chrono::hours> lifetime_of(std::string_view id) {
    for (const auto& p : lifetime_presets())
        if (p.id == id)
            return p.duration;
    return std::nullopt;
}

std::string default_message_template() {
    return "Здравствуйте, {guest_name}!\n\n"
           "Для оплаты {amount} по бронированию №{booking} (счёт {folio}) в отеле {hotel} "
           "перейдите по ссылке:\n{link}\n\n"
           "Ссылка действительна до {expiry}.\n\nС уважением, {hotel}";
}

std::string default_item_name_template() { return "{description}, {date}, {hotel}"; }

const ShopConfig* Settings::shop_for(std::string_view legal_entity_id) const {
    if (legal_entity_id.empty())
        return nullptr;
    if (shop.legal_entity_id == legal_entity_id && shop.complete())
        return &shop;
    for (const auto& o : overrides)
        if (o.legal_entity_id == legal_entity_id && o.complete())
            return &o;
    return nullptr;
}

std::string no_shop_message(std::string_view legal_entity_name) {
    return "Для юрлица «" + std::string(legal_entity_name) +
           "» не настроен магазин InvoiceBox. Администратор может добавить его магазин в настройках интеграции "
           "(«Отдельные магазины для юридических лиц»)";
}

const ShopConfig* Settings::shop_by_route(std::string_view route) const {
    if (route.empty())
        return &shop;
    for (const auto& o : overrides)
        if (o.legal_entity_id == route)
            return &o;
    return nullptr;
}

std::string notification_url_for(const Settings& s, const ShopConfig& shop) {
    if (s.notification_url.empty())
        return {};
    std::string url = s.notification_url;
    while (!url.empty() && url.back() == '/')
        url.pop_back();
    if (!shop.main)
        url += "/le/" + shop.legal_entity_id;
    return url;
}

std::optional<std::string> route_of_path(std::string_view path) {
    while (!path.empty() && path.back() == '/')
        path.remove_suffix(1);
    const auto pos = path.rfind("le/");
    if (pos != std::string_view::npos && (pos == 0 || path[pos - 1] == '/')) {
        const auto id = path.substr(pos + 3);
        if (!id.empty() && id.find('/') == std::string_view::npos)
            return std::string(id);
    }
    return std::string();
}

std::vector<PropertyEntity> parse_property_entities(std::string_view property_json) {
    std::vector<PropertyEntity> out;
    bj::error_code ec;
    const bj::value v = bj::parse(property_json, ec);
    if (ec || !v.is_object())
        return out;
    const auto* list = v.as_object().if_contains("legal_entities");
    if (list == nullptr || !list->is_array())
        return out;
    for (const auto& item : list->as_array()) {
        if (!item.is_object())
            continue;
        const auto& o = item.as_object();
        PropertyEntity e;
        if (const auto* id = o.if_contains("id"); id && id->is_string())
            e.id = std::string(id->as_string());
        if (const auto* n = o.if_contains("name"); n && n->is_string())
            e.name = std::string(n->as_string());
        if (const auto* t = o.if_contains("tax_id"); t && t->is_string())
            e.tax_id = std::string(t->as_string());
        // An entity without an id could never be matched with a folio: nothing to bind it to.
        if (!e.id.empty())
            out.push_back(std::move(e));
    }
    return out;
}

std::string parse_property_name(std::string_view property_json) {
    bj::error_code ec;
    const bj::value v = bj::parse(property_json, ec);
    if (ec || !v.is_object())
        return {};
    const auto* n = v.as_object().if_contains("name");
    return n && n->is_string() ? std::string(n->as_string()) : std::string();
}

std::vector<PropertyEntity> entities_without_shop(const Settings& s, const std::vector<PropertyEntity>& entities) {
    std::vector<PropertyEntity> out;
    for (const auto& e : entities) {
        bool has_shop = s.shop.legal_entity_id == e.id;
        for (const auto& o : s.overrides)
            has_shop = has_shop || o.legal_entity_id == e.id;
        if (!has_shop)
            out.push_back(e);
    }
    return out;
}

namespace {

/// The largest «Лимит запросов к InvoiceBox за 30 с» accepted: far above any agreed limit, and
/// small enough that a typo is refused rather than taken as "no limit".
constexpr std::int64_t max_requests_per_30s = 100000;

/// A «Лимит запросов к InvoiceBox за 30 с» value: an integer from 0 to max_requests_per_30s.
std::optional<std::size_t> request_budget_of(const bj::value& v) {
    if (!v.is_int64() || v.as_int64() < 0 || v.as_int64() > max_requests_per_30s)
        return std::nullopt;
    return static_cast<std::size_t>(v.as_int64());
}

const char* const vat_codes[] = {"none", "vat0", "vat5", "vat7", "vat10", "vat20", "vat22"};
const char* const vat_labels[] = {"Без НДС", "НДС 0 %", "НДС 5 %", "НДС 7 %", "НДС 10 %", "НДС 20 %", "НДС 22 %"};
const char* const payment_types[] = {"full_prepayment", "prepayment", "advance", "full_payment"};
const char* const payment_type_labels[] = {"Предоплата 100 %", "Частичная предоплата", "Аванс", "Полный расчёт"};

std::string str_member(const bj::object& o, std::string_view key, std::string fallback = {}) {
    if (const auto* v = o.if_contains(key); v && v->is_string())
        return std::string(v->as_string());
    return fallback;
}

} // namespace

std::shared_ptr<const protocol::SigningKey> ShopConfig::signing_key() const {
    if (api_key.empty())
        return nullptr;
    if (!kept_signing_key || !kept_signing_key->is(api_key, protocol::SignatureAlgorithm::hmac_sha1))
        kept_signing_key = std::make_shared<const protocol::SigningKey>(api_key);
    return kept_signing_key;
}

namespace {

ShopConfig read_shop(const bj::object& o, const ShopConfig& inherit) {
    ShopConfig s;
    s.legal_entity_id = str_member(o, "legal_entity_id");
    s.merchant_id = str_member(o, "merchant_id");
    s.api_token = str_member(o, "api_token");
    s.api_key = str_member(o, "api_key");
    const auto flavour = str_member(o, "api_flavour");
    s.flavour = flavour.empty() ? inherit.flavour
                                : protocol::flavour_from_string(flavour).value_or(protocol::ApiFlavour::v3);
    s.base_url = str_member(o, "api_base_url", inherit.base_url);
    if (s.base_url.empty())
        s.base_url = inherit.base_url;
    return s;
}

bool is_uuid(std::string_view s) {
    if (s.size() != 36)
        return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

bool is_http_url(std::string_view s) {
    return (s.starts_with("https://") && s.size() > 8) || (s.starts_with("http://") && s.size() > 7);
}

/// "https://host:port" of an http(s) URL, lower-cased, without a trailing path ("" when not one).
std::string origin_of(std::string_view url) {
    const std::size_t scheme = url.starts_with("https://") ? 8 : url.starts_with("http://") ? 7 : 0;
    if (scheme == 0)
        return {};
    const auto end = url.find_first_of("/?#", scheme);
    std::string out(url.substr(0, end));
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

/// Why a «Сайт отеля» value cannot go to InvoiceBox as successUrl/failUrl, or nullopt. The
/// guest's browser opens it, so only an absolute http(s) address with a host, nothing a page
/// could read as markup or a second address, and within the API's 1000 characters.
std::optional<std::string> hotel_site_problem(std::string_view url) {
    const std::size_t scheme = url.starts_with("https://") ? 8 : url.starts_with("http://") ? 7 : 0;
    if (scheme == 0)
        return "Адрес сайта должен начинаться с https:// (или http://), например https://hotel.example.ru";
    if (url.size() > 1000)
        return "Адрес сайта длиннее 1000 символов";
    for (const char c : url)
        if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '<' || c == '>' || c == '\\' || c == '`' || c == 0x7f)
            return "В адресе сайта не должно быть пробелов, кавычек и угловых скобок";
    const auto rest = url.substr(scheme);
    const auto host = rest.substr(0, rest.find_first_of("/?#"));
    if (host.empty() || host.find('@') != std::string_view::npos || host.front() == ':' || host.front() == '.')
        return "Укажите адрес сайта полностью, например https://hotel.example.ru";
    return std::nullopt;
}

void write_enum(protocol::JsonWriter& w, const char* const* values, const char* const* labels, std::size_t n) {
    w.key("enum").begin_array();
    for (std::size_t i = 0; i < n; ++i)
        w.string(values[i]);
    w.end_array();
    w.key("x-enum-labels").begin_array();
    for (std::size_t i = 0; i < n; ++i)
        w.string(labels[i]);
    w.end_array();
}

// The secrets belong with the address they were saved for (x-secret-bound-to, API 1.1): the host
// never fills a stored token in for a candidate that moved the API address or prefix, so a
// «Проверить подключение» or a save cannot send it anywhere the admin did not type it for.
// Names resolve in the item first, then at the root: an override's secrets follow the root's
// api_base_url (which they use) and their own flavour and legal entity (so a token never
// slides onto another company when overrides are reordered).
void write_bound_to(protocol::JsonWriter& w, bool override_item) {
    w.key("x-secret-bound-to").begin_array().string("api_base_url").string("api_flavour");
    if (override_item)
        w.string("legal_entity_id");
    w.end_array();
}

// `missing` names the legal entities without a shop (main shop only); `bound` is the legal entity
// the plugin serves with the main shop, shown as the field's default so that a shop bound by the
// migration (saved settings without one) reads as it works until the admin saves.
void write_shop_properties(protocol::JsonWriter& w, bool override_item, const std::string& missing,
                           const std::string& bound) {
    w.key("legal_entity_id").begin_object().member("type", "string").member("title", "Юридическое лицо")
        .member("x-widget", "legal-entity");
    if (!override_item) {
        w.member("description", "Компания, которой принадлежит магазин: ссылки создаются только по её счетам, "
                                "она — продавец в чеке" + (missing.empty() ? std::string() : ". " + missing));
        if (!bound.empty())
            w.member("default", bound);
    }
    w.end_object();
    w.key("merchant_id").begin_object().member("type", "string").member("title", "Идентификатор магазина")
        .member("format", "uuid")
        .member("description", "Из кабинета InvoiceBox: Мои магазины → Интеграция (API); в API — merchantId, вида "
                               "1a2b3c4d-…")
        .end_object();
    w.key("api_token").begin_object().member("type", "string").member("title", "API токен").member_bool("x-secret", true)
        .member("description", "Токен для запросов к API (Authorization: Bearer)");
    write_bound_to(w, override_item);
    w.end_object();
    w.key("api_key").begin_object().member("type", "string").member("title", "API ключ").member_bool("x-secret", true)
        .member("description", "Ключ для проверки подписи уведомлений (X-Signature)");
    write_bound_to(w, override_item);
    w.end_object();
    w.key("api_flavour").begin_object().member("type", "string").member("title", "Версия API");
    const char* const fl[] = {"v3", "l3"};
    const char* const fll[] = {"v3 (приложение Инвойсбокс)", "l3 (Инвойсбокс.Бизнес)"};
    write_enum(w, fl, fll, 2);
    if (!override_item)
        w.member("default", "v3");
    w.end_object();
    if (!override_item) {
        w.key("api_base_url").begin_object().member("type", "string").member("title", "Адрес API")
            .member("format", "uri").member("default", "https://api.invoicebox.ru")
            .member("description", "Обычно https://api.invoicebox.ru. Другой адрес нужно подтвердить в поле «Подтверждаю "
                                   "адрес API»; после смены адреса введите API токен и API ключ заново")
            .end_object();
        w.key("api_host_confirmed").begin_object().member("type", "string").member("title", "Подтверждаю адрес API")
            .member("description", "Только если адрес API ведёт не на api.invoicebox.ru: впишите имя сервера из адреса "
                                   "API (например, 127.0.0.1). Этому серверу уйдут API токен и данные платежей, а его "
                                   "ответы об оплате будут проводиться в счета")
            .member_int("maxLength", 260).end_object();
    }
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

// 127.0.0.0/8 written as four decimal octets, "localhost" or "[::1]": this machine, where plain
// http cannot be read or changed on the way (the simulator, the tests).
bool is_loopback_host(std::string_view host) {
    if (host == "localhost" || host == "[::1]")
        return true;
    int octets = 0;
    int first = -1;
    std::size_t i = 0;
    while (i <= host.size()) {
        const auto dot = host.find('.', i);
        const auto part = host.substr(i, dot == std::string_view::npos ? std::string_view::npos : dot - i);
        if (part.empty() || part.size() > 3 || part.find_first_not_of("0123456789") != std::string_view::npos)
            return false;
        const int value = std::stoi(std::string(part));
        if (value > 255)
            return false;
        if (first < 0)
            first = value;
        ++octets;
        if (dot == std::string_view::npos)
            break;
        i = dot + 1;
    }
    return octets == 4 && first == 127;
}

struct FieldProblem {
    std::string pointer;
    std::string message;
};

// The API address rules (the root's api_base_url): https only, plain http only on loopback, and
// any server but InvoiceBox's own confirmed by typing its name, because whatever answers there
// gets the token and is believed about payments.
std::optional<FieldProblem> api_address_check(const bj::object& o) {
    std::string base = str_member(o, "api_base_url");
    if (trim(base).empty())
        base = std::string(default_api_base_url);
    const auto parsed = protocol::parse_base_url(base);
    if (!parsed)
        return FieldProblem{"/api_base_url", "Укажите адрес API полностью, например https://api.invoicebox.ru"};
    const std::string host = lower(parsed->host);
    if (parsed->scheme != "https" && !(parsed->scheme == "http" && is_loopback_host(host)))
        return FieldProblem{"/api_base_url",
                            "Адрес API должен начинаться с https:// (например, https://api.invoicebox.ru). "
                            "http:// допускается только для адресов этого компьютера: 127.0.0.1, localhost, [::1]"};
    if (host == invoicebox_api_host)
        return std::nullopt;
    std::string typed = lower(trim(str_member(o, "api_host_confirmed")));
    if (typed == host || (host.size() > 2 && host.front() == '[' && typed == host.substr(1, host.size() - 2)))
        return std::nullopt;
    return FieldProblem{"/api_host_confirmed",
                        "Адрес API ведёт не на InvoiceBox (" + std::string(invoicebox_api_host) + "), а на «" + host +
                            "». Этому серверу будут уходить API токен и данные платежей, а его ответы об оплате PMS "
                            "проведёт в счета как полученные деньги. Если вы уверены в этом адресе, впишите в это поле: " +
                            host};
}

} // namespace

std::string settings_schema_json(const std::vector<PropertyEntity>& entities, const Settings* effective) {
    // The host shows field help texts (not the root description), so the legal entities without
    // a shop are named in the help of the main shop's legal entity and of the per-entity shops.
    std::string missing;
    if (effective != nullptr)
        for (const auto& e : entities_without_shop(*effective, entities))
            missing += (missing.empty() ? "" : " ") + std::string("Для юрлица «") + (e.name.empty() ? e.id : e.name) +
                       "» не настроен магазин InvoiceBox.";
    protocol::JsonWriter w(protocol::JsonWriteOptions{.escape_slash = false});
    w.begin_object();
    w.member("$schema", "https://json-schema.org/draft/2020-12/schema");
    w.member("$id", std::string(plugin_id) + "/settings/1");
    w.member("type", "object");
    w.member("title", "InvoiceBox: платежные ссылки");
    // legal_entity_id is not listed: the page's own required check would stop a save before
    // validate() names the missing legal entity together with the plugin's other findings.
    w.key("required").begin_array().string("merchant_id").string("api_token").string("api_key").end_array();
    w.key("x-order").begin_array();
    for (const char* k : {"legal_entity_id", "merchant_id", "api_token", "api_key", "api_flavour", "api_base_url", "api_host_confirmed",
                          "notification_url",
                          "hotel_name", "hotel_site_url", "vat_code", "receipt_payment_type", "item_name_template", "default_lifetime",
                          "mail_subject", "message_template", "poll_interval_seconds", "rate_limit_requests", "legal_entities"})
        w.string(k);
    w.end_array();
    w.key("properties").begin_object();
    write_shop_properties(w, false, missing, effective != nullptr ? effective->shop.legal_entity_id : std::string());
    w.key("notification_url").begin_object().member("type", "string").member("title", "Адрес для уведомлений InvoiceBox")
        .member("format", "uri")
        // A 1.3 host fills it in with this property's hook address; an older one leaves it to the
        // admin (validate() requires it either way, so the plugin still needs host minor 2 only).
        .member("x-prefill", "notification_url")
        .member("description", "Публичный адрес, по которому InvoiceBox присылает уведомления об оплате, например "
                               "https://pms.example.ru/hooks/ru.invoicebox.pms.payment-link/hotel-1/notify")
        .end_object();
    w.key("hotel_name").begin_object().member("type", "string").member("title", "Название отеля (для писем и чеков)")
        .member("description", "Если не заполнено, в письмах гостю — название отеля из PMS")
        .member_int("maxLength", 200).end_object();
    w.key("hotel_site_url").begin_object().member("type", "string").member("title", "Сайт отеля")
        .member("format", "uri").member_int("maxLength", 1000)
        .member("description", "Необязательно. После оплаты (или если оплата не прошла) страница InvoiceBox предложит "
                               "гостю вернуться на этот адрес, например https://hotel.example.ru. Без него гость остаётся "
                               "на странице InvoiceBox. Не указывайте адрес PMS: гостю он не откроется")
        .end_object();
    w.key("vat_code").begin_object().member("type", "string").member("title", "Ставка НДС по умолчанию")
        .member("description", "Применяется к строкам счёта без собственной ставки");
    write_enum(w, vat_codes, vat_labels, std::size(vat_codes));
    w.member("default", "vat20").end_object();
    w.key("receipt_payment_type").begin_object().member("type", "string").member("title", "Признак способа расчёта в чеке");
    write_enum(w, payment_types, payment_type_labels, std::size(payment_types));
    w.member("default", "full_prepayment").end_object();
    w.key("item_name_template").begin_object().member("type", "string").member("title", "Название позиции в чеке")
        .member("description", "Подстановки: {description}, {date}, {arrival}, {departure}, {booking}, {hotel}")
        .member("default", default_item_name_template()).member_int("maxLength", 300).end_object();
    w.key("default_lifetime").begin_object().member("type", "string").member("title", "Срок действия ссылки по умолчанию");
    {
        std::vector<std::string> ids, labels;
        for (const auto& p : lifetime_presets()) {
            ids.emplace_back(p.id);
            labels.emplace_back(p.label);
        }
        w.key("enum").begin_array();
        for (const auto& s : ids)
            w.string(s);
        w.end_array().key("x-enum-labels").begin_array();
        for (const auto& s : labels)
            w.string(s);
        w.end_array();
    }
    w.member("default", "72h").end_object();
    w.key("mail_subject").begin_object().member("type", "string").member("title", "Тема письма гостю")
        .member("default", "Ссылка на оплату бронирования").member_int("maxLength", 200).end_object();
    w.key("message_template").begin_object().member("type", "string").member("title", "Шаблон сообщения гостю")
        .member("x-widget", "textarea")
        .member("description", "Подстановки: {guest_name}, {amount}, {link}, {expiry}, {folio}, {booking}, {hotel}")
        .member("default", default_message_template()).member_int("maxLength", 5000).end_object();
    w.key("poll_interval_seconds").begin_object().member("type", "integer").member("title", "Интервал проверки статусов, с")
        .member_int("minimum", 10).member_int("maximum", 3600).member_int("default", 60).end_object();
    w.key("rate_limit_requests").begin_object().member("type", "integer").member("title", "Лимит запросов к InvoiceBox за 30 с")
        .member("description", "Сколько запросов модуль отправляет в InvoiceBox за любые 30 секунд по каждому магазину. "
                               "InvoiceBox принимает 100, если с ним не согласовано иное; 0 — не ограничивать "
                               "(только если InvoiceBox снял ограничение для вашего магазина)")
        .member_int("minimum", 0).member_int("maximum", max_requests_per_30s)
        .member_int("default", static_cast<std::int64_t>(ShopConfig::default_requests_per_30s)).end_object();
    w.key("legal_entities").begin_object().member("type", "array").member("title", "Отдельные магазины для юридических лиц")
        .member("description", "Каждое юрлицо отеля продаёт через свой магазин. По счетам юрлица, которое не выбрано ни у "
                               "основного магазина, ни здесь, ссылки не создаются: сотрудники увидят «Для юрлица «…» не "
                               "настроен магазин InvoiceBox»" + (missing.empty() ? std::string() : ". " + missing))
        .key("items").begin_object().member("type", "object")
        .key("required").begin_array().string("legal_entity_id").string("merchant_id").string("api_token").string("api_key").end_array()
        .key("properties").begin_object();
    write_shop_properties(w, true, {}, {});
    w.end_object().end_object().end_object();
    w.end_object(); // properties
    // The connection check is the module's state on a 1.3 host («Работает» / «Ошибка подключения»).
    w.key("x-actions").begin_array().begin_object().member("id", "check_connection").member("label", "Проверить подключение")
        .member_bool("x-check", true).end_object().end_array();
    w.end_object();
    return w.take();
}

std::string with_main_legal_entity(std::string_view json, const std::string& legal_entity_id) {
    bj::error_code ec;
    bj::value v = bj::parse(json, ec);
    if (ec || !v.is_object() || legal_entity_id.empty())
        return std::string(json);
    auto& o = v.as_object();
    if (!str_member(o, "legal_entity_id").empty())
        return std::string(json);
    o["legal_entity_id"] = legal_entity_id;
    return bj::serialize(v);
}

std::string effective_api_base_url(std::string_view json) {
    bj::error_code ec;
    const bj::value v = bj::parse(json, ec);
    const std::string base = ec || !v.is_object() ? std::string() : str_member(v.as_object(), "api_base_url");
    return trim(base).empty() ? std::string(default_api_base_url) : base;
}

std::optional<std::string> api_address_problem(std::string_view json) {
    bj::error_code ec;
    const bj::value v = bj::parse(json, ec);
    if (ec || !v.is_object())
        return std::string("Настройки не удалось прочитать");
    if (auto problem = api_address_check(v.as_object()))
        return problem->message;
    return std::nullopt;
}

std::optional<Settings> parse_settings(std::string_view json) {
    bj::error_code ec;
    const bj::value v = bj::parse(json, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    const auto& o = v.as_object();
    Settings s;
    s.shop = read_shop(o, ShopConfig{});
    s.shop.main = true;
    s.vat_code = str_member(o, "vat_code", s.vat_code);
    s.default_lifetime = str_member(o, "default_lifetime", s.default_lifetime);
    if (!lifetime_of(s.default_lifetime))
        s.default_lifetime = "72h";
    s.message_template = str_member(o, "message_template", default_message_template());
    if (s.message_template.empty())
        s.message_template = default_message_template();
    s.mail_subject = str_member(o, "mail_subject", "Ссылка на оплату бронирования");
    if (s.mail_subject.empty())
        s.mail_subject = "Ссылка на оплату бронирования";
    s.item_name_template = str_member(o, "item_name_template", default_item_name_template());
    if (s.item_name_template.empty())
        s.item_name_template = default_item_name_template();
    s.receipt_payment_type = str_member(o, "receipt_payment_type", s.receipt_payment_type);
    s.notification_url = str_member(o, "notification_url");
    s.hotel_name = str_member(o, "hotel_name");
    s.hotel_site_url = std::string(trim(str_member(o, "hotel_site_url")));
    // A value that validate() would refuse (saved before the rule, edited in the store) is not
    // sent: InvoiceBox would refuse the whole order for it.
    if (hotel_site_problem(s.hotel_site_url))
        s.hotel_site_url.clear();
    if (const auto* p = o.if_contains("poll_interval_seconds"); p && p->is_int64())
        s.poll_interval_seconds = static_cast<int>(std::clamp<std::int64_t>(p->as_int64(), 5, 3600));
    // A value out of range (edited in the store) falls back to InvoiceBox's default, never to
    // "off": only an admin's explicit 0 switches the count off.
    if (const auto* p = o.if_contains("rate_limit_requests"))
        s.shop.requests_per_30s = request_budget_of(*p).value_or(s.shop.requests_per_30s);
    if (const auto* a = o.if_contains("legal_entities"); a && a->is_array())
        for (const auto& item : a->as_array())
            if (item.is_object()) {
                s.overrides.push_back(read_shop(item.as_object(), s.shop));
                s.overrides.back().requests_per_30s = s.shop.requests_per_30s;
            }
    return s;
}

std::optional<std::string> validate_settings(std::string_view json) {
    bj::error_code ec;
    const bj::value v = bj::parse(json, ec);
    protocol::JsonWriter w(protocol::JsonWriteOptions{.escape_slash = false});
    w.begin_object();
    if (ec || !v.is_object()) {
        w.key("fields").begin_object().end_object();
        w.member("form", "Настройки не удалось прочитать: документ не является объектом JSON");
        w.end_object();
        return w.take();
    }
    const auto& o = v.as_object();
    std::vector<std::pair<std::string, std::string>> errors;
    auto check_shop = [&](const bj::object& shop, const std::string& at, bool main) {
        const auto mid = str_member(shop, "merchant_id");
        if (mid.empty())
            errors.emplace_back(at + "/merchant_id", "Укажите идентификатор магазина из кабинета InvoiceBox");
        else if (!is_uuid(mid))
            errors.emplace_back(at + "/merchant_id",
                                "Идентификатор магазина должен быть UUID вида ffffffff-ffff-ffff-ffff-ffffffffffff");
        const auto token = str_member(shop, "api_token");
        if (token.empty())
            errors.emplace_back(at + "/api_token", "Укажите API токен");
        else if (token.find_first_of("\r\n ") != std::string::npos)
            errors.emplace_back(at + "/api_token", "API токен не должен содержать пробелов и переводов строки");
        if (str_member(shop, "api_key").empty())
            errors.emplace_back(at + "/api_key", "Укажите API ключ для проверки подписи уведомлений");
        const auto flavour = str_member(shop, "api_flavour");
        if (!flavour.empty() && !protocol::flavour_from_string(flavour))
            errors.emplace_back(at + "/api_flavour", "Версия API должна быть v3 или l3");
        else if (!flavour.empty() && !token.empty()) {
            // An L3 token looks like "12345-API:<hex>", a v3 one is 32 hex characters (invoicebox-api.md §1.2).
            const bool l3_token = token.find("-API:") != std::string::npos;
            if (l3_token && flavour == "v3")
                errors.emplace_back(at + "/api_flavour", "Токен похож на токен Инвойсбокс.Бизнес: выберите версию API l3");
            else if (!l3_token && flavour == "l3" && token.size() == 32)
                errors.emplace_back(at + "/api_flavour", "Токен похож на токен приложения Инвойсбокс: выберите версию API v3");
        }
        if (main)
            if (auto problem = api_address_check(shop))
                errors.emplace_back(at + problem->pointer, problem->message);
    };
    check_shop(o, "", true);
    // The main shop names its company too: without it a folio of any company could be paid into
    // this shop (architecture §7).
    const auto main_le = str_member(o, "legal_entity_id");
    if (main_le.empty())
        errors.emplace_back("/legal_entity_id", "Выберите юридическое лицо, которому принадлежит магазин: без него "
                                                "ссылки не создаются");
    const auto url = str_member(o, "notification_url");
    if (url.empty())
        errors.emplace_back("/notification_url", "Укажите публичный адрес для уведомлений: без него оплаты будут видны только при проверке статуса");
    else if (!is_http_url(url))
        errors.emplace_back("/notification_url", "Адрес для уведомлений должен начинаться с https:// или http://");
    if (const auto site = std::string(trim(str_member(o, "hotel_site_url"))); !site.empty()) {
        if (auto problem = hotel_site_problem(site))
            errors.emplace_back("/hotel_site_url", *problem);
        else if (!url.empty() && origin_of(site) == origin_of(url))
            // The PMS's own address (the notification URL's server) is no page for a guest
            // (architecture §8): behind it is the staff sign-in, or nothing on the hooks door.
            errors.emplace_back("/hotel_site_url", "Это адрес PMS, а не сайт отеля: гость не сможет его открыть. Укажите "
                                                   "сайт отеля или оставьте поле пустым");
    }
    const auto vat = str_member(o, "vat_code", "vat20");
    if (std::find(std::begin(vat_codes), std::end(vat_codes), vat) == std::end(vat_codes))
        errors.emplace_back("/vat_code", "Неизвестная ставка НДС");
    const auto pt = str_member(o, "receipt_payment_type", "full_prepayment");
    if (std::find(std::begin(payment_types), std::end(payment_types), pt) == std::end(payment_types))
        errors.emplace_back("/receipt_payment_type", "Выберите признак способа расчёта: предоплата 100 %, предоплата, аванс или полный расчёт");
    if (!lifetime_of(str_member(o, "default_lifetime", "72h")))
        errors.emplace_back("/default_lifetime", "Выберите срок действия: 1 час, 24 часа, 3, 7 или 30 дней");
    if (const auto* limit = o.if_contains("rate_limit_requests"); limit && !limit->is_null() && !request_budget_of(*limit))
        errors.emplace_back("/rate_limit_requests", "Лимит запросов — целое число от 0 до 100000 (0 — не ограничивать)");
    const auto tmpl = str_member(o, "message_template");
    if (!tmpl.empty() && tmpl.find("{link}") == std::string::npos)
        errors.emplace_back("/message_template", "В шаблоне сообщения нет подстановки {link}: гость не получит ссылку");
    if (const auto* a = o.if_contains("legal_entities"); a && a->is_array()) {
        std::vector<std::string> seen;
        for (std::size_t i = 0; i < a->as_array().size(); ++i) {
            const auto& item = a->as_array()[i];
            const std::string at = "/legal_entities/" + std::to_string(i);
            if (!item.is_object()) {
                errors.emplace_back(at, "Ожидается объект");
                continue;
            }
            const auto le = str_member(item.as_object(), "legal_entity_id");
            if (le.empty())
                errors.emplace_back(at + "/legal_entity_id", "Выберите юридическое лицо");
            else if (le == main_le)
                errors.emplace_back(at + "/legal_entity_id", "Для этого юридического лица уже указан основной магазин");
            else if (std::find(seen.begin(), seen.end(), le) != seen.end())
                errors.emplace_back(at + "/legal_entity_id", "Это юридическое лицо уже указано выше");
            else if (le.find('/') != std::string::npos)
                errors.emplace_back(at + "/legal_entity_id", "Идентификатор юридического лица не должен содержать «/»");
            seen.push_back(le);
            check_shop(item.as_object(), at, false);
        }
    }
    if (errors.empty())
        return std::nullopt;
    w.key("fields").begin_object();
    for (const auto& [k, m] : errors)
        w.member(k, m);
    w.end_object();
    w.member("form", "Проверьте выделенные поля");
    w.end_object();
    return w.take();
}

} // namespace invoicebox::plugin
