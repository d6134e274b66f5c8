#pragma once
// The managed file store of the cache: one file per instance under files/aa/<sha1(SOP UID)>.dcm.
// Files are written atomically: to tmp/ first, flushed, then renamed into place, so a half-written
// file never appears under its final name.
#include "digest.h"
#include "result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lightbox::storage {

class FileStore {
public:
    explicit FileStore(std::string root);

    // Creates the folders and removes temporary files a killed process left behind.
    Status prepare();

    const std::string& root() const { return m_root; }
    std::string finalPath(const std::string& sopInstanceUid) const;

    // Writes the bytes to a new temporary file (not yet durable); returns its path.
    Result<std::string> writeTemporary(const void* data, std::size_t size) const;
    // Copies a file into a new temporary file, computing its SHA-256 on the way.
    Result<std::string> copyToTemporary(const std::string& source, Sha256& digest, std::uint64_t& size) const;
    // A path for a temporary file of the caller's own (e.g. an extracted ZIP entry).
    std::string temporaryPath(const std::string& suffix) const;

    struct Move {
        std::string temporary;
        std::string sopInstanceUid;
    };
    // Makes the temporary files durable, renames them to their final paths, and makes the
    // renames durable. On error nothing of the batch after the failing file is moved.
    Status publish(const std::vector<Move>& batch) const;

    Status remove(const std::string& sopInstanceUid) const;
    // Every instance file in the store (absolute paths), for orphan checks.
    std::vector<std::string> listFiles() const;

    // Free space on the store's file system, in bytes (-1 if unknown).
    std::int64_t freeBytes() const;

private:
    std::string m_root;
    std::string m_files;
    std::string m_tmp;
};

}  // namespace lightbox::storage
