#pragma once
// Where received instances go (the cache's receiver, in the app): network code writes each
// received object as a DICOM file into incomingFolder() and hands it over with received() or,
// when the sender must only hear "stored" once the instance is safely in the cache, keep().
#include <string>

namespace lightbox::net {

struct KeepOutcome {
    enum class Kind { Kept, Refused, OutOfResources } kind = Kind::Kept;
    std::string reason;  // when not kept
    bool ok() const { return kind == Kind::Kept; }
};

class InstanceSink {
public:
    virtual ~InstanceSink() = default;
    // A folder on the same file system as the store, for files being received.
    virtual std::string incomingFolder() = 0;
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
