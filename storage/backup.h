#pragma once
// Backup, restore and rebuilding the index of a cache, while other processes read and receive.
//
// A backup is a folder DEST/lightbox-backup-YYYYMMDD-HHMMSS holding a copy of the index made with
// SQLite's online backup (one consistent snapshot, taken without stopping writers) and a copy of
// every file that snapshot refers to, each checked against its SHA-256 on the way. Files unchanged
// since the newest earlier backup in DEST are hard links to it (so a nightly backup costs what
// arrived since). A study deleted or evicted while its files are copied is left out of the backup's
// index. The folder is written as NAME.partial and renamed when complete; backup.json, written last,
// says what it holds. Folders are 0700, files 0600.
//
// Restore copies a backup into an empty or new cache folder (checking every hash). Rebuilding the
// index makes a new index from the files in the store, through the one way in (Cache::ingest), for a
// lost or damaged index; the old index is kept aside. Measurements, key images and pins live only
// in the index: a rebuild loses them (a restore keeps them).
#include "cache.h"

#include "cache_crypto.h"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

struct sqlite3;

namespace lightbox::storage {

struct CopyReport {
    std::string folder;                  // the backup made, or the cache restored
    std::size_t studies = 0, instances = 0;
    std::size_t linked = 0;              // files hard-linked to the previous backup
    std::uint64_t bytes = 0;             // copied (not linked)
    std::vector<std::string> leftDuring;  // studies deleted or evicted while being backed up
    std::vector<Problem> problems;       // files whose bytes do not match their hash, unreadable files
    bool cancelled = false;
    bool ok() const { return problems.empty() && !cancelled; }
};

struct RebuildReport {
    std::size_t files = 0, indexed = 0, duplicates = 0;
    std::vector<Problem> rejected;  // files that are not (or no longer) valid instances, kept in place
    std::string previousIndex;      // where the old index was put aside ("" when there was none)
    bool cancelled = false;
};

using CountProgress = std::function<void(std::size_t done, std::size_t total)>;

// Backs `cache` up into a new folder under `destination` (created 0700 if missing).
Result<CopyReport> backupCache(Cache& cache, const std::string& destination, const CountProgress& progress = {}, const std::atomic<bool>* cancel = nullptr);
// The newest complete backup under `destination` ("" when there is none); `destination` itself
// when it is a backup.
std::string newestBackup(const std::string& destination);
// Restores a backup (a backup folder, or a folder of backups: the newest) into `cacheFolder`,
// which must be empty or not exist.
Result<CopyReport> restoreCache(const std::string& source, const std::string& cacheFolder, const CountProgress& progress = {},
                                const std::atomic<bool>* cancel = nullptr);
// SQLite's online backup: one consistent snapshot of the database `from`, written to the new
// database file `to` (0600). With a key, `to` is sealed with it (storage/sealed_vfs.h).
Status snapshotIndex(sqlite3* from, const std::string& to, const CacheKey* key = nullptr);
// Makes a new index for the cache in `cacheFolder` from its stored files. Refused while another
// process has the cache open.
Result<RebuildReport> rebuildIndex(const std::string& cacheFolder, const CountProgress& progress = {}, const std::atomic<bool>* cancel = nullptr);

}  // namespace lightbox::storage
