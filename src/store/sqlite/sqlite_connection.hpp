// The project's one door to the SQLite C API: owned handles, cached prepared statements, a
// pool of connections for many threads. Failures come back as SqliteFailure (SQLite's own code
// and text); the store turns them into mango::Error in one place (SqliteUserStore::to_error).
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstddef>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mango::sqlite {

// What SQLite said: an extended result code and its message (for logs only, never clients).
struct SqliteFailure {
  int code = SQLITE_ERROR;
  std::string detail;
};

template <class T>
using SqliteResult = std::expected<T, SqliteFailure>;

// One use of a prepared statement: bind, step, read columns. Resets the statement (ending its
// read transaction) and clears its bindings when it goes out of scope.
class StatementRun {
 public:
  StatementRun(sqlite3_stmt* statement, sqlite3* database);
  ~StatementRun();
  StatementRun(StatementRun&& other) noexcept;
  StatementRun& operator=(StatementRun&&) = delete;

  // Parameters are numbered from 1. Text is copied (SQLITE_TRANSIENT).
  StatementRun& bind(int index, std::string_view text);
  StatementRun& bind_nullable(int index, const std::optional<std::string>& text_or_null);
  StatementRun& bind(int index, std::int64_t number);

  // true: a row is ready; false: the statement is done.
  SqliteResult<bool> step();
  // Steps until done (for statements that return no rows).
  SqliteResult<void> run();

  std::string text_column(int index) const;  // "" for NULL
  bool column_is_null(int index) const;
  std::int64_t integer_column(int index) const;

 private:
  sqlite3_stmt* statement_;
  sqlite3* database_;
  int bind_status_ = SQLITE_OK;  // the first failed bind, reported by step()
};

// One SQLite connection, opened with SQLITE_OPEN_NOMUTEX: use it from one thread at a time
// (ConnectionPool makes sure of that).
class Connection {
 public:
  static SqliteResult<std::unique_ptr<Connection>> open(const std::filesystem::path& file);

  // Runs one or more statements that need no parameters (schema, pragmas, BEGIN/COMMIT).
  SqliteResult<void> execute(const std::string& sql);

  // The prepared statement for `sql`, prepared on first use and reused afterwards.
  SqliteResult<StatementRun> statement(const std::string& sql);

  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  int changes() const;

 private:
  struct DatabaseClose {
    void operator()(sqlite3* database) const { sqlite3_close_v2(database); }
  };
  struct StatementFinalize {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
  };

  explicit Connection(sqlite3* database) : database_(database) {}
  SqliteFailure last_failure(int code) const;

  // Declared first so it is closed after every statement is finalised.
  std::unique_ptr<sqlite3, DatabaseClose> database_;
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, StatementFinalize>> statements_;
};

// Up to `max_connections` connections to one file, opened on demand and handed to one thread
// at a time. Thread-safe.
class ConnectionPool {
 public:
  ConnectionPool(std::filesystem::path file, std::size_t max_connections);

  // A connection on loan; goes back to the pool when destroyed.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() { return *connection_; }
    Connection* operator->() { return connection_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // An idle connection, a new one if fewer than max are open, or waits for one to come back.
  SqliteResult<Lease> acquire();

  // Gives the pool a connection opened elsewhere (the one that set up the schema).
  void adopt(std::unique_ptr<Connection> connection);

 private:
  void give_back(std::unique_ptr<Connection> connection);

  const std::filesystem::path file_;
  const std::size_t max_connections_;
  std::mutex mutex_;
  std::condition_variable connection_returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_count_ = 0;
};

// Makes `name` safe to splice into SQL as an identifier: "name" with inner quotes doubled.
std::string quoted_identifier(std::string_view name);

}  // namespace mango::sqlite
