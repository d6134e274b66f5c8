#pragma once
// Where received instances go (the cache's receiver, in the app): network code writes each
// received object through an IncomingFile the sink creates (encrypted on the way in an encrypted
// cache: no plain copy ever reaches the disk) and hands the complete file over with received()
// or, when the sender must only hear "stored" once the instance is safely in the cache, keep().
#include "result.h"

#include <memory>
#include <string>

namespace lightbox::net {

struct KeepOutcome {
    enum class Kind { Kept, Refused, OutOfResources } kind = Kind::Kept;
    std::string reason;  // when not kept
    bool ok() const { return kind == Kind::Kept; }
};

// One file being received: its bytes in order, then finish(). Destroyed unfinished, it is removed.
class IncomingFile {
public:
    virtual ~IncomingFile() = default;
    // An error ("disk-full", "write-failed") once the bytes cannot be written.
    virtual Status write(const void* data, std::size_t size) = 0;
    // Completes the file; its path (owned by whoever it is handed to from now on).
    virtual Result<std::string> finish() = 0;
};

class InstanceSink {
public:
    virtual ~InstanceSink() = default;
    // A folder on the same file system as the store, for what network code needs while receiving
    // (DIMSE: the named pipes of plainPipe.h). Only this process uses it; 0700.
    virtual std::string incomingFolder() = 0;
    // A new file for one received object (the cache's: in its tmp/, encrypted as it is written in
    // an encrypted cache).
    virtual Result<std::unique_ptr<IncomingFile>> createFile() = 0;
    // A complete file; the sink owns it from now on. Called from network threads. `origin` says
    // where it came from when the storage listener got it: "store:PEER" (pushed by a known peer)
    // or "move:PEER" (sent by PEER because we asked with C-MOVE); "" for C-GET and WADO results.
    virtual void received(const std::string& path, const std::string& origin) = 0;
    // Like received(), but returns only once the instance is durably stored (or already was),
    // or with the reason it was not.
    virtual KeepOutcome keep(const std::string& path, const std::string& origin)
    {
        received(path, origin);
        return {};
    }
};

}  // namespace lightbox::net
