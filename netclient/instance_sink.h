#pragma once
// Where received instances go (the cache's receiver, in the app): network code writes each
// received object as a DICOM file into incomingFolder() and hands it over with received().
#include <string>

namespace lightbox::net {

class InstanceSink {
public:
    virtual ~InstanceSink() = default;
    // A folder on the same file system as the store, for files being received.
    virtual std::string incomingFolder() = 0;
    // A complete file; the sink owns it from now on. Called from network threads.
    virtual void received(const std::string& path) = 0;
};

}  // namespace lightbox::net
