// Refunds from the folio and the poller's refund pass (link_service.hpp, issue 13).
//
// A refund follows a link's rules: recorded with its own merchantOrderId BEFORE the create call;
// an unknown outcome (timeout, dropped connection, 5xx) is resolved by looking the refund up by
// that merchantOrderId, and the create is never sent twice; every report goes through
// receive_refund -> apply_refund_report (link_lifecycle.cpp) and the effect outbox, so a completed
// refund is posted once and alerted once whatever crashes in between.
#include <invoicebox/plugin/link_service.hpp>

#include "join.hpp"

#include <invoicebox/plugin/failpoint.hpp>
#include <invoicebox/plugin/formatting.hpp>

#include <invoicebox/protocol/retry_policy.hpp>

namespace invoicebox::plugin {

namespace pr = invoicebox::protocol;

namespace {

/// Staff's answer when a refund could not be recorded: nothing went to InvoiceBox.
constexpr const char* refund_not_saved_message =
    "Не удалось сохранить возврат в базе PMS. Возврат не создан; повторите попытку";

pr::Currency currency_of(const std::string& alpha) { return pr::currency_from_alpha(alpha).value_or(pr::Currency::rub); }

} // namespace

LinkService::RefundTotals LinkService::refund_totals(const std::vector<RefundRecord>& refunds) {
    RefundTotals t;
    for (const auto& r : refunds) {
        if (r.state == RefundState::completed)
            t.completed += r.amount_minor;
        else if (r.counts())
            t.in_progress += r.amount_minor;
    }
    return t;
}

void LinkService::refundable_items(const std::string& folio_id, const std::string& link_moid,
                                   std::function<void(std::vector<pr::BasketItem>, std::string)> done) {
    std::optional<LinkRecord> link;
    try {
        link = repo_.find(link_moid);
    } catch (const StoreError&) {
        done({}, "Не удалось прочитать ссылку из базы PMS");
        return;
    }
    if (link && link->folio_id != folio_id) {
        refuse_foreign_link(link_moid, folio_id, StaffUser{}, "refund");
        done({}, foreign_link_message);
        return;
    }
    if (!link || link->order_id.empty() ||
        (link->posting != PostingState::posted && link->posting != PostingState::pending)) {
        done({}, "Вернуть можно только оплаченную ссылку");
        return;
    }
    auto client = client_for(link->merchant_id, link->legal_entity_id);
    if (!client) {
        done({}, "Интеграция InvoiceBox не настроена");
        return;
    }
    client->set_deadline(host_.now_utc_ms() + ApiClient::staff_budget.count());
    auto alive = alive_;
    const auto currency = currency_of(link->currency);
    client->call(client->api().refundable_items(pr::OrderId(link->order_id)), pr::RequestKind::read,
                 [alive, currency, done = std::move(done)](pr::HttpOutcome o) {
                     if (!*alive)
                         return;
                     auto items = pr::InvoiceboxApi::parse_refundable_items(o, currency);
                     if (!items) {
                         done({}, describe_for_staff(items.error()));
                         return;
                     }
                     done(std::move(*items), "");
                 });
}

void LinkService::create_refund(const RefundInput& in, const StaffUser& staff, std::function<void(RefundOutcome)> done) {
    RefundOutcome out;
    if (!refunds_offered) {
        out.message = "Возврат из PMS недоступен: версия PMS не поддерживает права на возврат. Сделайте возврат в "
                      "личном кабинете InvoiceBox";
        done(std::move(out));
        return;
    }
    if (in.reason.find_first_not_of(" \t\r\n") == std::string::npos)
        out.field_errors["reason"] = "Укажите причину возврата: она уйдёт в InvoiceBox и в чек";
    else if (in.reason.size() > 1000)
        out.field_errors["reason"] = "Причина длиннее 1000 символов";
    auto alive = alive_;
    refundable_items(in.folio_id, in.link_moid, [this, alive, in, staff, out = std::move(out),
                                                  done = std::move(done)](std::vector<pr::BasketItem> items,
                                                                          std::string err) mutable {
        if (!*alive)
            return;
        if (!err.empty()) {
            out.message = err;
            done(std::move(out));
            return;
        }
        auto basket = build_refund_basket(items, in.full, in.lines);
        for (auto& [k, v] : basket.field_errors)
            out.field_errors[k] = v;
        if (!basket.basket || !out.field_errors.empty()) {
            out.message = basket.message.empty() ? "Проверьте выделенные поля" : basket.message;
            done(std::move(out));
            return;
        }
        pr::CreateRefundRequest req;
        RefundRecord r;
        std::shared_ptr<ApiClient> client;
        try {
            auto link = repo_.find(in.link_moid);
            if (!link || link->folio_id != in.folio_id) {
                out.message = foreign_link_message;
                done(std::move(out));
                return;
            }
            client = client_for(link->merchant_id, link->legal_entity_id);
            if (!client) {
                out.message = "Интеграция InvoiceBox не настроена";
                done(std::move(out));
                return;
            }
            const auto existing = repo_.refunds_of(link->merchant_order_id);
            for (const auto& e : existing)
                if (e.state == RefundState::creating) {
                    // One refund of a link in doubt at a time: its outcome decides what is left.
                    out.message = "Предыдущий возврат по этой ссылке ещё не подтверждён InvoiceBox. Дождитесь "
                                  "проверки (обновите статус ссылок) и повторите";
                    done(std::move(out));
                    return;
                }
            // Unique per attempt and durable: the count of recorded refunds only grows.
            std::size_t n = existing.size() + 1;
            std::string moid = link->merchant_order_id + "-R" + std::to_string(n);
            while (repo_.find_refund(moid))
                moid = link->merchant_order_id + "-R" + std::to_string(++n);
            const auto now = host_.now_utc_ms();
            r.merchant_order_id = moid;
            r.link_moid = link->merchant_order_id;
            r.parent_order_id = link->order_id;
            r.folio_id = link->folio_id;
            r.folio_number = link->folio_number;
            r.merchant_id = link->merchant_id;
            r.amount_minor = basket.basket->amount.minor;
            r.vat_amount_minor = basket.basket->vat_amount.minor;
            r.currency = link->currency;
            r.reason = in.reason;
            r.created_by = staff.label();
            r.created_at_ms = now;
            r.state = RefundState::creating;
            req.parent_id = pr::OrderId(link->order_id);
            req.merchant_order_id = pr::MerchantOrderId(moid);
            req.description = in.reason;
            req.set_basket(*basket.basket);
            if (auto invalid = pr::validate(req)) {
                out.message = "Возврат не собран: " + describe_for_staff(*invalid);
                done(std::move(out));
                return;
            }
            r.create_request = pr::create_refund_body(req);
            Transition t;
            add_audit(*link, now, Actor::staff, staff.label(),
                      "Запрошен " + std::string(in.full ? "полный" : "частичный") + " возврат " +
                          format_money_ru(r.amount_minor, r.currency) + " (" + moid + "), причина: " + in.reason);
            t.link = *link;
            t.refund = r;
            // In flight from here: the poller does not judge a refund this call is making.
            refunds_creating_.insert(r.merchant_order_id);
            // Recorded before InvoiceBox hears of it, off the strand (issue 14); the request
            // goes once the batch is durable, and the folio's views follow from it.
            commit_async(std::move(t), {},
                         [this, alive, client, req, moid = r.merchant_order_id, staff,
                          done](std::optional<std::string> error) mutable {
                             if (!*alive)
                                 return;
                             if (error) {
                                 refunds_creating_.erase(moid);
                                 RefundOutcome failed;
                                 failed.message = refund_not_saved_message;
                                 done(std::move(failed));
                                 return;
                             }
                             send_refund(client, req, moid, staff, std::move(done));
                         });
        } catch (const StoreError&) {
            out.message = refund_not_saved_message;
            done(std::move(out));
        }
    });
}

void LinkService::send_refund(const std::shared_ptr<ApiClient>& client, const pr::CreateRefundRequest& req,
                              const std::string& moid, const StaffUser& staff, std::function<void(RefundOutcome)> done) {
    // Recorded, not yet sent: a crash here leaves a `creating` refund that the poller looks up
    // by its merchantOrderId (and, not finding it, marks failed: never sent again).
    failpoint("invoicebox.refund.after_record");
    auto http = client->api().create_refund(req);
    if (!http) {
        refunds_creating_.erase(moid);
        finish_refund(moid, pr::HttpOutcome(pr::unexpected(pr::TransportError{pr::TransportFailure::cancelled, false,
                                                                               "not built"})),
                      staff, std::move(done));
        return;
    }
    client->set_deadline(host_.now_utc_ms() + ApiClient::staff_budget.count());
    auto alive = alive_;
    client->call(std::move(*http), pr::RequestKind::create,
                 [this, alive, moid, staff, done = std::move(done)](pr::HttpOutcome o) mutable {
                     if (!*alive)
                         return;
                     refunds_creating_.erase(moid);
                     finish_refund(moid, std::move(o), staff, std::move(done));
                 });
}

void LinkService::finish_refund(const std::string& moid, pr::HttpOutcome o, const StaffUser& staff,
                                std::function<void(RefundOutcome)> done) {
    RefundOutcome out;
    std::optional<RefundRecord> r;
    try {
        r = repo_.find_refund(moid);
    } catch (const StoreError&) {
    }
    if (!r) {
        out.kind = RefundOutcome::Kind::unconfirmed;
        out.message = "Возврат пропал из базы PMS";
        done(std::move(out));
        return;
    }
    auto refund = pr::InvoiceboxApi::parse_refund(o, currency_of(r->currency));
    if (refund) {
        // InvoiceBox has the refund, the PMS does not know yet: a crash here is resolved by the
        // lookup by merchantOrderId, never by a second refund.
        failpoint("invoicebox.refund.after_answer");
        record_refund_answer(*refund, moid, staff, std::move(done));
        return;
    }
    const auto& err = refund.error();
    host_.log(LogLevel::warning, "refund " + moid + " create: " + pr::describe(err));
    const bool transport_not_sent = !o && !o.error().request_may_have_been_sent;
    if ((pr::RetryPolicy::certainly_not_applied(err) || transport_not_sent) &&
        !err.is(pr::ApiErrorCode::merchant_order_id_duplicate)) {
        r->state = RefundState::failed;
        r->error_message = describe_for_staff(err);
        out.kind = RefundOutcome::Kind::failed;
        out.refund = r;
        out.message = r->error_message;
        Transition t;
        t.refund = *r;
        try {
            if (auto link = repo_.find(r->link_moid)) {
                add_audit(*link, host_.now_utc_ms(), Actor::staff, staff.label(),
                          "InvoiceBox отклонил возврат " + format_money_ru(r->amount_minor, r->currency) + ": " +
                              r->error_message);
                t.link = std::move(*link);
            }
        } catch (const StoreError&) {
        }
        // Staff hear the refusal whether or not it is recorded: InvoiceBox refused, nothing left.
        // Not recorded, the refund stays `creating` until the poller marks it failed.
        commit_async(std::move(t), {}, [out = std::move(out), done = std::move(done)](std::optional<std::string>) mutable {
            done(std::move(out));
        });
        return;
    }
    // The outcome is unknown (timeout, dropped connection, 5xx, a duplicate number): look it up.
    lookup_refund(moid, staff, std::move(done));
}

void LinkService::lookup_refund(const std::string& moid, const StaffUser& staff, std::function<void(RefundOutcome)> done) {
    std::optional<RefundRecord> r;
    try {
        r = repo_.find_refund(moid);
    } catch (const StoreError&) {
    }
    auto client = r ? client_for(r->merchant_id, "") : nullptr;
    auto unconfirmed = [this, moid, staff](std::function<void(RefundOutcome)>& done) {
        RefundOutcome out;
        out.kind = RefundOutcome::Kind::unconfirmed;
        out.message = "Не удалось подтвердить возврат в InvoiceBox. Он будет проверен автоматически; не создавайте "
                      "его повторно";
        Transition t;
        try {
            if (auto rec = repo_.find_refund(moid)) {
                if (auto link = repo_.find(rec->link_moid)) {
                    add_audit(*link, host_.now_utc_ms(), Actor::staff, staff.label(),
                              "Результат возврата " + moid + " в InvoiceBox неизвестен; он будет проверен автоматически");
                    t.link = std::move(*link);
                }
                out.refund = rec;
            }
        } catch (const StoreError&) {
        }
        // The audit line is recorded off the strand; staff hear the same either way.
        commit_async(std::move(t), {}, [out = std::move(out), done = std::move(done)](std::optional<std::string>) mutable {
            done(std::move(out));
        });
    };
    if (!client) {
        unconfirmed(done);
        return;
    }
    pr::RefundFilter f;
    f.merchant_order_id = pr::MerchantOrderId(moid);
    f.merchant_id = pr::MerchantId(r->merchant_id);
    client->set_deadline(host_.now_utc_ms() + ApiClient::staff_budget.count());
    auto alive = alive_;
    const auto currency = currency_of(r->currency);
    client->call(client->api().list_refunds(f), pr::RequestKind::read,
                 [this, alive, moid, staff, currency, unconfirmed, done = std::move(done)](pr::HttpOutcome o) mutable {
                     if (!*alive)
                         return;
                     auto page = pr::InvoiceboxApi::parse_refunds(o, currency);
                     if (page) {
                         for (const auto& found : page->items) {
                             if (found.merchant_order_id.str() != moid)
                                 continue;
                             record_refund_answer(found, moid, staff, std::move(done));
                             return;
                         }
                     }
                     // Not found (yet), or the lookup failed too: stays `creating`; the poller
                     // resolves it. Never sent again.
                     unconfirmed(done);
                 });
}

std::optional<Transition> LinkService::plan_refund(const RefundReport& report) {
    const auto& ib = report.refund;
    auto rec = repo_.find_refund(ib.merchant_order_id.str());
    if (rec && !rec->refund_id.empty() && rec->refund_id != ib.id.str())
        rec.reset(); // another refund under the same number (a cabinet number of another shop)
    if (!rec)
        rec = repo_.find_refund_by_id(ib.id.str());
    const auto link = rec ? repo_.find(rec->link_moid) : repo_.find_by_order_id(ib.parent_id.str());
    if (!link)
        return std::nullopt; // a refund of an order the plugin never linked: not this PMS's money
    if (ib.merchant_id && !link->merchant_id.empty() && ib.merchant_id->str() != link->merchant_id)
        return std::nullopt;
    return apply_refund_report(rec, *link, report, context_for("", ""));
}

void LinkService::record_refund_answer(const pr::Refund& refund, const std::string& moid, const StaffUser& staff,
                                       std::function<void(RefundOutcome)> done) {
    // InvoiceBox's answer to staff's refund, recorded off the strand (issue 14); staff hear it
    // once durable. Not recorded: the refund stays `creating`, which the poller resolves.
    auto alive = alive_;
    auto answer = [this, alive, moid, done = std::move(done)](std::optional<std::string> error) {
        if (!*alive)
            return;
        RefundOutcome out;
        if (error) {
            out.kind = RefundOutcome::Kind::unconfirmed;
            out.message = "Не удалось записать ответ InvoiceBox в базу PMS; возврат будет проверен автоматически";
            return done(std::move(out));
        }
        try {
            out.refund = repo_.find_refund(moid);
        } catch (const StoreError&) {
        }
        out.kind = RefundOutcome::Kind::created;
        done(std::move(out));
    };
    std::optional<Transition> t;
    try {
        t = plan_refund(RefundReport{ReportSource::create_answer, refund, staff.label()});
    } catch (const StoreError& e) {
        return answer(std::string(e.what()));
    }
    if (!t)
        return answer(std::nullopt);
    commit_async(std::move(*t), {}, std::move(answer));
}

Transition LinkService::receive_refund(const RefundReport& report, std::set<std::string>* folios) {
    auto planned = plan_refund(report);
    if (!planned)
        return {};
    commit(*planned, {}, folios);
    return std::move(*planned);
}

void LinkService::refund_posting_done(const Effect& e, PostOutcome outcome, const PostingResult& res,
                                      std::function<void(std::optional<std::string>)> recorded) {
    auto refund = repo_.find_refund(e.owner.substr(2));
    std::optional<LinkRecord> link;
    if (refund)
        link = repo_.find(refund->link_moid);
    if (!refund || !link)
        return commit_async({}, {LinkRepository::erase_effect(e)}, std::move(recorded));
    // The outcome, its alert and the removal of the post effect: one pms.store/2 batch; its
    // follow-up updates the folio's views.
    commit_async(apply_refund_posting(*refund, *link, outcome, res, context_for("", "")),
                 {LinkRepository::erase_effect(e)}, std::move(recorded));
}

void LinkService::poll_refunds(Actor actor, std::function<void()> done) {
    auto alive = alive_;
    auto join = std::make_shared<Join>();
    auto seen = std::make_shared<std::set<std::string>>();     // refund merchantOrderIds InvoiceBox listed
    auto read_all = std::make_shared<std::set<std::string>>(); // shops whose list was read to its end
    join->done = [this, alive, seen, read_all, done = std::move(done)] {
        if (!*alive)
            return;
        // Our creates that InvoiceBox does not know after a full read of their shop's list, long
        // after they were recorded: the request never arrived. Marked failed, never sent again,
        // each in its own pms.store/2 batch; the pass ends once they are all durable (or failed:
        // the next pass marks those again).
        auto recorded = std::make_shared<Join>();
        recorded->done = std::move(done);
        try {
            const auto now = host_.now_utc_ms();
            for (auto r : repo_.refunds_needing_attention()) {
                if (r.state != RefundState::creating || refunds_creating_.count(r.merchant_order_id) ||
                    seen->count(r.merchant_order_id) || !read_all->count(r.merchant_id) ||
                    now - r.created_at_ms < lost_refund_after_ms)
                    continue;
                r.state = RefundState::failed;
                r.error_message = "InvoiceBox не получил запрос возврата; деньги не возвращены. Создайте возврат заново";
                Transition t;
                t.refund = r;
                if (auto link = repo_.find(r.link_moid)) {
                    add_audit(*link, now, Actor::poll, "", "Возврат " + r.merchant_order_id + ": " + r.error_message);
                    t.link = *link;
                }
                recorded->add();
                commit_async(std::move(t), {}, [this, alive, recorded](std::optional<std::string> error) {
                    if (error && *alive)
                        host_.log(LogLevel::error, "refund poll: a lost refund not marked (" + *error + ")");
                    recorded->release();
                });
            }
        } catch (const StoreError&) {
            host_.log(LogLevel::error, "refund poll: store failure");
        }
        recorded->release();
    };
    std::vector<const ShopConfig*> shops;
    if (settings_.shop.complete())
        shops.push_back(&settings_.shop);
    for (const auto& o : settings_.overrides)
        if (o.complete())
            shops.push_back(&o);
    const auto source = actor == Actor::recovery ? ReportSource::recovery : ReportSource::poll_by_id;
    for (const ShopConfig* shop : shops) {
        auto client = ApiClient::make(host_, *shop);
        pr::RefundFilter f;
        f.merchant_id = pr::MerchantId(shop->merchant_id);
        const std::string merchant = shop->merchant_id;
        join->add();
        client->find_all_refunds(
            std::move(f), pr::Currency::rub,
            [this, alive, join, seen, read_all, source, merchant](const std::vector<pr::Refund>& items) {
                if (!*alive)
                    return false;
                // The page's changed refunds are recorded through pms.store/2 together (issue
                // 14), the list read on meanwhile; the pass ends once every batch completed, and
                // one update per folio follows the page. A batch that fails is logged and read
                // again by the next pass (the read itself stays complete).
                std::vector<RefundReport> reports;
                reports.reserve(items.size());
                for (const auto& refund : items) {
                    seen->insert(refund.merchant_order_id.str());
                    reports.push_back(RefundReport{source, refund, ""});
                }
                join->add();
                const bool read = receive_refund_page(std::move(reports), [this, alive, join](ReceivedPage page) {
                    if (*alive) {
                        if (!page.all_durable)
                            host_.log(LogLevel::error, "refund poll: a page not recorded in full; read again next pass");
                        follow_up(page.durable);
                    }
                    join->release();
                });
                if (!read) {
                    host_.log(LogLevel::error, "refund poll: the store is not readable");
                    read_all->insert("!" + merchant); // stopped early: not a full read
                    return false;
                }
                return true;
            },
            [this, alive, join, read_all, merchant](std::optional<pr::ApiError> e) {
                if (!*alive)
                    return;
                if (e)
                    host_.log(LogLevel::warning, "refund poll: list not read to the end: " + pr::describe(*e));
                else if (!read_all->count("!" + merchant))
                    read_all->insert(merchant);
                join->release();
            });
    }
    join->release();
}

} // namespace invoicebox::plugin
