// The SQLite implementations of the storage interfaces. Each holds the instance's Database;
// every write runs in Database::write (BEGIN IMMEDIATE), every multi-statement read in one
// read snapshot.
#pragma once

#include "database.hpp"
#include "store_writer.hpp"

#include "pms/host/storage/storage.hpp"

namespace pms::host::sqlite {

/// Writes go through the store's writer thread (group commit); see store_writer.hpp.
class SqlitePluginStore final : public PluginStore {
  public:
    explicit SqlitePluginStore(Database& db) : db_{db}, writer_{db} {}

    std::optional<StoreBytes> get(const StoreScope& scope, std::string_view key) override;
    void put(const StoreScope& scope, std::string_view key, std::string_view value) override;
    bool erase(const StoreScope& scope, std::string_view key) override;
    std::vector<StoreEntry> scan_prefix(const StoreScope& scope, std::string_view prefix,
                                        const ScanOptions& options) override;
    void apply(const StoreScope& scope, const StoreBatch& batch) override;
    void apply_async(const StoreScope& scope, StoreBatch batch, StoreDone done) override;
    StoreWriterStats writer_stats() const override;
    std::shared_ptr<void> hold_writer() override;

    /// The writer thread, shared with the notification repository so that a staff alert keeps
    /// its place among the store's batches.
    StoreWriter& writer() noexcept { return writer_; }

  private:
    /// Queues `job` and waits for its outcome (pms.store/1 writes); rethrows a failure.
    void apply_and_wait(std::shared_ptr<StoreWriter::Job> job);

    Database& db_;
    StoreWriter writer_; ///< last member: stops (reporting every queued batch) first
};

/// Appends `d` inside the caller's write transaction (SqliteAuditLog::append, and a posting's
/// own audit row).
AuditEntryId append_audit(Connection& c, const AuditDraft& d, std::int64_t now_ms);

/// Postings are written through the plugin store's writer (group commit with the store's
/// batches and staff alerts, issue 14); the rest through Database::write.
class SqliteFolioRepository final : public FolioRepository {
  public:
    SqliteFolioRepository(Database& db, StoreWriter& writer) : db_{db}, writer_{writer} {}

    Ensured<PropertyId> ensure_property(const PropertyDraft& draft) override;
    std::optional<Property> get_property(PropertyId id) override;
    std::optional<Property> find_property(const std::string& name) override;
    std::vector<Property> list_properties() override;

    Ensured<LegalEntityId> ensure_legal_entity(const LegalEntityDraft& draft) override;
    std::optional<LegalEntity> get_legal_entity(LegalEntityId id) override;
    std::vector<LegalEntity> list_legal_entities(PropertyId property) override;

    Ensured<BookingId> ensure_booking(const BookingDraft& draft) override;
    std::optional<Booking> get_booking(BookingId id) override;
    std::optional<Booking> find_booking(PropertyId property, const std::string& number) override;

    Ensured<FolioId> ensure_folio(const FolioDraft& draft) override;
    FolioLineId add_folio_line(FolioId folio, const FolioLineDraft& line) override;
    void set_folio_status(FolioId folio, FolioStatus status) override;
    std::optional<FolioId> find_folio(PropertyId property, const std::string& number) override;
    std::optional<FolioSummary> folio_summary(FolioId folio) override;
    std::vector<FolioInfo> folios_of_booking(BookingId booking) override;

    Ensured<PaymentCategoryId> ensure_payment_category(PropertyId property,
                                                       const std::string& name) override;
    Ensured<PaymentTypeId> ensure_payment_type(PaymentCategoryId category,
                                               const std::string& name) override;
    std::vector<PaymentCategory> list_payment_categories(PropertyId property) override;

    PostPaymentResult post_payment(const PaymentPosting& posting) override;
    void post_payment_async(const PaymentPosting& posting, PostDone done) override;
    std::vector<Payment> payments_of_folio(FolioId folio) override;
    std::optional<Payment> find_payment(const std::string& idempotency_key) override;

  private:
    static std::optional<FolioInfo> read_folio(Connection& c, FolioId folio);
    /// The posting inside the writer's transaction (its savepoint).
    PostPaymentResult write_posting(Connection& c, const PaymentPosting& p, const std::string& fingerprint);

    Database& db_;
    StoreWriter& writer_;
};

class SqliteSettingsRepository final : public SettingsRepository {
  public:
    explicit SqliteSettingsRepository(Database& db) : db_{db} {}

    void save_settings(const SettingsScope& scope, const std::string& json,
                       const std::vector<SecretWrite>& secrets) override;
    std::optional<SettingsRecord> get_settings(const SettingsScope& scope) override;
    std::optional<SettingsRecord> resolve_settings(const SettingsScope& scope) override;
    void erase_settings(const SettingsScope& scope) override;
    std::optional<std::string> get_secret(const SettingsScope& scope,
                                          const std::string& key) override;
    std::vector<std::string> secret_keys(const SettingsScope& scope) override;

    void set_plugin_enabled(const std::string& plugin_id, PropertyId property,
                            bool enabled) override;
    bool is_plugin_enabled(const std::string& plugin_id, PropertyId property) override;
    std::vector<PluginEnablement> list_enablement() override;

    void set_payment_type_mapping(const PaymentTypeMapping& mapping) override;
    std::optional<PaymentTypeMapping> get_payment_type_mapping(const std::string& plugin_id,
                                                               PropertyId property,
                                                               const std::string& kind) override;
    std::vector<PaymentTypeMapping> list_payment_type_mappings(const std::string& plugin_id,
                                                               PropertyId property) override;
    bool erase_payment_type_mapping(const std::string& plugin_id, PropertyId property,
                                    const std::string& kind) override;

    std::optional<MailSenderSettings> get_mail_sender(PropertyId property) override;
    void save_mail_sender(PropertyId property, const std::string& sender_name,
                          const std::string& sender_address) override;

  private:
    Database& db_;
};

class SqliteNotificationRepository final : public NotificationRepository {
  public:
    SqliteNotificationRepository(Database& db, StoreWriter& writer) : db_{db}, writer_{writer} {}

    RaiseResult raise(const NotificationDraft& draft) override;
    void raise_async(const NotificationDraft& draft, RaiseDone done) override;
    std::vector<Notification> list_newest(std::optional<PropertyId> property,
                                          std::size_t limit) override;
    std::vector<Notification> list_since(std::optional<PropertyId> property, NotificationId after,
                                         std::size_t limit) override;
    bool mark_read(NotificationId id) override;
    bool mark_read_by_dedupe_key(PropertyId property, const std::string& dedupe_key) override;
    std::size_t mark_all_read(PropertyId property) override;
    std::size_t unread_count(std::optional<PropertyId> property) override;

  private:
    Database& db_;
    StoreWriter& writer_; ///< the plugin store's: raise_async and resolution queue there
};

class SqliteAuditLog final : public AuditLog {
  public:
    explicit SqliteAuditLog(Database& db) : db_{db} {}

    AuditEntryId append(const AuditDraft& draft) override;
    std::vector<AuditEntry> list(const AuditQuery& query) override;

  private:
    Database& db_;
};

/// SQLite LIMIT for "0 = no limit".
[[nodiscard]] inline std::int64_t sql_limit(std::size_t limit) noexcept {
    return limit == 0 ? -1 : static_cast<std::int64_t>(limit);
}

} // namespace pms::host::sqlite
