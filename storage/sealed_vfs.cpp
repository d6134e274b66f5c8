#include "sealed_vfs.h"

#include <sqlite3.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <thread>
#include <vector>

namespace lightbox::storage {

namespace fs = std::filesystem;

namespace {

using i64 = sqlite3_int64;
constexpr int kPage = kSealedPageSize;
constexpr int kBody = kPage - kSealedReservedBytes;  // encrypted part of a page
constexpr int kIv = 16, kTag = 16;
constexpr const char* kInfo = "lightbox index pages v1";

struct PageKeys {
    unsigned char enc[32]{};
    unsigned char mac[32]{};
};

// ---- the key registry: database path -> page keys -------------------------------------------

std::mutex& registryMutex()
{
    static std::mutex m;
    return m;
}

std::map<std::string, PageKeys>& registry()
{
    static std::map<std::string, PageKeys> keys;
    return keys;
}

// Absolute, normalised, symlinks resolved (SQLite's unix VFS resolves them in xFullPathname too).
std::string normalisedPath(const std::string& path)
{
    std::error_code ec;
    const fs::path abs = fs::absolute(path, ec).lexically_normal();
    if (ec) return path;
    const fs::path canon = fs::weakly_canonical(abs, ec);
    return ec ? abs.string() : canon.string();
}

std::optional<PageKeys> derivePageKeys(const CacheKey& key)
{
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    EVP_KDF_CTX* kctx = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
    EVP_KDF_free(kdf);
    if (!kctx) return std::nullopt;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<unsigned char*>(key.data()), key.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(kInfo), std::strlen(kInfo)),
        OSSL_PARAM_construct_end()};
    unsigned char out[64];
    const bool ok = EVP_KDF_derive(kctx, out, sizeof out, params) == 1;
    EVP_KDF_CTX_free(kctx);
    if (!ok) return std::nullopt;
    PageKeys k;
    std::memcpy(k.enc, out, 32);
    std::memcpy(k.mac, out + 32, 32);
    OPENSSL_cleanse(out, sizeof out);
    return k;
}

// The keys of database files open now (path -> keys, how many open), checked against their page 1:
// a WAL or journal, opened later than its database, takes these rather than whatever key was
// registered for the path since (say by a failed open with a wrong key).
std::map<std::string, std::pair<PageKeys, int>>& openDatabases()
{
    static std::map<std::string, std::pair<PageKeys, int>> open;
    return open;
}

bool sameKeys(const PageKeys& a, const PageKeys& b) { return CRYPTO_memcmp(&a, &b, sizeof a) == 0; }

std::optional<PageKeys> keysFor(const std::string& name, bool preferOpen)
{
    std::lock_guard lock(registryMutex());
    if (preferOpen)
        if (const auto it = openDatabases().find(name); it != openDatabases().end()) return it->second.first;
    const auto it = registry().find(name);
    if (it == registry().end()) return std::nullopt;
    return it->second;
}

// A database file opened with `keys`: false when the same file is open with other keys.
bool noteOpen(const std::string& name, const PageKeys& keys)
{
    std::lock_guard lock(registryMutex());
    auto& open = openDatabases();
    const auto it = open.find(name);
    if (it == open.end()) {
        open.emplace(name, std::make_pair(keys, 1));
        return true;
    }
    if (!sameKeys(it->second.first, keys)) return false;
    ++it->second.second;
    return true;
}

void noteClosed(const std::string& name)
{
    std::lock_guard lock(registryMutex());
    auto& open = openDatabases();
    const auto it = open.find(name);
    if (it != open.end() && --it->second.second <= 0) {
        OPENSSL_cleanse(&it->second.first, sizeof it->second.first);
        open.erase(it);
    }
}

// ---- page sealing -----------------------------------------------------------------------------

// One file's ciphers (a file belongs to one connection, used by one thread at a time).
class PageCipher {
public:
    bool init(const PageKeys& keys)
    {
        m_aes = EVP_CIPHER_CTX_new();
        EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        m_mac = mac ? EVP_MAC_CTX_new(mac) : nullptr;
        EVP_MAC_free(mac);
        if (!m_aes || !m_mac) return false;
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0), OSSL_PARAM_construct_end()};
        return EVP_EncryptInit_ex(m_aes, EVP_aes_256_ctr(), nullptr, keys.enc, nullptr) == 1 &&
               EVP_MAC_init(m_mac, keys.mac, sizeof keys.mac, params) == 1;
    }
    ~PageCipher()
    {
        EVP_CIPHER_CTX_free(m_aes);
        EVP_MAC_CTX_free(m_mac);
    }

    // plain -> out (may be the same buffer). The plaintext's reserved bytes are not stored.
    bool seal(const unsigned char* plain, unsigned char* out, char domain, std::uint64_t location)
    {
        unsigned char iv[kIv];
        if (RAND_bytes(iv, kIv) != 1) return false;
        if (!ctr(iv, plain, out)) return false;
        std::memcpy(out + kBody, iv, kIv);
        return tag(out, domain, location, out + kBody + kIv);
    }

    // sealed -> out (may be the same buffer); false when the tag does not verify.
    bool open(const unsigned char* sealed, unsigned char* out, char domain, std::uint64_t location)
    {
        unsigned char expected[kTag], iv[kIv];
        if (!tag(sealed, domain, location, expected) || CRYPTO_memcmp(expected, sealed + kBody + kIv, kTag) != 0) return false;
        std::memcpy(iv, sealed + kBody, kIv);
        if (!ctr(iv, sealed, out)) return false;
        std::memset(out + kBody, 0, kSealedReservedBytes);
        return true;
    }

private:
    bool ctr(const unsigned char* iv, const unsigned char* in, unsigned char* out)
    {
        int n = 0;
        return EVP_EncryptInit_ex(m_aes, nullptr, nullptr, nullptr, iv) == 1 && EVP_EncryptUpdate(m_aes, out, &n, in, kBody) == 1 && n == kBody;
    }

    // HMAC(IV | ciphertext | domain | location), truncated. `page` holds the ciphertext and the IV.
    bool tag(const unsigned char* page, char domain, std::uint64_t location, unsigned char* out)
    {
        unsigned char where[9];
        where[0] = static_cast<unsigned char>(domain);
        for (int i = 0; i < 8; ++i) where[1 + i] = static_cast<unsigned char>(location >> (56 - 8 * i));
        unsigned char full[32];
        size_t n = 0;
        const bool ok = EVP_MAC_init(m_mac, nullptr, 0, nullptr) == 1 && EVP_MAC_update(m_mac, page + kBody, kIv) == 1 &&
                        EVP_MAC_update(m_mac, page, kBody) == 1 && EVP_MAC_update(m_mac, where, sizeof where) == 1 &&
                        EVP_MAC_final(m_mac, full, &n, sizeof full) == 1 && n == sizeof full;
        std::memcpy(out, full, kTag);
        return ok;
    }

    EVP_CIPHER_CTX* m_aes = nullptr;
    EVP_MAC_CTX* m_mac = nullptr;
};

bool reservedIsZero(const unsigned char* page)
{
    for (int i = kBody; i < kPage; ++i)
        if (page[i]) return false;
    return true;
}

// ---- the file ---------------------------------------------------------------------------------

enum class Kind { Database, Wal, Journal };

// Where the sealed pages of a database or WAL file lie: page k at base + k * stride + header.
struct Layout {
    i64 base, stride, header;
    char domain;
    i64 pageStart(i64 k) const { return base + k * stride + header; }
};
constexpr Layout kDbLayout{0, kPage, 0, 'D'};
constexpr Layout kWalLayout{32, 24 + kPage, 24, 'W'};

struct SealedFile {
    sqlite3_file base;  // pMethods: ours
    sqlite3_file* real;  // the unix VFS's file, allocated right after this struct
    Kind kind;
    PageCipher* cipher;
    std::string* dbPath;  // database files: the normalised path, for noteClosed()
};

constexpr std::size_t kHeadSize = (sizeof(SealedFile) + 15) & ~std::size_t(15);

sqlite3_vfs* unixVfs(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }
SealedFile* sealed(sqlite3_file* f) { return reinterpret_cast<SealedFile*>(f); }

int readPages(SealedFile* f, const Layout& L, unsigned char* out, int amt, i64 off)
{
    const i64 end = off + amt;
    i64 lo = off, hi = end;
    // Widen the read to whole pages where it starts or ends inside one.
    if (off >= L.base) {
        const i64 ps = L.pageStart((off - L.base) / L.stride);
        if (off > ps && off < ps + kPage) lo = ps;
    }
    if (end > L.base) {
        const i64 ps = L.pageStart((end - 1 - L.base) / L.stride);
        if (end - 1 >= ps && end < ps + kPage) hi = ps + kPage;
    }
    std::vector<unsigned char> widened;
    unsigned char* buf = out;
    if (lo != off || hi != end) {
        widened.resize(std::size_t(hi - lo));
        buf = widened.data();
    }
    int rc = f->real->pMethods->xRead(f->real, buf, int(hi - lo), lo);
    const bool shortRead = rc == SQLITE_IOERR_SHORT_READ;
    if (rc != SQLITE_OK && !shortRead) return rc;
    i64 size = -1;
    if (shortRead && f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK) return SQLITE_IOERR_FSTAT;
    const i64 kFirst = lo <= L.base ? 0 : (lo - L.base) / L.stride;
    const i64 kLast = hi <= L.base ? -1 : (hi - 1 - L.base) / L.stride;
    for (i64 k = kFirst; k <= kLast; ++k) {
        const i64 ps = L.pageStart(k);
        if (ps >= hi || ps + kPage <= lo) continue;  // only a frame header of this frame is read
        unsigned char* page = buf + (ps - lo);
        if (shortRead && ps >= size) continue;  // past the end: zeros, as SQLite expects
        const bool present = !(shortRead && ps + kPage > size);
        if (present && f->cipher->open(page, page, L.domain, std::uint64_t(k))) continue;
        // WAL recovery reads whole frames: a frame that does not verify ends the log, like a torn one.
        if (L.header > 0 && lo <= ps - L.header) {
            std::memset(page, 0, kPage);
            continue;
        }
        return (f->kind == Kind::Database && k == 0) ? SQLITE_NOTADB : SQLITE_IOERR_DATA;
    }
    if (buf != out) std::memcpy(out, buf + (off - lo), std::size_t(amt));
    return shortRead ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

int writePages(SealedFile* f, const Layout& L, const unsigned char* in, int amt, i64 off)
{
    const i64 end = off + amt;
    std::vector<unsigned char> out(in, in + amt);
    const i64 kFirst = off <= L.base ? 0 : (off - L.base) / L.stride;
    const i64 kLast = end <= L.base ? -1 : (end - 1 - L.base) / L.stride;
    for (i64 k = kFirst; k <= kLast; ++k) {
        const i64 ps = L.pageStart(k);
        if (ps >= end || ps + kPage <= off) continue;
        if (ps < off || ps + kPage > end) return SQLITE_IOERR_WRITE;  // part of a page: never
        unsigned char* page = out.data() + (ps - off);
        if (!reservedIsZero(page)) return SQLITE_IOERR_WRITE;  // they would not survive the round trip
        // Page 1 must keep the format this VFS needs: 4096-byte pages, 32 reserved bytes.
        if (f->kind == Kind::Database && k == 0 && (page[16] != 0x10 || page[17] != 0x00 || page[20] != kSealedReservedBytes))
            return SQLITE_IOERR_WRITE;
        if (!f->cipher->seal(page, page, L.domain, std::uint64_t(k))) return SQLITE_IOERR_WRITE;
    }
    // The WAL header's page size.
    if (f->kind == Kind::Wal && off <= 8 && end >= 12 && (in[8 - off] | in[9 - off] | in[11 - off] || in[10 - off] != 0x10))
        return SQLITE_IOERR_WRITE;
    return f->real->pMethods->xWrite(f->real, out.data(), amt, off);
}

// Rollback journal: SQLite reads and writes each page image as one call of exactly one page.
int readJournal(SealedFile* f, unsigned char* out, int amt, i64 off)
{
    const int rc = f->real->pMethods->xRead(f->real, out, amt, off);
    if (amt != kPage || (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)) return rc;
    if (rc == SQLITE_IOERR_SHORT_READ) {
        i64 size = 0;
        if (f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK) return SQLITE_IOERR_FSTAT;
        if (size <= off) return rc;
        return SQLITE_IOERR_DATA;
    }
    return f->cipher->open(out, out, 'J', std::uint64_t(off)) ? SQLITE_OK : SQLITE_IOERR_DATA;
}

int writeJournal(SealedFile* f, const unsigned char* in, int amt, i64 off)
{
    if (amt < kPage) return f->real->pMethods->xWrite(f->real, in, amt, off);
    if (amt != kPage) return SQLITE_IOERR_WRITE;
    unsigned char page[kPage];
    std::memcpy(page, in, kPage);
    std::memset(page + kBody, 0, kSealedReservedBytes);
    if (!f->cipher->seal(page, page, 'J', std::uint64_t(off))) return SQLITE_IOERR_WRITE;
    return f->real->pMethods->xWrite(f->real, page, kPage, off);
}

// ---- io_methods (version 2: shared memory, no xFetch) ----------------------------------------

int xClose(sqlite3_file* file)
{
    SealedFile* f = sealed(file);
    const int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
    delete f->cipher;
    f->cipher = nullptr;
    if (f->dbPath) noteClosed(*f->dbPath);
    delete f->dbPath;
    f->dbPath = nullptr;
    return rc;
}

int xRead(sqlite3_file* file, void* buf, int amt, i64 off)
{
    SealedFile* f = sealed(file);
    auto* out = static_cast<unsigned char*>(buf);
    switch (f->kind) {
    case Kind::Database: return readPages(f, kDbLayout, out, amt, off);
    case Kind::Wal: return readPages(f, kWalLayout, out, amt, off);
    case Kind::Journal: return readJournal(f, out, amt, off);
    }
    return SQLITE_IOERR_READ;
}

int xWrite(sqlite3_file* file, const void* buf, int amt, i64 off)
{
    SealedFile* f = sealed(file);
    const auto* in = static_cast<const unsigned char*>(buf);
    switch (f->kind) {
    case Kind::Database: return writePages(f, kDbLayout, in, amt, off);
    case Kind::Wal: return writePages(f, kWalLayout, in, amt, off);
    case Kind::Journal: return writeJournal(f, in, amt, off);
    }
    return SQLITE_IOERR_WRITE;
}

#define LB_REAL(f) (sealed(f)->real)
int xTruncate(sqlite3_file* f, i64 size) { return LB_REAL(f)->pMethods->xTruncate(LB_REAL(f), size); }
int xSync(sqlite3_file* f, int flags) { return LB_REAL(f)->pMethods->xSync(LB_REAL(f), flags); }
int xFileSize(sqlite3_file* f, i64* size) { return LB_REAL(f)->pMethods->xFileSize(LB_REAL(f), size); }
int xLock(sqlite3_file* f, int level) { return LB_REAL(f)->pMethods->xLock(LB_REAL(f), level); }
int xUnlock(sqlite3_file* f, int level) { return LB_REAL(f)->pMethods->xUnlock(LB_REAL(f), level); }
int xCheckReservedLock(sqlite3_file* f, int* out) { return LB_REAL(f)->pMethods->xCheckReservedLock(LB_REAL(f), out); }
int xFileControl(sqlite3_file* f, int op, void* arg) { return LB_REAL(f)->pMethods->xFileControl(LB_REAL(f), op, arg); }
int xSectorSize(sqlite3_file* f) { return LB_REAL(f)->pMethods->xSectorSize(LB_REAL(f)); }
// POWERSAFE_OVERWRITE: SQLite then never splits a WAL frame's page at a sync point, and uses
// 512-byte journal headers (so the only 4096-byte journal writes are page images).
int xDeviceCharacteristics(sqlite3_file* f)
{
    return (LB_REAL(f)->pMethods->xDeviceCharacteristics(LB_REAL(f)) | SQLITE_IOCAP_POWERSAFE_OVERWRITE) & ~SQLITE_IOCAP_BATCH_ATOMIC;
}
int xShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** p)
{
    return LB_REAL(f)->pMethods->xShmMap(LB_REAL(f), region, size, extend, p);
}
int xShmLock(sqlite3_file* f, int offset, int n, int flags) { return LB_REAL(f)->pMethods->xShmLock(LB_REAL(f), offset, n, flags); }
void xShmBarrier(sqlite3_file* f) { LB_REAL(f)->pMethods->xShmBarrier(LB_REAL(f)); }
int xShmUnmap(sqlite3_file* f, int deleteFlag) { return LB_REAL(f)->pMethods->xShmUnmap(LB_REAL(f), deleteFlag); }
#undef LB_REAL

const sqlite3_io_methods kMethods = {
    2,  // no xFetch/xUnfetch: memory-mapped pages would bypass decryption
    xClose, xRead, xWrite, xTruncate, xSync, xFileSize, xLock, xUnlock, xCheckReservedLock, xFileControl, xSectorSize,
    xDeviceCharacteristics, xShmMap, xShmLock, xShmBarrier, xShmUnmap, nullptr, nullptr};

// A sealed database's page 1 verifies with this key (a few tries: a checkpoint may be writing it).
int checkKey(SealedFile* f)
{
    i64 size = 0;
    if (f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK) return SQLITE_IOERR_FSTAT;
    if (size == 0) return SQLITE_OK;
    if (size < kPage) return SQLITE_NOTADB;
    unsigned char page[kPage];
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (attempt) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (f->real->pMethods->xRead(f->real, page, kPage, 0) == SQLITE_OK && f->cipher->open(page, page, 'D', 0)) return SQLITE_OK;
    }
    return SQLITE_NOTADB;
}

int xOpen(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* outFlags)
{
    SealedFile* f = sealed(file);
    f->base.pMethods = nullptr;
    f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kHeadSize);
    f->real->pMethods = nullptr;
    f->cipher = nullptr;
    f->dbPath = nullptr;
    std::optional<PageKeys> keys;
    std::string dbPath;
    if (name && (flags & SQLITE_OPEN_MAIN_DB)) {
        f->kind = Kind::Database;
        dbPath = normalisedPath(name);
        keys = keysFor(dbPath, false);
    } else if (name && (flags & (SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL))) {
        f->kind = (flags & SQLITE_OPEN_WAL) ? Kind::Wal : Kind::Journal;
        keys = keysFor(normalisedPath(sqlite3_filename_database(name)), true);
    }
    // No key (an unregistered database), or a temporary or super-journal file: refused, never plain.
    if (!keys) return SQLITE_CANTOPEN;
    f->cipher = new (std::nothrow) PageCipher;
    const bool ready = f->cipher && f->cipher->init(*keys);
    int rc = ready ? unixVfs(vfs)->xOpen(unixVfs(vfs), name, f->real, flags, outFlags) : SQLITE_NOMEM;
    if (rc == SQLITE_OK && f->kind == Kind::Database) {
        rc = checkKey(f);
        if (rc == SQLITE_OK) {
            // An empty file cannot check a key: two keys at once for one file are refused here.
            if (noteOpen(dbPath, *keys)) f->dbPath = new std::string(dbPath);
            else rc = SQLITE_NOTADB;
        }
    }
    OPENSSL_cleanse(&*keys, sizeof *keys);
    if (rc != SQLITE_OK) {
        if (f->real->pMethods) f->real->pMethods->xClose(f->real);
        f->real->pMethods = nullptr;
        delete f->cipher;
        f->cipher = nullptr;
        return rc;
    }
    f->base.pMethods = &kMethods;
    return SQLITE_OK;
}

// ---- the VFS: everything but xOpen goes to the unix VFS ---------------------------------------

int vDelete(sqlite3_vfs* v, const char* n, int sync) { return unixVfs(v)->xDelete(unixVfs(v), n, sync); }
int vAccess(sqlite3_vfs* v, const char* n, int flags, int* out) { return unixVfs(v)->xAccess(unixVfs(v), n, flags, out); }
int vFullPathname(sqlite3_vfs* v, const char* n, int size, char* out) { return unixVfs(v)->xFullPathname(unixVfs(v), n, size, out); }
void* vDlOpen(sqlite3_vfs* v, const char* n) { return unixVfs(v)->xDlOpen(unixVfs(v), n); }
void vDlError(sqlite3_vfs* v, int n, char* out) { unixVfs(v)->xDlError(unixVfs(v), n, out); }
void (*vDlSym(sqlite3_vfs* v, void* h, const char* s))(void) { return unixVfs(v)->xDlSym(unixVfs(v), h, s); }
void vDlClose(sqlite3_vfs* v, void* h) { unixVfs(v)->xDlClose(unixVfs(v), h); }
int vRandomness(sqlite3_vfs* v, int n, char* out) { return unixVfs(v)->xRandomness(unixVfs(v), n, out); }
int vSleep(sqlite3_vfs* v, int us) { return unixVfs(v)->xSleep(unixVfs(v), us); }
int vCurrentTime(sqlite3_vfs* v, double* out) { return unixVfs(v)->xCurrentTime(unixVfs(v), out); }
int vGetLastError(sqlite3_vfs* v, int n, char* out) { return unixVfs(v)->xGetLastError(unixVfs(v), n, out); }
int vCurrentTimeInt64(sqlite3_vfs* v, i64* out) { return unixVfs(v)->xCurrentTimeInt64(unixVfs(v), out); }

}  // namespace

Status ensureSealedVfs()
{
    static std::once_flag once;
    static int rc = SQLITE_ERROR;
    static sqlite3_vfs vfs{};
    std::call_once(once, [] {
        sqlite3_vfs* base = sqlite3_vfs_find("unix");
        if (!base) base = sqlite3_vfs_find(nullptr);
        if (!base || base->iVersion < 2) return;
        vfs.iVersion = 2;
        vfs.szOsFile = int(kHeadSize) + base->szOsFile;
        vfs.mxPathname = base->mxPathname;
        vfs.zName = kSealedVfsName;
        vfs.pAppData = base;
        vfs.xOpen = xOpen;
        vfs.xDelete = vDelete;
        vfs.xAccess = vAccess;
        vfs.xFullPathname = vFullPathname;
        vfs.xDlOpen = vDlOpen;
        vfs.xDlError = vDlError;
        vfs.xDlSym = vDlSym;
        vfs.xDlClose = vDlClose;
        vfs.xRandomness = vRandomness;
        vfs.xSleep = vSleep;
        vfs.xCurrentTime = vCurrentTime;
        vfs.xGetLastError = vGetLastError;
        vfs.xCurrentTimeInt64 = vCurrentTimeInt64;
        rc = sqlite3_vfs_register(&vfs, 0);
    });
    if (rc != SQLITE_OK) return makeError("sealed-vfs", std::string("cannot register the sealed index VFS: ") + sqlite3_errstr(rc));
    return Done{};
}

void registerSealedDatabase(const std::string& dbPath, const CacheKey& key)
{
    const auto keys = derivePageKeys(key);
    if (!keys) return;  // no HKDF: xOpen finds no key and refuses the file
    std::lock_guard lock(registryMutex());
    registry()[normalisedPath(dbPath)] = *keys;
}

void forgetSealedDatabase(const std::string& dbPath)
{
    std::lock_guard lock(registryMutex());
    const auto it = registry().find(normalisedPath(dbPath));
    if (it == registry().end()) return;
    OPENSSL_cleanse(&it->second, sizeof it->second);
    registry().erase(it);
}

bool isSealedDatabaseFile(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    char head[16] = {};
    f.read(head, sizeof head);
    const std::streamsize n = f.gcount();
    if (n <= 0) return false;
    return n < std::streamsize(sizeof head) || std::memcmp(head, "SQLite format 3", sizeof head) != 0;
}

}  // namespace lightbox::storage
