#include "storage_listener.h"

#include "dimse_echo.h"
#include "dimse_session.h"
#include "host_addresses.h"
#include "piped_file.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include <algorithm>
#include <cstring>
#include <condition_variable>
#include <list>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace lightbox::net {

struct StorageListener::Impl {
    StorageListener* owner = nullptr;
    InstanceSink* sink = nullptr;
    std::function<void(const std::string&, const std::string&)> onReceived;
    std::function<void(const std::string&, const std::string&, const std::string&)> onRefused;
    std::function<void(const RefusedCaller&)> onRefusedCaller;
    struct KnownPeer {
        ListenerPeer peer;
        std::vector<std::string> addresses;  // numeric, canonical
    };
    std::vector<KnownPeer> peers;
    std::unique_ptr<DcmTLSTransportLayer> tls;
    T_ASC_Network* network = nullptr;
    std::thread acceptor;
    std::atomic<bool> stopping{false};
    std::mutex mutex;
    std::condition_variable idle;
    int active = 0;
    ListenerStats stats;
    std::string folder;
    std::mutex folderMutex;

    void acceptLoop();
    void serve(T_ASC_Association* assoc);
    bool admit(T_ASC_Association* assoc, const std::string& calling, const KnownPeer** who);
    void refuse(T_ASC_Association* assoc, T_ASC_RejectParametersReason reason, const std::string& calling, const std::string& why);
    std::string incoming()
    {
        std::lock_guard<std::mutex> lock(folderMutex);
        if (folder.empty()) folder = sink->incomingFolder();
        return folder;
    }
};

namespace {

constexpr int kRequestSeconds = 3;  // to send the association request once connected

std::string trimmed(const char* s)
{
    std::string t = s ? s : "";
    while (!t.empty() && t.back() == ' ') t.pop_back();
    while (!t.empty() && t.front() == ' ') t.erase(t.begin());
    return t;
}

// The caller's address as DCMTK recorded it (numeric: reverse lookups are off), without a port.
std::string callerAddress(const T_ASC_Association* assoc)
{
    std::string a = assoc->params->DULparams.callingPresentationAddress;
    if (a.size() > 2 && a.front() == '[') a = a.substr(1, a.find(']') - 1);
    else if (std::count(a.begin(), a.end(), ':') == 1) a = a.substr(0, a.find(':'));
    return canonicalAddress(a);
}

// What one C-STORE came to: decided when the file is complete, before the answer is sent.
struct StoreContext {
    InstanceSink* sink = nullptr;
    PipedFile* pipe = nullptr;  // what DCMTK writes goes through it to the sink's file
    std::string ownAeTitle;
    std::string peer;  // the known peer that sent it
    bool handedOver = false;
    KeepOutcome outcome;
};

// Called by DIMSE_storeProvider; at the end DCMTK's stream is closed and the answer not yet sent.
// An instance we asked for with C-MOVE (its Move Originator is our own AE title) is checked for
// completeness by the retrieve itself, so it is answered at once; anything else (a modality or
// archive pushing to us) hears "success" only once it is safely in the cache, since the sender may
// delete its copy then.
void storeProgress(void* data, T_DIMSE_StoreProgress* progress, T_DIMSE_C_StoreRQ* rq, char*, DcmDataset**, T_DIMSE_C_StoreRSP* rsp, DcmDataset**)
{
    if (progress->state != DIMSE_StoreEnd) return;
    auto* ctx = static_cast<StoreContext*>(data);
    auto file = ctx->pipe->finish(true);
    if (!file) {
        rsp->DimseStatus = STATUS_STORE_Refused_OutOfResources;
        ctx->outcome = {KeepOutcome::Kind::OutOfResources, "the received file could not be written: " + file.error().message};
        return;
    }
    ctx->handedOver = true;
    const bool ourMove = (rq->opts & O_STORE_MOVEORIGINATORAETITLE) && trimmed(rq->MoveOriginatorApplicationEntityTitle) == ctx->ownAeTitle;
    if (ourMove) {
        ctx->sink->received(*file, "move:" + ctx->peer);
        return;
    }
    ctx->outcome = ctx->sink->keep(*file, "store:" + ctx->peer);
    switch (ctx->outcome.kind) {
    case KeepOutcome::Kind::Kept: rsp->DimseStatus = STATUS_Success; break;
    case KeepOutcome::Kind::Refused: rsp->DimseStatus = STATUS_STORE_Error_CannotUnderstand; break;
    case KeepOutcome::Kind::OutOfResources: rsp->DimseStatus = STATUS_STORE_Refused_OutOfResources; break;
    }
}

// No file to receive into: the data set is read and dropped, the sender told "out of resources".
OFCondition refuseStore(T_ASC_Association* assoc, T_ASC_PresentationContextID pc, const T_DIMSE_C_StoreRQ& rq, int timeout)
{
    DIC_UL bytes = 0, pdvs = 0;
    OFCondition c = DIMSE_ignoreDataSet(assoc, DIMSE_NONBLOCKING, timeout, &bytes, &pdvs);
    if (c.bad()) return c;
    T_DIMSE_C_StoreRSP rsp{};
    rsp.DimseStatus = STATUS_STORE_Refused_OutOfResources;
    return DIMSE_sendStoreResponse(assoc, pc, &rq, &rsp, nullptr);
}

void reject(T_ASC_Association* assoc, T_ASC_RejectParametersReason reason)
{
    T_ASC_RejectParameters rej{ASC_RESULT_REJECTEDPERMANENT, ASC_SOURCE_SERVICEUSER, reason};
    ASC_rejectAssociation(assoc, &rej);
}

}  // namespace

void StorageListener::Impl::refuse(T_ASC_Association* assoc, T_ASC_RejectParametersReason reason, const std::string& calling, const std::string& why)
{
    reject(assoc, reason);
    // Not our own wake-up call at stop().
    if (onRefusedCaller && !stopping.load()) onRefusedCaller({calling, callerAddress(assoc), trimmed(assoc->params->DULparams.calledAPTitle), why});
}

// Whether the association is for us and from a known peer, and which services it gets; refuses
// it (with the reason a DICOM peer understands) when not.
bool StorageListener::Impl::admit(T_ASC_Association* assoc, const std::string& calling, const KnownPeer** who)
{
    const std::string called = trimmed(assoc->params->DULparams.calledAPTitle);
    if (called != owner->m_options.aeTitle) {
        refuse(assoc, ASC_REASON_SU_CALLEDAETITLENOTRECOGNIZED, calling, "called AE title " + called + " is not ours");
        return false;
    }
    const std::string address = callerAddress(assoc);
    const KnownPeer* byTitle = nullptr;
    for (const KnownPeer& k : peers) {
        if (k.peer.aeTitle != calling) continue;
        byTitle = &k;
        if (std::find(k.addresses.begin(), k.addresses.end(), address) != k.addresses.end()) {
            *who = &k;
            break;
        }
    }
    if (!*who) {
        refuse(assoc, ASC_REASON_SU_CALLINGAETITLENOTRECOGNIZED, calling,
               byTitle ? "calling AE title " + calling + " is known (" + byTitle->peer.name + ") but not from " + address
                       : "calling AE title " + calling + " from " + address + " is not a known peer");
        return false;
    }
    // Verification in any uncompressed syntax; every storage SOP class in the sender's own syntax,
    // compressed ones preferred (nothing is transcoded); each only when the peer may use it.
    if ((*who)->peer.echo) {
        const char* echoSyntaxes[] = {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax, UID_BigEndianExplicitTransferSyntax};
        const char* verification[] = {UID_VerificationSOPClass};
        ASC_acceptContextsWithPreferredTransferSyntaxes(assoc->params, verification, 1, echoSyntaxes, 3);
    }
    if ((*who)->peer.store) {
        std::vector<const char*> storable;
        for (const std::string& ts : storableTransferSyntaxes()) storable.push_back(ts.c_str());
        ASC_acceptContextsWithPreferredTransferSyntaxes(assoc->params, dcmAllStorageSOPClassUIDs, numberOfDcmAllStorageSOPClassUIDs, storable.data(),
                                                        int(storable.size()));
    }
    ASC_setAPTitles(assoc->params, nullptr, nullptr, owner->m_options.aeTitle.c_str());
    if (ASC_countAcceptedPresentationContexts(assoc->params) == 0) {
        refuse(assoc, ASC_REASON_SU_NOREASON, calling, (*who)->peer.name + " (" + calling + ") asked only for services it is not allowed");
        return false;
    }
    return ASC_acknowledgeAssociation(assoc).good();
}

void StorageListener::Impl::serve(T_ASC_Association* assoc)
{
    const int timeout = owner->m_options.timeoutSeconds;
    const std::string calling = trimmed(assoc->params->DULparams.callingAPTitle);
    const KnownPeer* who = nullptr;
    const bool accepted = admit(assoc, calling, &who);
    if (accepted) {
        OFCondition c = EC_Normal;
        while (c.good() && !stopping.load()) {
            T_ASC_PresentationContextID pc = 0;
            T_DIMSE_Message msg;
            c = DIMSE_receiveCommand(assoc, DIMSE_NONBLOCKING, timeout, &pc, &msg, nullptr);
            if (c.bad()) break;
            if (msg.CommandField == DIMSE_C_ECHO_RQ) {
                c = DIMSE_sendEchoResponse(assoc, pc, &msg.msg.CEchoRQ, STATUS_Success, nullptr);
            } else if (msg.CommandField == DIMSE_C_STORE_RQ) {
                T_DIMSE_C_StoreRQ& rq = msg.msg.CStoreRQ;
                StoreContext ctx;
                ctx.sink = sink;
                ctx.ownAeTitle = owner->m_options.aeTitle;
                ctx.peer = who->peer.name;
                auto file = sink->createFile();
                auto pipe = file ? PipedFile::open(incoming(), std::move(*file)) : Result<std::unique_ptr<PipedFile>>(file.error());
                if (!pipe) {
                    ctx.outcome = {KeepOutcome::Kind::OutOfResources, "the received file could not be written: " + pipe.error().message};
                    c = refuseStore(assoc, pc, rq, timeout);
                } else {
                    ctx.pipe = pipe->get();
                    c = DIMSE_storeProvider(assoc, pc, &rq, ctx.pipe->path().c_str(), OFTrue, nullptr, storeProgress, &ctx, DIMSE_NONBLOCKING, timeout);
                    // The file could not be written (disk full): the sender has been answered
                    // "refused, out of resources"; the association goes on (the next may fit).
                    if (c == DIMSE_OUTOFRESOURCES) c = EC_Normal;
                    if (!ctx.handedOver) (void)ctx.pipe->finish(false);  // half a file is no instance
                }
                if (ctx.handedOver && ctx.outcome.ok()) {
                    {
                        std::lock_guard<std::mutex> lock(mutex);
                        ++stats.instances;
                    }
                    if (onReceived) onReceived(calling, rq.AffectedSOPInstanceUID);
                } else {
                    {
                        std::lock_guard<std::mutex> lock(mutex);
                        ++stats.failed;
                    }
                    if (onRefused) onRefused(calling, rq.AffectedSOPInstanceUID, ctx.outcome.reason);
                }
            } else {
                c = DIMSE_BADCOMMANDTYPE;  // not a service of this listener
            }
        }
        if (c == DUL_PEERREQUESTEDRELEASE) ASC_acknowledgeRelease(assoc);
        else if (c != DUL_PEERABORTEDASSOCIATION) ASC_abortAssociation(assoc);
    } else {
        std::lock_guard<std::mutex> lock(mutex);
        ++stats.rejected;
    }
    ASC_dropSCPAssociation(assoc);
    ASC_destroyAssociation(&assoc);
    std::lock_guard<std::mutex> lock(mutex);
    --active;
    idle.notify_all();
}

void StorageListener::Impl::acceptLoop()
{
    // One thread per association; a finished one is joined (at once: it has ended) on the next turn
    // of this loop, which never waits for a running one while new associations knock.
    struct Worker {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    std::list<Worker> workers;
    auto joinFinished = [&workers] {
        for (auto it = workers.begin(); it != workers.end();) {
            if (it->done->load()) {
                it->thread.join();
                it = workers.erase(it);
            } else {
                ++it;
            }
        }
    };
    while (!stopping.load()) {
        joinFinished();
        T_ASC_Association* assoc = nullptr;
        const OFCondition c = ASC_receiveAssociation(network, &assoc, ASC_MAXIMUMPDUSIZE, nullptr, nullptr, tls ? OFTrue : OFFalse, DUL_NOBLOCK, 1);
        if (c.bad()) {
            if (assoc) {
                if (c != DUL_NOASSOCIATIONREQUEST) ASC_dropAssociation(assoc);
                ASC_destroyAssociation(&assoc);
            }
            continue;
        }
        bool busy;
        {
            std::lock_guard<std::mutex> lock(mutex);
            busy = active >= owner->m_options.maxAssociations;
            if (!busy) {
                ++active;
                ++stats.associations;
            } else {
                ++stats.rejected;
            }
        }
        if (busy) {
            T_ASC_RejectParameters rej{ASC_RESULT_REJECTEDTRANSIENT, ASC_SOURCE_SERVICEPROVIDER_PRESENTATION_RELATED, ASC_REASON_SP_PRES_LOCALLIMITEXCEEDED};
            ASC_rejectAssociation(assoc, &rej);
            ASC_dropAssociation(assoc);
            ASC_destroyAssociation(&assoc);
            continue;
        }
        auto done = std::make_shared<std::atomic<bool>>(false);
        workers.push_back({std::thread([this, assoc, done] {
                               serve(assoc);
                               done->store(true);
                           }),
                           done});
    }
    // Running associations finish (each has its own DIMSE timeout).
    for (Worker& w : workers) w.thread.join();
}

StorageListener::StorageListener(ListenerOptions options, InstanceSink& sink) : m_options(std::move(options)), m_sink(sink) {}

StorageListener::~StorageListener() { stop(); }

Status StorageListener::start()
{
    if (m_running) return Done{};
    initNetworking();
    if (m_options.aeTitle.empty() || m_options.aeTitle.size() > 16) return makeError("bad-config", "the AE title must have 1 to 16 characters");
    if (m_options.port <= 0 || m_options.port > 65535) return makeError("bad-config", "the storage port must be 1 to 65535");
    m_impl = std::make_unique<Impl>();
    m_impl->owner = this;
    m_impl->sink = &m_sink;
    m_impl->onReceived = m_onReceived;
    m_impl->onRefused = m_onRefused;
    m_impl->onRefusedCaller = m_onRefusedCaller;
    m_warnings.clear();
    for (const ListenerPeer& p : m_options.peers) {
        Impl::KnownPeer k{p, {}};
        for (const std::string& h : p.hosts)
            for (const std::string& a : resolveHost(h))
                if (std::find(k.addresses.begin(), k.addresses.end(), a) == k.addresses.end()) k.addresses.push_back(a);
        if (k.addresses.empty()) m_warnings.push_back("peer " + p.name + ": no address found for " + (p.hosts.empty() ? std::string("(no host)") : p.hosts.front()));
        m_impl->peers.push_back(std::move(k));
    }
    if (m_options.tls.enabled) {
        auto tls = std::make_unique<DcmTLSTransportLayer>(NET_ACCEPTOR, nullptr, OFTrue);
        if (m_options.tls.certFile.empty() || m_options.tls.keyFile.empty()) return makeError("tls", "a TLS listener needs a certificate and a key");
        if (tls->setPrivateKeyFile(m_options.tls.keyFile.c_str(), DCF_Filetype_PEM).bad() ||
            tls->setCertificateFile(m_options.tls.certFile.c_str(), DCF_Filetype_PEM).bad())
            return makeError("tls", "cannot load the listener's certificate or key");
        if (!m_options.tls.caFile.empty()) tls->addTrustedCertificateFile(m_options.tls.caFile.c_str(), DCF_Filetype_PEM);
        tls->setCertificateVerification(m_options.tls.verifyPeer && !m_options.tls.caFile.empty() ? DCV_requireCertificate : DCV_ignoreCertificate);
        tls->setTLSProfile(TSP_Profile_BCP195);
        tls->activateCipherSuites();
        m_impl->tls = std::move(tls);
    }
    // DCMTK reads a caller's association request on the accepting thread, with the network's ACSE
    // timeout: kept short, so that a connection that says nothing holds the next callers back for
    // seconds, not for the DIMSE timeout (associations then run on their own threads with it).
    OFCondition c = ASC_initializeNetwork(NET_ACCEPTOR, m_options.port, std::min(m_options.timeoutSeconds, kRequestSeconds), &m_impl->network);
    if (c.bad()) {
        m_impl.reset();
        return makeError("port", "cannot listen on port " + std::to_string(m_options.port) + ": " + c.text());
    }
    if (m_impl->tls) ASC_setTransportLayer(m_impl->network, m_impl->tls.get(), 0);
    m_running = true;
    m_impl->acceptor = std::thread([this] { m_impl->acceptLoop(); });
    return Done{};
}

void StorageListener::stop()
{
    if (!m_impl) return;
    m_impl->stopping = true;
    // The acceptor waits for connections a second at a time: a connection of our own wakes it now.
    if (const int fd = ::socket(AF_INET, SOCK_STREAM, 0); fd >= 0) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(std::uint16_t(m_options.port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::close(fd);
    }
    if (m_impl->acceptor.joinable()) m_impl->acceptor.join();
    ASC_dropNetwork(&m_impl->network);
    m_running = false;
    m_impl.reset();
}

ListenerStats StorageListener::stats() const
{
    if (!m_impl) return {};
    std::lock_guard<std::mutex> lock(m_impl->mutex);
    return m_impl->stats;
}

}  // namespace lightbox::net
