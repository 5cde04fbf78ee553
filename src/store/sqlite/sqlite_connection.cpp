#include "sqlite_connection.hpp"

#include <utility>

namespace mango::sqlite {

namespace {

// How long a statement waits for another connection's write lock before giving up with
// SQLITE_BUSY (then reported as unavailable). Writers in this process queue on a mutex first,
// so this mostly covers other processes using the same file.
constexpr int kBusyTimeoutMilliseconds = 5000;

}  // namespace

// ---- StatementRun ------------------------------------------------------------------------

StatementRun::StatementRun(sqlite3_stmt* statement, sqlite3* database)
    : statement_(statement), database_(database) {}

StatementRun::StatementRun(StatementRun&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)),
      database_(other.database_),
      bind_status_(other.bind_status_) {}

StatementRun::~StatementRun() {
  if (statement_ == nullptr) return;  // moved from
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

StatementRun& StatementRun::bind(int index, std::string_view text) {
  const int status = sqlite3_bind_text64(statement_, index, text.data(), text.size(),
                                         SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_status_ == SQLITE_OK) bind_status_ = status;
  return *this;
}

StatementRun& StatementRun::bind_nullable(int index,
                                          const std::optional<std::string>& text_or_null) {
  if (text_or_null) return bind(index, std::string_view(*text_or_null));
  const int status = sqlite3_bind_null(statement_, index);
  if (bind_status_ == SQLITE_OK) bind_status_ = status;
  return *this;
}

StatementRun& StatementRun::bind(int index, std::int64_t number) {
  const int status = sqlite3_bind_int64(statement_, index, number);
  if (bind_status_ == SQLITE_OK) bind_status_ = status;
  return *this;
}

SqliteResult<bool> StatementRun::step() {
  if (bind_status_ != SQLITE_OK)
    return std::unexpected(SqliteFailure{bind_status_, sqlite3_errstr(bind_status_)});
  const int status = sqlite3_step(statement_);
  if (status == SQLITE_ROW) return true;
  if (status == SQLITE_DONE) return false;
  return std::unexpected(SqliteFailure{status, sqlite3_errmsg(database_)});
}

SqliteResult<void> StatementRun::run() {
  while (true) {
    auto row = step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return {};
  }
}

std::string StatementRun::text_column(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, index));
  if (text == nullptr) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement_, index)));
}

bool StatementRun::column_is_null(int index) const {
  return sqlite3_column_type(statement_, index) == SQLITE_NULL;
}

std::int64_t StatementRun::integer_column(int index) const {
  return sqlite3_column_int64(statement_, index);
}

// ---- Connection --------------------------------------------------------------------------

SqliteResult<std::unique_ptr<Connection>> Connection::open(const std::filesystem::path& file) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                    SQLITE_OPEN_EXRESCODE;
  const int status = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  // sqlite3_open_v2 allocates a handle even on failure; the unique_ptr closes it either way.
  std::unique_ptr<Connection> connection(new Connection(raw));
  if (raw == nullptr) return std::unexpected(SqliteFailure{SQLITE_NOMEM, "out of memory"});
  if (status != SQLITE_OK) return std::unexpected(connection->last_failure(status));

  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMilliseconds);
  return connection;
}

SqliteResult<void> Connection::execute(const std::string& sql) {
  const int status = sqlite3_exec(database_.get(), sql.c_str(), nullptr, nullptr, nullptr);
  if (status != SQLITE_OK) return std::unexpected(last_failure(status));
  return {};
}

SqliteResult<StatementRun> Connection::statement(const std::string& sql) {
  auto cached = statements_.find(sql);
  if (cached == statements_.end()) {
    sqlite3_stmt* raw = nullptr;
    const int status = sqlite3_prepare_v3(database_.get(), sql.c_str(),
                                          static_cast<int>(sql.size()) + 1,
                                          SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (status != SQLITE_OK) {
      sqlite3_finalize(raw);
      return std::unexpected(last_failure(status));
    }
    cached = statements_.emplace(sql, raw).first;
  }
  return StatementRun(cached->second.get(), database_.get());
}

int Connection::changes() const { return sqlite3_changes(database_.get()); }

SqliteFailure Connection::last_failure(int code) const {
  return SqliteFailure{code, sqlite3_errmsg(database_.get())};
}

// ---- ConnectionPool ----------------------------------------------------------------------

ConnectionPool::ConnectionPool(std::filesystem::path file, std::size_t max_connections)
    : file_(std::move(file)), max_connections_(max_connections < 1 ? 1 : max_connections) {}

ConnectionPool::Lease::~Lease() {
  if (connection_) pool_->give_back(std::move(connection_));
}

SqliteResult<ConnectionPool::Lease> ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  connection_returned_.wait(lock, [&] { return !idle_.empty() || open_count_ < max_connections_; });
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection));
  }
  ++open_count_;  // reserve the slot, then open without holding the lock
  lock.unlock();
  auto opened = Connection::open(file_);
  if (!opened) {
    lock.lock();
    --open_count_;
    connection_returned_.notify_one();
    return std::unexpected(opened.error());
  }
  return Lease(this, std::move(*opened));
}

void ConnectionPool::adopt(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(mutex_);
    ++open_count_;
  }
  give_back(std::move(connection));
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
  }
  connection_returned_.notify_one();
}

std::string quoted_identifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

}  // namespace mango::sqlite
