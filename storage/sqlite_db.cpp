#include "sqlite_db.h"

#include "sealed_vfs.h"

#include <chrono>
#include <thread>

#include <sqlite3.h>

#include <memory>

namespace lightbox::storage {

Statement::~Statement()
{
    if (m_stmt) sqlite3_finalize(m_stmt);
}

Statement::Statement(Statement&& o) noexcept : m_db(o.m_db), m_stmt(o.m_stmt), m_error(std::move(o.m_error)) { o.m_stmt = nullptr; }

Statement& Statement::operator=(Statement&& o) noexcept
{
    if (this != &o) {
        if (m_stmt) sqlite3_finalize(m_stmt);
        m_db = o.m_db;
        m_stmt = o.m_stmt;
        m_error = std::move(o.m_error);
        o.m_stmt = nullptr;
    }
    return *this;
}

Statement& Statement::bind(int i, std::int64_t v)
{
    sqlite3_bind_int64(m_stmt, i, v);
    return *this;
}

Statement& Statement::bind(int i, double v)
{
    sqlite3_bind_double(m_stmt, i, v);
    return *this;
}

Statement& Statement::bind(int i, std::string_view v)
{
    sqlite3_bind_text(m_stmt, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindNull(int i)
{
    sqlite3_bind_null(m_stmt, i);
    return *this;
}

Statement& Statement::bindBlob(int i, const void* data, int size)
{
    sqlite3_bind_blob(m_stmt, i, data, size, SQLITE_TRANSIENT);
    return *this;
}

bool Statement::step()
{
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) m_error = {"sqlite", sqlite3_errmsg(m_db)};
    return false;
}

Status Statement::run()
{
    m_error = {};
    while (step()) {
    }
    Status s = m_error.code.empty() ? Status(Done{}) : Status(m_error);
    sqlite3_reset(m_stmt);
    return s;
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    m_error = {};
}

std::int64_t Statement::integer(int c) const { return sqlite3_column_int64(m_stmt, c); }
double Statement::real(int c) const { return sqlite3_column_double(m_stmt, c); }
bool Statement::isNull(int c) const { return sqlite3_column_type(m_stmt, c) == SQLITE_NULL; }

std::string Statement::text(int c) const
{
    const auto* p = sqlite3_column_text(m_stmt, c);
    return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(m_stmt, c))) : std::string();
}

std::string Statement::blob(int c) const
{
    const void* p = sqlite3_column_blob(m_stmt, c);
    return p ? std::string(static_cast<const char*>(p), size_t(sqlite3_column_bytes(m_stmt, c))) : std::string();
}

Database::~Database()
{
    m_cache.clear();
    if (m_db) sqlite3_close_v2(m_db);
}

Database::Database(Database&& o) noexcept : m_db(o.m_db), m_cache(std::move(o.m_cache)) { o.m_db = nullptr; }

Database& Database::operator=(Database&& o) noexcept
{
    if (this != &o) {
        m_cache.clear();
        if (m_db) sqlite3_close_v2(m_db);
        m_db = o.m_db;
        m_cache = std::move(o.m_cache);
        o.m_db = nullptr;
    }
    return *this;
}

Result<Database> Database::open(const std::string& path, bool create, const CacheKey* key)
{
    Database db;
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    if (key) {
        if (auto s = ensureSealedVfs(); !s) return s.error();
        registerSealedDatabase(path, *key);
    }
    if (sqlite3_open_v2(path.c_str(), &db.m_db, flags, key ? kSealedVfsName : nullptr) != SQLITE_OK) {
        const std::string msg = db.m_db ? sqlite3_errmsg(db.m_db) : "out of memory";
        return makeError("database", "cannot open the index " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db.m_db, 10000);
    sqlite3_extended_result_codes(db.m_db, 1);
    if (key) {
        // Before anything is written: on a new, empty file these set the page format the sealed VFS
        // needs; on an existing file SQLite keeps what page 1 says (and the VFS checks it).
        if (auto s = db.exec("PRAGMA temp_store=MEMORY; PRAGMA page_size=4096"); !s) return s.error();
        int reserve = kSealedReservedBytes;
        if (sqlite3_file_control(db.m_db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve) != SQLITE_OK)
            return makeError("database", "cannot reserve page space in " + path + ": " + sqlite3_errmsg(db.m_db));
    }
    // Switching a new database to WAL needs it to itself: another process creating the same cache
    // at this moment makes SQLite answer "locked" at once (no busy handler for it), so try again.
    Status wal = db.exec("PRAGMA journal_mode=WAL");
    for (int attempt = 0; !wal && (sqlite3_errcode(db.m_db) & 0xff) == SQLITE_BUSY && attempt < 200; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        wal = db.exec("PRAGMA journal_mode=WAL");
    }
    if (!wal) return wal.error();
    for (const char* pragma : {"PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON", "PRAGMA temp_store=MEMORY", "PRAGMA cache_size=-16000"}) {
        auto s = db.exec(pragma);
        if (!s) return s.error();
    }
    return db;
}

Status Database::exec(std::string_view sql)
{
    char* err = nullptr;
    const std::string s(sql);
    if (sqlite3_exec(m_db, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errmsg(m_db);
        sqlite3_free(err);
        return makeError("sqlite", msg);
    }
    return Done{};
}

Result<Statement> Database::prepare(std::string_view sql)
{
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.data(), int(sql.size()), &stmt, nullptr) != SQLITE_OK)
        return makeError("sqlite", std::string(sqlite3_errmsg(m_db)) + " in: " + std::string(sql));
    return Statement(m_db, stmt);
}

CachedStatement Database::cached(std::string_view sql)
{
    for (auto& [text, stmt] : m_cache) {
        if (text == sql) {
            stmt->reset();
            return CachedStatement(stmt.get());
        }
    }
    auto s = prepare(sql);
    if (!s) return CachedStatement(nullptr);
    m_cache.emplace_back(std::string(sql), std::make_unique<Statement>(std::move(*s)));
    return CachedStatement(m_cache.back().second.get());
}

std::int64_t Database::lastInsertId() const { return sqlite3_last_insert_rowid(m_db); }
int Database::changes() const { return sqlite3_changes(m_db); }
std::string Database::lastError() const { return sqlite3_errmsg(m_db); }

Status Database::begin() { return exec("BEGIN IMMEDIATE"); }
Status Database::commit() { return exec("COMMIT"); }
void Database::rollback() { exec("ROLLBACK"); }

}  // namespace lightbox::storage
