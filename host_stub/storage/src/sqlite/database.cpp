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
