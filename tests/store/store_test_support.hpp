#pragma once
// A fresh, empty log database for each test, on the backend this test binary was built for
// (ADVISOR_STORE_TEST_POSTGRES: the PostgreSQL server at $ADVISOR_TEST_POSTGRES_URL, which
// tests/store/with-postgres starts; otherwise a SQLite file in a temp folder), and a raw
// connection to it for what the store's API does not do: hand-made old schemas, locks, counts.

#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace advisor::test {

#ifdef ADVISOR_STORE_TEST_POSTGRES
inline constexpr bool on_postgres = true;
#else
inline constexpr bool on_postgres = false;
#endif

// 2024-03-10 12:00 UTC plus `days` days and `hours` hours: fixed times for reports with
// retention off, so day boundaries never depend on when the test runs.
inline std::chrono::system_clock::time_point march_10(int plus_days = 0, int plus_hours = 0) {
  using namespace std::chrono;
  return sys_days{year{2024} / March / 10} + hours{12 + plus_hours} + days{plus_days};
}

class test_database {
 public:
  test_database() {
    static std::atomic<int> counter{0};
    const std::string name = "advisor_store_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    // A folder for files either way (SQLite's database, the report's test files).
    dir_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    if constexpr (on_postgres) {
      const char* base = std::getenv("ADVISOR_TEST_POSTGRES_URL");
      if (!base || !*base) {
        ADD_FAILURE() << "ADVISOR_TEST_POSTGRES_URL is not set: run these tests through tests/store/with-postgres, "
                         "which starts a throwaway PostgreSQL server and sets it";
        return;
      }
      admin_url_ = base;
      where_ = with_database(admin_url_, name);
      admin_exec("CREATE DATABASE " + name);
      db_name_ = name;
    } else {
      where_ = (dir_ / "advisor.db").string();
    }
  }
  ~test_database() {
    close();
    if (on_postgres && !db_name_.empty()) admin_exec("DROP DATABASE IF EXISTS " + db_name_ + " WITH (FORCE)");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  test_database(const test_database&) = delete;
  test_database& operator=(const test_database&) = delete;

  // What conversation_log::open and read_report take.
  const std::string& where() const { return where_; }
  const std::filesystem::path& dir() const { return dir_; }  // a temp folder, removed at the end

  // Runs statements on the raw connection; a failure fails the test and returns false.
  bool exec(const std::string& sql) {
    open();
    if constexpr (on_postgres) {
      PGresult* r = PQexec(pg_, sql.c_str());
      const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
      if (!ok) ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
      PQclear(r);
      return ok;
    } else {
      char* message = nullptr;
      const bool ok = sqlite3_exec(lite_, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK;
      if (!ok) ADD_FAILURE() << sql << ": " << (message ? message : "?");
      sqlite3_free(message);
      return ok;
    }
  }

  // The first column of the first row, as text ("" when there is none).
  std::string scalar(const std::string& sql) {
    open();
    std::string out;
    if constexpr (on_postgres) {
      PGresult* r = PQexec(pg_, sql.c_str());
      if (PQresultStatus(r) != PGRES_TUPLES_OK) ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
      else if (PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
      PQclear(r);
    } else {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(lite_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
        ADD_FAILURE() << sql << ": " << sqlite3_errmsg(lite_);
      } else if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
        out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      }
      sqlite3_finalize(s);
    }
    return out;
  }

  // Holds a lock that keeps every other connection from inserting, until release_writes().
  void block_writes() {
    if constexpr (on_postgres) {
      exec("BEGIN; LOCK TABLE questions IN EXCLUSIVE MODE");
    } else {
      exec("BEGIN IMMEDIATE");
    }
  }
  void release_writes() { exec("COMMIT"); }

  void close() {
    if (pg_) PQfinish(pg_);
    pg_ = nullptr;
    if (lite_) sqlite3_close_v2(lite_);
    lite_ = nullptr;
  }

 private:
  void open() {
    if constexpr (on_postgres) {
      if (pg_) return;
      pg_ = PQconnectdb(where_.c_str());
      if (PQstatus(pg_) != CONNECTION_OK) ADD_FAILURE() << "connecting: " << PQerrorMessage(pg_);
      PQclear(PQexec(pg_, "SET client_min_messages = warning"));
    } else {
      if (lite_) return;
      if (sqlite3_open(where_.c_str(), &lite_) != SQLITE_OK) ADD_FAILURE() << "opening: " << sqlite3_errmsg(lite_);
      sqlite3_busy_timeout(lite_, 10000);
    }
  }

  void admin_exec(const std::string& sql) {
    PGconn* c = PQconnectdb(admin_url_.c_str());
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r) << PQerrorMessage(c);
    PQclear(r);
    PQfinish(c);
  }

  // The URL with its database name replaced: scheme://user:pw@host:port/NAME?options.
  static std::string with_database(const std::string& url, const std::string& name) {
    const auto host = url.find("://") + 3;
    const auto slash = url.find('/', host);
    const auto query = url.find('?', host);
    const std::string head = url.substr(0, slash == std::string::npos ? query : slash);
    return head + "/" + name + (query == std::string::npos ? "" : url.substr(query));
  }

  std::string admin_url_, db_name_, where_;
  std::filesystem::path dir_;
  PGconn* pg_ = nullptr;
  sqlite3* lite_ = nullptr;
};

}  // namespace advisor::test
