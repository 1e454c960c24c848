// The SQLite StaffRepository (kept apart from repositories.hpp: one concept per file).
#pragma once

#include "database.hpp"

#include "pms/host/storage/staff_repository.hpp"

namespace pms::host::sqlite {

class SqliteStaffRepository final : public StaffRepository {
  public:
    explicit SqliteStaffRepository(Database& db) : db_{db} {}

    StaffUser add_user(const StaffUserDraft& draft) override;
    std::optional<StaffUser> find_user(std::string_view login) override;
    std::optional<std::string> password_hash(StaffUserId user) override;
    std::vector<StaffUser> list_users() override;
    bool set_disabled(std::string_view login, bool disabled) override;
    bool set_password_hash(std::string_view login, const std::string& hash) override;
    void create_session(const std::string& token_hash, StaffUserId user, UtcTime now,
                        UtcTime expires_at) override;
    std::optional<StaffSession> find_session(std::string_view token_hash) override;
    void touch_sessions(const std::vector<std::pair<std::string, UtcTime>>& seen) override;
    bool delete_session(std::string_view token_hash) override;
    std::size_t delete_expired_sessions(UtcTime idle_before, UtcTime now) override;

  private:
    Database& db_;
};

} // namespace pms::host::sqlite
