#pragma once
// The sealed cache index: a SQLite VFS shim ("lightbox-sealed") that encrypts and authenticates the
// index page by page, so that patient names and IDs in it are unreadable on disk without the cache
// key, while everything the index uses keeps working (FTS5 trigram tables, indexes, WAL shared by
// several processes, sqlite3_backup).
//
// Why our own VFS and not SQLCipher: Debian 12 ships libsqlite3 3.40 (FTS5 with the trigram
// tokenizer, which the study-name search needs), but its SQLCipher is built on SQLite 3.4.1, far too
// old for trigram. A VFS sits below the pager and works with the system SQLite as it is.
//
// Page format (every page 4096 bytes, of which SQLite leaves the last 32 unused: "reserved bytes",
// set with SQLITE_FCNTL_RESERVE_BYTES on a new file; page 1's header records them):
//   bytes [0, 4064)     AES-256-CTR ciphertext of the page's bytes [0, 4064)
//   bytes [4064, 4080)  IV: 16 random bytes, new at every write
//   bytes [4080, 4096)  tag: HMAC-SHA256(mac key, IV | ciphertext | domain | location), first 16 bytes
// domain is one byte ('D' database file, 'W' WAL, 'J' rollback journal) and location the page's
// index (database: page number - 1; WAL: frame number - 1; journal: file offset), 8 bytes
// big-endian, so a page moved to another place or another file fails its tag.
// Keys: HKDF-SHA256(cache key, no salt, info "lightbox index pages v1") -> 64 bytes: the AES key,
// then the MAC key. The whole of page 1 is encrypted, "SQLite format 3" header included: a sealed
// file looks like random bytes (isSealedDatabaseFile()).
//
// Files
//   database  every page sealed. Reads of part of a page (SQLite reads 100 bytes at 0 and 16 at 24)
//             decrypt the whole enclosing page. Writes must be whole pages (anything else is an IO
//             error, never plaintext on disk). Page 1 must say page size 4096 with 32 reserved bytes.
//   WAL       32-byte header and 24-byte frame headers in the clear (page numbers, salts, SQLite's
//             checksums: no patient data); the 4096-byte page of each frame sealed.
//   journal   rollback journals (a sealed database not in WAL mode, e.g. a backup destination, and
//             the switch of a new database to WAL) are supported: SQLite writes and reads each page
//             image as one 4096-byte call, those are sealed; headers, page numbers and checksums
//             stay in the clear. This relies on the journal's sector size being 512 (so no header
//             write is 4096 bytes), which SQLite uses because this VFS reports POWERSAFE_OVERWRITE.
//   -shm      not touched (frame and page numbers only).
//   temporary files (TEMP_DB, TEMP_JOURNAL, SUBJOURNAL, TRANSIENT_DB) are refused (SQLITE_CANTOPEN):
//             sealed connections use PRAGMA temp_store=MEMORY.
//
// Failures. A page whose tag does not verify (wrong key, damage, an all-zero page — holes never
// occur in files SQLite writes through this VFS, so zeros are damage, not "never written") is
// SQLITE_IOERR_DATA, or SQLITE_NOTADB for page 1; opening a sealed database with a wrong key fails in
// sqlite3_open_v2 ("file is not a database"): xOpen checks page 1 before SQLite can look at the WAL.
// One exception: WAL recovery reads whole frames (header + page) and a frame that does not verify
// is handed to SQLite zero-filled, so SQLite's checksum rejects it and the log ends there, exactly
// as for a frame torn by a crash (SQLite's own behaviour for a damaged WAL frame).
// No memory-mapped I/O: the io_methods are version 2 (no xFetch), so every read is decrypted.
//
// Known limits: a page can be replaced by an older copy of the same page at the same place (no
// version counter); the file size and which pages change when are visible.
#include "cache_crypto.h"

#include <string>

namespace lightbox::storage {

constexpr const char* kSealedVfsName = "lightbox-sealed";
constexpr int kSealedPageSize = 4096;
constexpr int kSealedReservedBytes = 32;

// Registers the VFS with SQLite once (not as the default VFS). Safe from any thread.
Status ensureSealedVfs();

// Keys are looked up by database path when SQLite opens the file (its WAL and journal use the key
// of their database). Paths are compared after making them absolute and resolving symlinks.
void registerSealedDatabase(const std::string& dbPath, const CacheKey& key);
void forgetSealedDatabase(const std::string& dbPath);

// True when the file is not empty and does not start with "SQLite format 3\0".
bool isSealedDatabaseFile(const std::string& path);

}  // namespace lightbox::storage
