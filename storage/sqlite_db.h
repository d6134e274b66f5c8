#pragma once
// A small RAII layer over SQLite's C API: connections, prepared statements with bound parameters,
// transactions. One connection per thread.
#include "cache_crypto.h"
#include "result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace lightbox::storage {

class Statement {
public:
    Statement() = default;
    Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
    ~Statement();
    Statement(Statement&& o) noexcept;
    Statement& operator=(Statement&& o) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    bool valid() const { return m_stmt != nullptr; }
    Statement& bind(int index, std::int64_t v);
    Statement& bind(int index, int v) { return bind(index, std::int64_t(v)); }
    Statement& bind(int index, double v);
    Statement& bind(int index, std::string_view v);
    Statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
    Statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
    Statement& bindNull(int index);
    Statement& bindBlob(int index, const void* data, int size);
    template <class T>
    Statement& bind(int index, const std::optional<T>& v) { return v ? bind(index, *v) : bindNull(index); }

    // Runs one step: true when a row is available, false when done; errors set error().
    bool step();
    // Runs to completion (for statements without rows).
    Status run();
    void reset();

    std::int64_t integer(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    std::string blob(int column) const;
    bool isNull(int column) const;
    const Error* error() const { return m_error.code.empty() ? nullptr : &m_error; }

private:
    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
    Error m_error;
};

// A cached statement in use: reset (its read transaction ended) when it goes out of scope.
class CachedStatement {
public:
    explicit CachedStatement(Statement* s) : m_s(s) {}
    ~CachedStatement()
    {
        if (m_s) m_s->reset();
    }
    CachedStatement(CachedStatement&& o) noexcept : m_s(o.m_s) { o.m_s = nullptr; }
    CachedStatement(const CachedStatement&) = delete;
    CachedStatement& operator=(const CachedStatement&) = delete;
    Statement* operator->() const { return m_s; }
    Statement& operator*() const { return *m_s; }
    explicit operator bool() const { return m_s != nullptr; }

private:
    Statement* m_s;
};

class Database {
public:
    Database() = default;
    ~Database();
    Database(Database&& o) noexcept;
    Database& operator=(Database&& o) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Opens (creating if asked) with WAL, foreign keys on, a busy timeout and synchronous=NORMAL.
    // With a key, the database is sealed (storage/sealed_vfs.h): the key is registered for `path`
    // and the file opened through the "lightbox-sealed" VFS; a new file gets 4096-byte pages with
    // 32 reserved bytes. A wrong key, or a plain database, is an error.
    static Result<Database> open(const std::string& path, bool create = true, const CacheKey* key = nullptr);

    Status exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);
    // A cached prepared statement, reset and ready for binding; reset again when the returned
    // handle is destroyed, so that no statement keeps a read transaction (and the WAL) open.
    CachedStatement cached(std::string_view sql);
    std::int64_t lastInsertId() const;
    int changes() const;
    std::string lastError() const;
    sqlite3* handle() const { return m_db; }

    // BEGIN IMMEDIATE / COMMIT / ROLLBACK.
    Status begin();
    Status commit();
    void rollback();

private:
    sqlite3* m_db = nullptr;
    std::vector<std::pair<std::string, std::unique_ptr<Statement>>> m_cache;
};

// Commits on commit(); rolls back if destroyed without it.
class Transaction {
public:
    explicit Transaction(Database& db) : m_db(db) { m_status = m_db.begin(); }
    ~Transaction()
    {
        if (!m_done) m_db.rollback();
    }
    bool ok() const { return m_status.ok(); }
    const Error& error() const { return m_status.error(); }
    // A failed COMMIT (busy, disk full) leaves the transaction to be rolled back here.
    Status commit()
    {
        Status s = m_db.commit();
        if (s) m_done = true;
        return s;
    }

private:
    Database& m_db;
    Status m_status = Done{};
    bool m_done = false;
};

}  // namespace lightbox::storage
