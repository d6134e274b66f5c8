#pragma once
// The storage listener (C-STORE SCP): modalities and archives send images to Lightbox's AE title
// and port; each association is served on its own thread (up to a limit), every storage SOP
// class is accepted in the sender's own transfer syntax (compressed ones preferred, so nothing is
// transcoded), and each instance is written straight to a file handed to an InstanceSink (the
// cache). Also answers C-ECHO. Associations to another AE title are rejected. Optional DICOM TLS.
#include "dicom_peer.h"
#include "instance_sink.h"
#include "result.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace lightbox::net {

struct ListenerOptions {
    std::string aeTitle = "LIGHTBOX";
    int port = 11112;
    int maxAssociations = 16;
    int timeoutSeconds = 30;   // a silent peer is dropped after this
    // TLS: our certificate and key; caFile and verifyPeer apply to the callers' certificates.
    TlsOptions tls;
};

struct ListenerStats {
    std::size_t associations = 0;   // accepted so far
    std::size_t rejected = 0;       // refused (wrong AE title, busy, unsupported)
    std::size_t instances = 0;      // received and handed over
    std::size_t failed = 0;         // C-STOREs answered with an error
};

class StorageListener {
public:
    StorageListener(ListenerOptions options, InstanceSink& sink);
    ~StorageListener();  // stops
    StorageListener(const StorageListener&) = delete;
    StorageListener& operator=(const StorageListener&) = delete;

    // Opens the port and starts serving; fails if the port cannot be opened (e.g. in use).
    Status start();
    // Stops accepting; waits for the running associations (up to their timeout).
    void stop();
    bool running() const { return m_running.load(); }
    const ListenerOptions& options() const { return m_options; }
    ListenerStats stats() const;
    // Called (from association threads) for each instance received: calling AE, SOP Instance UID.
    void setOnReceived(std::function<void(const std::string&, const std::string&)> f) { m_onReceived = std::move(f); }
    // Called for each instance refused (not stored): calling AE, SOP Instance UID, the reason.
    void setOnRefused(std::function<void(const std::string&, const std::string&, const std::string&)> f) { m_onRefused = std::move(f); }

    struct Impl;

private:
    ListenerOptions m_options;
    InstanceSink& m_sink;
    std::unique_ptr<Impl> m_impl;
    std::atomic<bool> m_running{false};
    std::function<void(const std::string&, const std::string&)> m_onReceived;
    std::function<void(const std::string&, const std::string&, const std::string&)> m_onRefused;
    friend struct Impl;
};

}  // namespace lightbox::net
