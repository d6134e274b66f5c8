// Retrieving a study (or some of its series) from an archive into the cache, by C-GET, C-MOVE or
// WADO-RS, resuming what is cached, retrying with back-off, and complete only when every instance
// the archive holds is in the cache. Arrivals go through the cache's Receiver (the one way in).
#include "archive_ops.h"

#include "audit_facts.h"

#include "archive_listing.h"
#include "dicomweb_client.h"
#include "dimse_retrieve.h"
#include "receiver.h"
#include "receiver_sink.h"
#include "storage_listener.h"

#include <chrono>
#include <map>
#include <thread>

namespace lightbox::app {

namespace {

bool retryable(const Error& e)
{
    // Wrong settings do not get better by waiting.
    static const std::set<std::string> permanent = {"rejected", "auth", "config", "bad-peer", "bad-request", "no-service", "move-destination", "tls", "not-found"};
    return !permanent.count(e.code);
}

bool sleepUnlessCancelled(int seconds, const std::atomic<bool>* cancel)
{
    for (int i = 0; i < seconds * 10; ++i) {
        if (cancel && cancel->load()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
}

std::set<std::string> classesOf(const std::vector<Expected>& list)
{
    std::set<std::string> classes;
    for (const Expected& e : list)
        if (!e.sopClass.empty()) classes.insert(e.sopClass);
    return classes;
}

// One retrieve: the steps of retrieve() below, each with one reason to change.
class Retrieval {
public:
    Retrieval(const RetrieveSpec& spec, const std::function<void(const RetrieveProgress&)>& progress, const std::atomic<bool>* cancel)
        : m_spec(spec), m_progress(progress), m_cancel(cancel)
    {
    }
    RetrieveReport run();

private:
    enum class Next { Check, Finish, Stop };  // after an attempt: check what came; finish; stop now
    bool open();
    Next wholeAtOnce(bool& again);
    Next missingOnes(int attempt, bool& again);
    bool transfer(const std::vector<net::RetrieveRequest>& requests, int base);
    Status getOne(const net::RetrieveRequest& r, int base);
    Status moveOne(const net::RetrieveRequest& r, int base);
    Status wadoOne(const net::RetrieveRequest& r, int base);
    bool takeList(int done, bool& again);
    bool allThere() const;
    bool nothingCached() const;
    void finish();
    net::RetrieveRequest wholeRequest() const;
    bool cancelled() const { return m_cancel && m_cancel->load(); }
    bool fail(const Error& e)
    {
        m_rep.errors.push_back(e.message);
        return retryable(e);
    }
    void report(int done, int total, const QString& stage)
    {
        if (m_progress) m_progress({done, total, stage});
    }
    int total(int done, int remaining) const { return m_rep.expected > 0 ? m_rep.expected : remaining >= 0 ? done + remaining : 0; }

    const RetrieveSpec& m_spec;
    const std::function<void(const RetrieveProgress&)>& m_progress;
    const std::atomic<bool>* m_cancel;
    RetrieveReport m_rep;
    std::unique_ptr<storage::Receiver> m_receiver;
    std::unique_ptr<ReceiverSink> m_sink;
    std::unique_ptr<storage::Cache> m_cache;
    std::unique_ptr<net::StorageListener> m_listener;
    bool m_otherListener = false;  // another Lightbox listens on our port: it stores what we move
    std::vector<Expected> m_expected;
};

RetrieveReport Retrieval::run()
{
    if (!open()) return m_rep;
    int delay = 1;
    for (int attempt = 1; attempt <= std::max(1, m_spec.attempts); ++attempt) {
        if (cancelled()) break;
        bool again = true;
        const Next next = m_expected.empty() && attempt == 1 && nothingCached() ? wholeAtOnce(again) : missingOnes(attempt, again);
        if (next == Next::Stop) return m_rep;
        if (next == Next::Finish || cancelled()) break;
        if (auto s = m_receiver->flush(); !s) {
            m_rep.errors.push_back(s.error().message);
            break;  // disk full or index unwritable: stop, nothing half-written stays
        }
        if (allThere() || !again || attempt == m_spec.attempts) break;
        report(0, m_rep.expected,
               QStringLiteral("retrying in %1 s: %2").arg(delay).arg(QString::fromStdString(m_rep.errors.empty() ? "instances missing" : m_rep.errors.back())));
        if (!sleepUnlessCancelled(delay, m_cancel)) break;
        delay = std::min(delay * 2, 30);
    }
    finish();
    return m_rep;
}

bool Retrieval::open()
{
    auto receiver = storage::Receiver::open(m_spec.cacheDir.toStdString(), "retrieve:" + m_spec.archive.name.toStdString());
    if (!receiver) {
        m_rep.errors.push_back("the cache cannot be opened: " + receiver.error().message);
        return false;
    }
    m_receiver = std::move(*receiver);
    m_sink = std::make_unique<ReceiverSink>(*m_receiver, m_spec.maxBytesPerSecond);
    auto cache = storage::Cache::open(m_spec.cacheDir.toStdString());
    if (!cache) {
        m_rep.errors.push_back(cache.error().message);
        return false;
    }
    m_cache = std::move(*cache);
    return true;
}

net::RetrieveRequest Retrieval::wholeRequest() const
{
    net::RetrieveRequest r;
    r.studyUid = m_spec.studyUid;
    if (!m_spec.seriesUids.empty()) {
        r.level = net::QueryLevel::Series;
        r.seriesUids = m_spec.seriesUids;
    }
    return r;
}

// Nothing of it here yet: the whole study (or the series) at once. If the archive then says it
// holds exactly as many instances as arrived (all new, all distinct), it is complete without
// listing every instance, a slow query on many archives; otherwise the list decides.
Retrieval::Next Retrieval::wholeAtOnce(bool& again)
{
    report(0, 0, "retrieving");
    const ArchiveSummary summary = summarizeHoldings(m_spec, m_cancel);
    m_rep.expected = std::max(0, summary.instances);
    net::RetrieveRequest r = wholeRequest();
    std::set<std::string> classes = summary.classes;
    if (m_spec.method == RetrieveMethod::Get && classes.empty()) {
        // C-GET must propose the SOP classes before the first image: list first.
        auto listed = listInstances(m_spec, m_cancel);
        if (listed) classes = classesOf(*listed);
        else again = fail(listed.error());
    }
    r.sopClasses.assign(classes.begin(), classes.end());
    if (m_spec.method != RetrieveMethod::Get || !classes.empty()) again = transfer({r}, 0) && again;
    if (cancelled()) return Next::Finish;
    if (auto st = m_receiver->flush(); !st) {
        m_rep.errors.push_back(st.error().message);
        return Next::Finish;
    }
    const std::size_t arrived = m_receiver->receivedOf(m_spec.studyUid, m_spec.seriesUids);
    if (summary.instances > 0 && arrived == std::size_t(summary.instances) && !m_otherListener) {
        m_rep.expected = summary.instances;
        m_rep.countedComplete = true;
        return Next::Finish;
    }
    return takeList(int(arrived), again) ? Next::Check : Next::Stop;
}

// The instances the archive lists that the cache lacks: whole series where none of a series is
// here, else the missing instances one by one.
Retrieval::Next Retrieval::missingOnes(int attempt, bool& again)
{
    if (m_expected.empty() && !takeList(0, again)) return Next::Stop;
    if (m_expected.empty()) return Next::Check;
    m_receiver->flush();
    std::map<std::string, std::vector<const Expected*>> missingBySeries;
    std::map<std::string, int> perSeries;
    int present = 0;
    for (const Expected& e : m_expected) {
        ++perSeries[e.series];
        if (m_cache->index().hasInstance(e.sop)) ++present;
        else missingBySeries[e.series].push_back(&e);
    }
    if (attempt == 1) m_rep.alreadyCached = present;
    if (missingBySeries.empty()) return Next::Finish;
    report(present, m_rep.expected, attempt == 1 ? QStringLiteral("retrieving") : QStringLiteral("retrieving (attempt %1)").arg(attempt));
    std::vector<net::RetrieveRequest> requests;
    net::RetrieveRequest seriesLevel;
    seriesLevel.level = net::QueryLevel::Series;
    seriesLevel.studyUid = m_spec.studyUid;
    for (const auto& [series, list] : missingBySeries) {
        if (int(list.size()) == perSeries[series]) {
            seriesLevel.seriesUids.push_back(series);
            continue;
        }
        net::RetrieveRequest r;
        r.level = net::QueryLevel::Image;
        r.studyUid = m_spec.studyUid;
        r.seriesUids = {series};
        for (const Expected* e : list) r.sopUids.push_back(e->sop);
        requests.push_back(r);
    }
    if (!seriesLevel.seriesUids.empty()) requests.push_back(seriesLevel);
    const std::set<std::string> classes = classesOf(m_expected);
    for (auto& r : requests) r.sopClasses.assign(classes.begin(), classes.end());
    again = transfer(requests, present) && again;
    return Next::Check;
}

// Lists the archive's instances; false when it lists none (nothing to retrieve).
bool Retrieval::takeList(int done, bool& again)
{
    report(done, m_rep.expected, "listing");
    auto listed = listInstances(m_spec, m_cancel);
    if (!listed) {
        again = fail(listed.error()) && again;
    } else if (listed->empty()) {
        m_rep.errors.push_back("the archive lists no instance for this study" + std::string(m_spec.seriesUids.empty() ? "" : " and series"));
        return false;
    } else {
        m_expected = std::move(*listed);
        m_rep.expected = int(m_expected.size());
    }
    return true;
}

// Runs the requests by the chosen method; false when an error is not worth retrying.
bool Retrieval::transfer(const std::vector<net::RetrieveRequest>& requests, int base)
{
    bool again = true;
    for (const net::RetrieveRequest& r : requests) {
        if (cancelled()) break;
        const Status s = m_spec.method == RetrieveMethod::Get ? getOne(r, base) : m_spec.method == RetrieveMethod::Move ? moveOne(r, base) : wadoOne(r, base);
        if (!s) again = fail(s.error()) && again;
    }
    return again;
}

Status Retrieval::getOne(const net::RetrieveRequest& r, int base)
{
    auto got = net::getInstances(m_spec.archive.peer(m_spec.local), r, *m_sink,
                                 [&](const net::RetrieveProgress& p) { report(base + p.received, total(base + p.received, p.remaining), "retrieving"); },
                                 m_cancel);
    if (!got) return got.error();
    return Done{};
}

Status Retrieval::moveOne(const net::RetrieveRequest& r, int base)
{
    if (!m_listener && !m_otherListener) {
        // Only the archive asked may call, and only to send what was asked for.
        net::ListenerOptions lo;
        lo.aeTitle = m_spec.local.aeTitle.toStdString();
        lo.port = m_spec.local.port;
        net::ListenerPeer archive;
        archive.name = m_spec.archive.name.toStdString();
        archive.aeTitle = m_spec.archive.aeTitle.toStdString();
        archive.hosts.push_back(m_spec.archive.host.toStdString());
        for (const QString& h : m_spec.archive.fromHosts) archive.hosts.push_back(h.toStdString());
        archive.echo = false;
        lo.peers = {archive};
        m_listener = std::make_unique<net::StorageListener>(lo, *m_sink);
        if (!m_listener->start()) {
            // Another Lightbox (the GUI) listens there: it stores into the same cache.
            m_listener.reset();
            m_otherListener = true;
        }
    }
    auto moved = net::moveInstances(m_spec.archive.peer(m_spec.local), r, m_spec.local.aeTitle.toStdString(),
                                    [&](const net::RetrieveProgress& p) { report(base + p.completed, total(base + p.completed, p.remaining), "retrieving"); },
                                    m_cancel);
    if (!moved) return moved.error();
    return Done{};
}

Status Retrieval::wadoOne(const net::RetrieveRequest& r, int base)
{
    std::vector<std::string> paths;
    if (r.level == net::QueryLevel::Study) paths.push_back("studies/" + r.studyUid);
    else if (r.level == net::QueryLevel::Series)
        for (const auto& s : r.seriesUids) paths.push_back("studies/" + r.studyUid + "/series/" + s);
    else
        for (const auto& sop : r.sopUids) paths.push_back("studies/" + r.studyUid + "/series/" + r.seriesUids.front() + "/instances/" + sop);
    int received = 0;
    for (const auto& path : paths) {
        if (cancelled()) break;
        auto got = net::wadoRetrieve(m_spec.archive.web(), path, *m_sink,
                                     [&](const net::WadoProgress& p) { report(base + received + p.instances, m_rep.expected, "retrieving"); }, m_cancel);
        if (!got) return got.error();  // the rest of this request is not worth asking now
        received += got->instances;
    }
    return Done{};
}

// True when the cache holds no instance of the study (or of the requested series).
bool Retrieval::nothingCached() const
{
    if (m_spec.seriesUids.empty()) return m_cache->index().instancesOfStudy(m_spec.studyUid).empty();
    for (const std::string& s : m_spec.seriesUids)
        if (!m_cache->index().instancesOfSeries(s).empty()) return false;
    return true;
}

bool Retrieval::allThere() const
{
    if (m_expected.empty()) return false;
    for (const Expected& e : m_expected)
        if (!m_cache->index().hasInstance(e.sop)) return false;
    return true;
}

// What is missing at the end; instances stored by another process's listener may still be on
// their way into the index.
void Retrieval::finish()
{
    if (m_listener) m_listener->stop();
    m_receiver->flush();
    m_rep.cancelled = cancelled();
    report(0, m_rep.expected, "checking");
    for (int wait = 0; wait < (m_otherListener ? 100 : 1) && !m_rep.countedComplete; ++wait) {
        m_rep.missing.clear();
        for (const Expected& e : m_expected)
            if (!m_cache->index().hasInstance(e.sop)) m_rep.missing.push_back(e.sop);
        if (m_rep.missing.empty() || m_rep.cancelled) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (m_rep.countedComplete) m_rep.received = m_rep.expected;
    else if (!m_expected.empty()) m_rep.received = m_rep.expected - m_rep.alreadyCached - int(m_rep.missing.size());
    else m_rep.received = int(m_receiver->receivedOf(m_spec.studyUid, m_spec.seriesUids));  // the archive's list could not be had
    report(m_rep.expected - m_rep.missingCount(), m_rep.expected, m_rep.complete() ? "complete" : "incomplete");
}

}  // namespace

QString methodName(RetrieveMethod m)
{
    return m == RetrieveMethod::Move ? "move" : m == RetrieveMethod::Get ? "get" : "wado";
}

RetrieveReport retrieve(const RetrieveSpec& spec, const std::function<void(const RetrieveProgress&)>& progress, const std::atomic<bool>* cancel)
{
    const auto auditor = security::currentAuditor();
    if (auditor) {
        if (Status allowed = auditor->require(security::Permission::Import, "retrieve " + spec.studyUid); !allowed) {
            RetrieveReport refused;
            refused.errors.push_back(allowed.error().message);
            return refused;
        }
        auditor->transferStarted(false, peerFacts(spec.archive), cachedStudyFacts(spec.cacheDir, spec.studyUid));
    }
    RetrieveReport report = Retrieval(spec, progress, cancel).run();
    if (auditor) {
        const Status outcome = report.complete() ? Status(Done{})
                                                 : Status(makeError("incomplete", report.cancelled ? "cancelled" : std::to_string(report.missingCount()) + " instance(s) missing"));
        auditor->transferred(false, peerFacts(spec.archive), cachedStudyFacts(spec.cacheDir, spec.studyUid), outcome);
    }
    return report;
}

}  // namespace lightbox::app
