#pragma once
// The managed file store of the cache: one file per instance under files/aa/<sha1(SOP UID)>.dcm.
// Files are written atomically: to tmp/ first, flushed, then renamed into place, so a half-written
// file never appears under its final name. In a sealed cache (cache_keys.h) every file it writes is
// encrypted (cache_crypto.h), and names come from a keyed digest of the UID.
#include "cache_crypto.h"
#include "digest.h"
#include "result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lightbox::storage {

struct PreambleCleaning;

// A temporary file written piece by piece (a network arrival), encrypted as it is written in a
// sealed store. Removed unless finish()ed.
class TemporaryWriter {
public:
    virtual ~TemporaryWriter() = default;
    virtual Status write(const void* data, std::size_t size) = 0;
    // Its path, once complete (not yet durable: FileStore::makeDurable).
    virtual Result<std::string> finish() = 0;
};

class FileStore {
public:
    explicit FileStore(std::string root, std::optional<CacheKey> key = std::nullopt);

    // Creates the folders and removes temporary files a killed process left behind.
    Status prepare();

    const std::string& root() const { return m_root; }
    std::string finalPath(const std::string& sopInstanceUid) const;

    // True when the store encrypts what it writes.
    bool sealed() const { return m_key.has_value(); }
    const std::optional<CacheKey>& key() const { return m_key; }

    // Writes the bytes to a new temporary file (not yet durable), encrypted in a sealed store;
    // returns its path. `plain` writes them as they are (to be changed in place, then seal()ed).
    Result<std::string> writeTemporary(const void* data, std::size_t size, bool plain = false) const;
    // A new temporary file to write piece by piece.
    Result<std::unique_ptr<TemporaryWriter>> openTemporary() const;
    // Encrypts a plain temporary file in place (nothing in a plain store). Called once a file has
    // passed admission, before it is hashed.
    Status seal(const std::string& temporary) const;
    // A small file of the store's own (a thumbnail): written atomically, encrypted when sealed;
    // read back as plaintext.
    Status writeSmallFile(const std::string& path, const void* data, std::size_t size) const;
    Result<std::vector<char>> readSmallFile(const std::string& path) const;
    // Copies a file into a new temporary file, computing its SHA-256 on the way.
    // With `cleaning`, the preamble is cleaned on the way (what it held said there) and, in a sealed
    // store, the copy is encrypted as it is written.
    Result<std::string> copyToTemporary(const std::string& source, Sha256& digest, std::uint64_t& size, PreambleCleaning* cleaning = nullptr) const;
    // A path for a temporary file of the caller's own (e.g. an extracted ZIP entry).
    std::string temporaryPath(const std::string& suffix) const;

    // Flushes what was written to the store's file system to the disk (file data and names); the
    // disk's own answer is checked: an error means what was written may not be there after a crash.
    Status makeDurable() const;
    // Renames a complete temporary file to the instance's final path (replacing an unindexed file
    // a killed process left there). Call with the index's write lock held (see Cache::ingest).
    Status place(const std::string& temporary, const std::string& sopInstanceUid) const;

    Status remove(const std::string& sopInstanceUid) const;
    // Series thumbnails, named by a digest of the Series Instance UID (never by the UID itself).
    std::string thumbnailPath(const std::string& seriesUid, int size) const;
    void removeThumbnails(const std::string& seriesUid) const;
    // Every instance file in the store (absolute paths), for orphan checks.
    std::vector<std::string> listFiles() const;

    // Free space on the store's file system, in bytes (-1 if unknown).
    std::int64_t freeBytes() const;

private:
    std::string nameDigest(const std::string& uid) const;
    std::string m_root;
    std::optional<CacheKey> m_key;
    std::string m_files;
    std::string m_tmp;
};

}  // namespace lightbox::storage
