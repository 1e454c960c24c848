// LinkRepository: links, their indexes and the suspense list in the plugin's store (read through
// pms.store/1; written by LinkService mostly as pms.store/2 batches of ops_for()).
//
// Keys (all under "v1/", the store layout's version):
//   v1/meta                      installation prefix and the merchantOrderId sequence
//   v1/link/<merchantOrderId>    LinkRecord; the id is "<prefix>-<folio, sanitized>-<seq>", so
//                                a folio's links are one key range (for_folio scans it)
//   v1/folio/<folioId>/<moid>    index: the links of a folio; written, no longer read (the
//                                v1/link/ range says it), so that an older plugin still lists them
//   v1/open/<moid>               index: links the poller and start-up recovery look at; its
//                                value an OpenLinkEntry (link_record.hpp), "" when written
//                                before entries had one
//   v1/oid/<orderId>             index: InvoiceBox order id -> merchantOrderId
//   v1/suspense/<orderId>        SuspenseRecord
//   v1/cursor/paid/<merchantId>  the paid-orders poll's cursor of a shop: {"v":1,"paid_at_ms":N}
//   v1/refund/<refundMoid>       RefundRecord (issue 13)
//   v1/link-refund/<moid>/<refundMoid>  index: the refunds of a link
//   v1/rid/<refundId>            index: InvoiceBox refund id -> the refund's merchantOrderId
//   v1/open-refund/<refundMoid>  index: refunds the poller looks at (RefundRecord::needs_attention)
//   v1/outbox/<owner>/<seq>      a pending effect (link_lifecycle.hpp), seq zero-padded so that
//                                key order is run order; removed only after it completed
// Every save writes the record and its indexes in one atomic batch, so an index never points
// at a state the record does not have. Failures throw StoreError (host_ports.hpp).
#pragma once

#include <invoicebox/plugin/host_ports.hpp>
#include <invoicebox/plugin/link_lifecycle.hpp>
#include <invoicebox/plugin/link_record.hpp>
#include <invoicebox/plugin/recent_map.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace invoicebox::plugin {

class LinkRepository {
  public:
    /// The keys of the open-link index (one per link that needs the poller, open_links()). The
    /// host adapter keeps a copy of this range in memory (store_scan_mirror.hpp), because every
    /// poll pass scans it whole.
    static constexpr std::string_view open_index_prefix = "v1/open/";

    explicit LinkRepository(HostPorts& host) : host_(host) {}

    /// The next merchantOrderId for a folio: "<prefix>-<folio>-<seq>", the prefix random per
    /// installation (created on first use), the sequence durable. At most 100 characters.
    /// The counter's new value goes into `ops`, to be written with the batch that records the
    /// link: a later call, even before that batch is durable, reads it through the host's
    /// pending batches and numbers on; a batch that fails leaves the number unused.
    std::string next_merchant_order_id(std::string_view folio_id, std::vector<StoreOp>& ops);

    /// The link's hot record. Its create request (cold: ~3 KB, needed only to recover a create
    /// whose outcome is unknown) is kept apart under v1/request/ and not read here: the record
    /// comes back with `create_request` empty unless it was written before the split.
    std::optional<LinkRecord> find(std::string_view merchant_order_id);
    /// The create request of `link`: its own field when set, else the cold key ("" when none).
    std::string create_request_of(const LinkRecord& link);
    std::optional<LinkRecord> find_by_order_id(std::string_view order_id);
    /// The links of a folio, newest first: one scan of the key range its merchantOrderIds share
    /// (another folio whose id sanitizes alike shares the range; its records are left out).
    std::vector<LinkRecord> for_folio(std::string_view folio_id);
    /// Links that need the poller or recovery (LinkRecord::needs_attention()), as their index
    /// entries: one scan, no record read (but for an entry written without a value).
    std::vector<OpenLinkEntry> open_links();
    /// Every link record (one scan of the hot records): for the reconciliation, which compares
    /// the whole PMS side with InvoiceBox.
    std::vector<LinkRecord> all_links();

    /// Writes the record and its indexes atomically.
    void save(const LinkRecord& r);
    /// Same, together with a suspense record, atomically.
    void save(const LinkRecord& r, const SuspenseRecord& s);

    std::optional<SuspenseRecord> find_suspense(std::string_view order_id);
    void save_suspense(const SuspenseRecord& s);
    std::vector<SuspenseRecord> suspense_list(bool include_resolved = false);

    /// The paidAt (UTC ms, whole seconds) up to which the poller has applied every paid order of
    /// a shop; nullopt before its first page was applied.
    std::optional<std::int64_t> paid_cursor(std::string_view merchant_id);
    /// The op that moves a shop's paid cursor (written with the caller's batch or alone).
    static StoreOp paid_cursor_op(std::string_view merchant_id, std::int64_t paid_at_ms);

    /// True when the merchantOrderId carries this installation's prefix.
    bool is_ours(std::string_view merchant_order_id);

    // ---- the effect outbox ----
    /// The store operations that record a transition: the link with its indexes, the suspense
    /// entry and every effect. One batch, so the new state never exists without its effects.
    std::vector<StoreOp> ops_for(const Transition& t);
    /// Writes ops_for(t) plus `extra` in one batch (nothing when the transition changes nothing).
    void record(const Transition& t, std::vector<StoreOp> extra = {});
    std::vector<Effect> effects_of(std::string_view owner);
    /// Owners with at least one pending effect, in key order.
    std::vector<std::string> effect_owners();
    static StoreOp put_effect(const Effect& e);
    static StoreOp erase_effect(const Effect& e);
    /// Ops of a link record alone (record + indexes).
    std::vector<StoreOp> link_ops(const LinkRecord& r) { return ops_for(r); }
    static StoreOp suspense_op(const SuspenseRecord& s);

    // ---- refunds ----
    std::optional<RefundRecord> find_refund(std::string_view refund_moid);
    std::optional<RefundRecord> find_refund_by_id(std::string_view refund_id);
    /// The refunds of a link, oldest first.
    std::vector<RefundRecord> refunds_of(std::string_view link_moid);
    std::vector<RefundRecord> refunds_needing_attention();
    /// Every refund record (one scan).
    std::vector<RefundRecord> all_refunds();
    /// Ops of a refund record with its indexes.
    static std::vector<StoreOp> refund_ops(const RefundRecord& r);

  private:
    std::vector<StoreOp> ops_for(const LinkRecord& r);
    std::string prefix();
    void remember(std::string_view moid, std::string text, const LinkRecord& record);

    HostPorts& host_;
    std::string prefix_cache_;
    /// The last records find() parsed or this repository wrote, by merchantOrderId, with the
    /// exact text each came from or went to: a hit needs the stored text to be byte for byte the
    /// same, so it is never stale. A provider re-sending a notification for a posted link reads
    /// the same record again and again (issue 14); parsing it was a tenth of the host's CPU per
    /// replay. A first delivery reads back what it just wrote.
    /// At most parsed_capacity of them, each dropped once unused for parsed_max_idle
    /// (recent_map.hpp): replays and read-backs come within minutes.
    struct Parsed {
        std::string text;
        LinkRecord record;
    };
    static constexpr std::size_t parsed_capacity = 256;
    static constexpr auto parsed_max_idle = std::chrono::minutes(5);
    RecentMap<Parsed> parsed_{parsed_capacity, parsed_max_idle, &RecentMap<Parsed>::one_each};
};

} // namespace invoicebox::plugin
