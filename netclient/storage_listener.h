#pragma once
// The storage listener (C-STORE SCP): modalities and archives send images to Lightbox's AE title
// and port; each association is served on its own thread (up to a limit), every storage SOP
// class is accepted in the sender's own transfer syntax (compressed ones preferred, so nothing is
// transcoded), and each instance is written straight to a file handed to an InstanceSink (the
// cache). Also answers C-ECHO. Only known peers are served: a caller must present the calling AE
// title of a peer in ListenerOptions::peers from one of that peer's addresses, and may use only the
// services that peer is allowed (echo, store); anyone else is rejected at association time
// ("calling AE title not recognised") and reported. Associations to another AE title are rejected.
// Optional DICOM TLS, with a required client certificate when a CA is configured.
#include "dicom_peer.h"
#include "instance_sink.h"
#include "result.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lightbox::net {

// A peer allowed to call us. Host names are resolved when the listener starts.
struct ListenerPeer {
    std::string name;                // the settings entry it comes from (recorded with what it sends)
    std::string aeTitle;             // the calling AE title it presents
    std::vector<std::string> hosts;  // names or addresses it calls from
    bool echo = true, store = true;  // the services it may use
};

// An association refused because of who asked (not because we were busy).
struct RefusedCaller {
    std::string callingAeTitle, address, calledAeTitle;
    std::string reason;
};

struct ListenerOptions {
    std::string aeTitle = "LIGHTBOX";
    int port = 11112;
    int maxAssociations = 16;
    int timeoutSeconds = 30;   // a silent peer is dropped after this
    // TLS: our certificate and key; caFile and verifyPeer apply to the callers' certificates.
    TlsOptions tls;
    // Who may call; nobody when empty.
    std::vector<ListenerPeer> peers;
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
    // Peers whose host could not be resolved at start() (they cannot call until the next start).
    const std::vector<std::string>& warnings() const { return m_warnings; }
    // Called (from association threads) for each instance received: calling AE, SOP Instance UID.
    void setOnReceived(std::function<void(const std::string&, const std::string&)> f) { m_onReceived = std::move(f); }
    // Called for each instance refused (not stored): calling AE, SOP Instance UID, the reason.
    void setOnRefused(std::function<void(const std::string&, const std::string&, const std::string&)> f) { m_onRefused = std::move(f); }
    // Called (from association threads) for each association refused because of who asked.
    void setOnRefusedCaller(std::function<void(const RefusedCaller&)> f) { m_onRefusedCaller = std::move(f); }

    struct Impl;

private:
    ListenerOptions m_options;
    InstanceSink& m_sink;
    std::unique_ptr<Impl> m_impl;
    std::atomic<bool> m_running{false};
    std::vector<std::string> m_warnings;
    std::function<void(const std::string&, const std::string&)> m_onReceived;
    std::function<void(const std::string&, const std::string&, const std::string&)> m_onRefused;
    std::function<void(const RefusedCaller&)> m_onRefusedCaller;
    friend struct Impl;
};

}  // namespace lightbox::net
