// The module: the InvoiceBox payment-link plugin over the C++ SDK — five hooks (folio button,
// settings schema, payment types, notification sink, the «Нераспределённые платежи» admin page)
// and the instance life cycle. The workflow
// itself lives in LinkService / LinkDialog; this file only adapts the hooks to them.
#include "host_adapter.hpp"

#include <invoicebox/plugin/api_client.hpp>
#include <invoicebox/plugin/link_dialog.hpp>
#include <invoicebox/plugin/link_repository.hpp>
#include <invoicebox/plugin/link_service.hpp>
#include <invoicebox/plugin/reconciliation.hpp>
#include <invoicebox/plugin/settings.hpp>
#include <invoicebox/plugin/shop_binding.hpp>
#include <invoicebox/plugin/suspense_service.hpp>

#include <invoicebox/protocol/endpoints.hpp>

// The settings rely on "x-secret-bound-to" (plugin API 1.1): a 1.0 host would ignore it and
// fill a stored API token in for any candidate address. The «Нераспределённые платежи» page needs
// pms.admin-page/1 and binding shops to legal entities needs pms.property/1 (both 1.2): on a 1.1
// host unposted payments could not be resolved and an old main shop never bound. So this plugin
// needs host minor 2, stated here rather than taken from whatever headers it is built with
// (plugin.json agrees).
#define PMS_SDK_MIN_HOST_MINOR 2
#include <pms/plugin_sdk/entry.hpp>
#include <pms/plugin_sdk/plugin.hpp>

#include <memory>

namespace invoicebox::plugin {

namespace pr = invoicebox::protocol;

/// The host minor that gates view elements by "permission" and renders `download` (view-v1.md,
/// ABI 1.5).
constexpr std::uint32_t refund_min_host_minor = 5;
constexpr std::uint32_t download_min_host_minor = 5;

class InvoiceboxPlugin : public pms::sdk::plugin<InvoiceboxPlugin> {
  public:
    static constexpr pms::sdk::plugin_info info{
        .id = "ru.invoicebox.pms.payment-link",
        .name = "InvoiceBox: платежные ссылки",
        .vendor = "InvoiceBox PMS integration",
        .version = "0.1.0",
        .description = "Ссылки на оплату по e-mail и QR-коду с проведением оплаты в счёт",
        .url = "https://www.invoicebox.ru",
        .support_url = "https://www.invoicebox.ru"};

    using plugin::plugin;

    // ---- life cycle ----
    pms_status init() {
        adapter_ = std::make_unique<HostAdapter>(host(), get_executor(), std::string(LinkRepository::open_index_prefix));
        service_ = std::make_unique<LinkService>(*adapter_);
        dialog_ = std::make_unique<LinkDialog>(*service_);
        suspense_ = std::make_unique<SuspenseService>(*service_);
        reconciler_ = std::make_unique<Reconciler>(*service_, *adapter_);
        suspense_->attach_reconciler(reconciler_.get(),
                                     host().api().major == 1 && host().api().minor >= download_min_host_minor);
        // «Возврат» is marked "permission": "refund.manage", which only a host of ABI minor 5+
        // enforces (an older one would show it to every folio user, or refuse the view): below
        // that the dialog offers no refund at all. Cabinet refunds are posted on any host.
        service_->refunds_offered = host().api().major == 1 && host().api().minor >= refund_min_host_minor;
        service_->on_folio_changed = [this](const std::string& folio) { dialog_->folio_changed(folio); };
        service_->on_suspense_changed = [this] { suspense_->push_updates(); };
        return PMS_OK;
    }
    pms_status activate() {
        reload_settings();
        service_->start();
        reconciler_->start();
        return PMS_OK;
    }
    void deactivate() {
        reconciler_->stop();
        service_->stop();
    }

    // ---- pms.folio-button/1 ----
    std::vector<pms::sdk::button> buttons() {
        return {pms::sdk::button{"invoicebox", "InvoiceBox", "link", "Платежные ссылки InvoiceBox"}};
    }
    bool is_button_enabled(std::string_view, const pms::sdk::folio_context&) { return service_->configured(); }
    void on_click(std::string_view, std::string_view session, const pms::sdk::folio_context& ctx, pms::sdk::view_reply reply) {
        auto r = std::make_shared<pms::sdk::view_reply>(std::move(reply));
        dialog_->open(std::string(session), ctx.folio_id, [r](std::string view) { r->show(view); });
    }
    void on_view_event(const pms::sdk::view_event& e, pms::sdk::view_reply reply) {
        auto r = std::make_shared<pms::sdk::view_reply>(std::move(reply));
        // This instance serves one property; its store holds only that property's links.
        if (e.context.property_id != host().property_id()) {
            r->show(render_message_view("Платежные ссылки InvoiceBox",
                                        {"error", "Действие не выполнено", "Окно открыто для другого отеля"}));
            return;
        }
        StaffUser staff{e.context.staff_user_id, e.context.staff_user_name};
        dialog_->event(e.view_session_id, e.context.folio_id, staff, e.event_json, [r](std::string view) { r->show(view); });
    }
    void on_view_closed(std::string_view session) { dialog_->closed(std::string(session)); }

    // ---- pms.admin-page/1 (host 1.2+; an older host never asks, and the other hooks work) ----
    std::vector<pms::sdk::admin_page> admin_pages() {
        return {pms::sdk::admin_page{suspense_page_id, suspense_page_title, PMS_ADMIN_SECTION_FINANCE,
                                     suspense_page_permission}};
    }
    void on_page_open(std::string_view page_id, std::string_view session, const pms::sdk::page_context&,
                      pms::sdk::view_reply reply) {
        if (page_id != suspense_page_id) {
            reply.show(render_message_view(suspense_page_title, {"error", "", "Неизвестная страница"}));
            return;
        }
        suspense_->page_opened(session);
        reply.show(suspense_->open_page());
    }
    void on_page_event(const pms::sdk::page_event& e, pms::sdk::view_reply reply) {
        auto r = std::make_shared<pms::sdk::view_reply>(std::move(reply));
        // The host checked suspense.manage for this staff member; the staff member acting now is
        // the one audited.
        StaffUser staff{e.context.staff_user_id, e.context.staff_user_name};
        suspense_->page_event(e.event_json, staff, [r](std::string view) { r->show(view); }, e.view_session_id);
    }
    void on_page_closed(std::string_view session) { suspense_->page_closed(session); }

    // ---- pms.settings-schema/1 ----
    // Built when asked, from the property's legal entities now and the settings in effect (with
    // the migrated binding), so the page names the entities still without a shop.
    std::string settings_schema() {
        std::vector<PropertyEntity> entities;
        if (auto doc = adapter_ ? adapter_->property_json() : std::nullopt)
            entities = parse_property_entities(*doc);
        return settings_schema_json(entities, &effective_);
    }
    // Settings that fail validate() read «Не настроен» on the module card (API 1.3 hosts): a main
    // shop bound by the migration counts as naming its legal entity, one without a binding does
    // not, until the admin chooses.
    std::optional<std::string> validate_settings(std::string_view json) {
        std::optional<std::string> bound;
        try {
            if (adapter_)
                bound = adapter_->store_get(main_shop_binding_key);
        } catch (const StoreError&) {
            // unreadable: the document stands on its own
        }
        return invoicebox::plugin::validate_settings(bound ? with_main_legal_entity(json, *bound) : std::string(json));
    }
    void on_settings_changed() {
        service_->stop();
        reload_settings();
        service_->start();
    }
    void run_settings_action(std::string_view action, std::string_view json, pms::sdk::action_reply reply) {
        auto r = std::make_shared<pms::sdk::action_reply>(std::move(reply));
        if (action != "check_connection") {
            r->error("Неизвестное действие");
            return;
        }
        auto s = parse_settings(json);
        if (!s) {
            r->error("Настройки не удалось прочитать");
            return;
        }
        // The same address rules as for saving: nothing is sent to an address that could not
        // be saved. The saved address was confirmed when it was saved, so a candidate that keeps
        // it needs no second confirmation.
        if (auto problem = api_address_problem(json)) {
            std::string saved = "{}";
            try {
                saved = host().settings_json();
            } catch (const std::exception&) {
                // unreadable: the candidate must stand on its own
            }
            if (effective_api_base_url(json) != effective_api_base_url(saved) || api_address_problem(saved)) {
                r->error(*problem);
                return;
            }
        }
        if (s->shop.api_token.empty()) {
            r->error("Укажите API токен, затем проверьте подключение");
            return;
        }
        auto client = ApiClient::make(*adapter_, s->shop);
        const std::string base = s->shop.base_url;
        client->call(client->api().check_auth(), pr::RequestKind::read, [r, base](pr::HttpOutcome o) {
            auto auth = pr::InvoiceboxApi::parse_check_auth(o);
            if (auth) {
                r->success("Подключение работает: InvoiceBox принял токен (пользователь " + auth->user_id + ")");
                return;
            }
            const auto& e = auth.error();
            switch (e.kind) {
            case pr::ErrorKind::unauthorized:
            case pr::ErrorKind::forbidden:
                r->error("Неверный API токен: InvoiceBox его не принял. Скопируйте токен заново из кабинета "
                         "InvoiceBox (Мои магазины → Интеграция (API))");
                return;
            case pr::ErrorKind::not_authenticated:
                r->error("InvoiceBox ответил, но не узнал токен: скорее всего выбрана не та версия API (v3 или l3) "
                         "или неверный адрес API");
                return;
            case pr::ErrorKind::transport:
                r->error("InvoiceBox недоступен по адресу " + base + ": нет соединения или нет ответа. "
                         "Проверьте адрес API и доступ сервера PMS в интернет");
                return;
            default:
                r->error("Проверка не удалась: " + describe_for_staff(e));
            }
        });
    }

    // ---- pms.payment-types/1 ----
    std::vector<pms::sdk::payment_type> payment_types() {
        return {pms::sdk::payment_type{"payment", "Оплата по ссылке InvoiceBox", PMS_PAYMENT_INCOMING},
                pms::sdk::payment_type{"refund", "Возврат InvoiceBox", PMS_PAYMENT_OUTGOING}};
    }
    void on_mapping_changed() { service_->retry_suspense(); }

    // ---- pms.notification-sink/1 ----
    void on_notification(const pms::sdk::inbound_request& req, pms::sdk::inbound_reply reply) {
        auto r = std::make_shared<pms::sdk::inbound_reply>(std::move(reply));
        pr::HttpHeaders headers;
        for (const auto& h : req.headers)
            headers.push_back({h.name, h.value});
        service_->handle_notification(req.path, req.body, headers,
                                      [r](pr::NotificationReply rep, NotificationOutcome) {
                                          r->send(rep.status, "application/json", rep.body);
                                      });
    }

  private:
    void reload_settings() {
        Settings s;
        try {
            const std::string doc = host().settings_json();
            if (auto parsed = parse_settings(doc))
                s = std::move(*parsed);
            // Settings saved before the address rules existed (or written around them) are not
            // trusted with the tokens: no API call goes out until an admin saves them again.
            // Notifications meanwhile get out_of_service, so InvoiceBox delivers them again later.
            const auto address_problem = api_address_problem(doc);
            if (address_problem)
                host().error("API address not accepted, InvoiceBox calls are off until the settings are saved "
                             "again: " + *address_problem);
            auto token = [&](const std::string& pointer) {
                return address_problem ? std::string() : host().secret(pointer).value_or("");
            };
            s.shop.api_token = token("/api_token");
            s.shop.api_key = host().secret("/api_key").value_or("");
            for (std::size_t i = 0; i < s.overrides.size(); ++i) {
                const std::string at = "/legal_entities/" + std::to_string(i);
                s.overrides[i].api_token = token(at + "/api_token");
                s.overrides[i].api_key = host().secret(at + "/api_key").value_or("");
            }
            // Settings saved before every shop named its legal entity: bound to the property's only
            // legal entity, else no link is created until the admin chooses the main shop's company
            // (notifications of existing orders still apply).
            bind_main_shop(s, *adapter_);
        } catch (const std::exception& e) {
            host().error(std::string("settings could not be read: ") + e.what());
        }
        // The schema needs only who sells through which shop, never the secrets.
        effective_ = s;
        effective_.shop.api_token.clear();
        effective_.shop.api_key.clear();
        for (auto& o : effective_.overrides) {
            o.api_token.clear();
            o.api_key.clear();
        }
        service_->configure(std::move(s));
    }

    std::unique_ptr<HostAdapter> adapter_;
    std::unique_ptr<LinkService> service_;
    std::unique_ptr<LinkDialog> dialog_;
    std::unique_ptr<SuspenseService> suspense_;
    std::unique_ptr<Reconciler> reconciler_; ///< after suspense_: the page points at it
    Settings effective_; ///< the settings in effect, secrets cleared (for the settings schema)
};

} // namespace invoicebox::plugin

PMS_DECLARE_PLUGIN_ENTRY(invoicebox::plugin::InvoiceboxPlugin);
