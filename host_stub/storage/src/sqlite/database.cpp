// See database.hpp.
#include "database.hpp"

#include "schema.hpp"

namespace pms::host::sqlite {

Database::Database(std::filesystem::path file, std::shared_ptr<const Clock> clock,
                   ConnectionOptions options, std::size_t max_idle_readers, int target_version)
    : file_{std::move(file)}, clock_{std::move(clock)}, reader_options_{options},
      max_idle_readers_{max_idle_readers} {
    options.writer = true;
    reader_options_.writer = false;
    writer_ = std::make_unique<Connection>(file_, options);
    schema_version_ = migrate(*writer_, target_version);
}

const SecretBox& Database::secret_box() const {
    if (!secret_box_)
        throw StorageError{StorageErrc::internal, "secrets: the storage was opened without a key"};
    return *secret_box_;
}

bool Database::checkpoint_truncate() {
    std::lock_guard lock{writer_mutex_};
    return sqlite3_wal_checkpoint_v2(writer_->handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                     nullptr, nullptr) == SQLITE_OK;
}

Database::Lease::Lease(Database& d) : db{d} {
    {
        std::lock_guard lock{db.readers_mutex_};
        if (!db.idle_readers_.empty()) {
            connection = std::move(db.idle_readers_.back());
            db.idle_readers_.pop_back();
            return;
        }
    }
    connection = std::make_unique<Connection>(db.file_, db.reader_options_);
}

Database::Lease::~Lease() {
    // A connection left inside a transaction by an error is not reused.
    if (connection->in_transaction())
        return;
    std::lock_guard lock{db.readers_mutex_};
    if (db.idle_readers_.size() < db.max_idle_readers_)
        db.idle_readers_.push_back(std::move(connection));
}

} // namespace pms::host::sqlite
