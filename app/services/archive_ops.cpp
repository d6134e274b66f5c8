#include "archive_ops.h"

#include "dicomweb_client.h"
#include "dimse_find.h"
#include "dimse_retrieve.h"
#include "dimse_store.h"
#include "receiver.h"
#include "receiver_sink.h"
#include "storage_listener.h"

#include <QStringList>

#include <chrono>
#include <future>
#include <map>
#include <set>
#include <thread>

namespace lightbox::app {

namespace {

bool hasWildcard(const std::string& s) { return s.find_first_of("*?") != std::string::npos; }

std::vector<std::string> split(const std::string& s)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        const std::size_t end = s.find('\\', start);
        std::string v = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!v.empty()) out.push_back(v);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

std::string value(const net::Attributes& a, Tag t)
{
    const auto it = a.find(t);
    return it == a.end() ? std::string() : it->second;
}

storage::StudyRow rowOf(const net::Attributes& a)
{
    storage::StudyRow r;
    r.studyUid = value(a, tags::StudyInstanceUID);
    r.patientName = value(a, tags::PatientName);
    r.patientId = value(a, tags::PatientID);
    r.patientBirthDate = value(a, tags::PatientBirthDate);
    r.patientSex = value(a, tags::PatientSex);
    r.studyDate = value(a, tags::StudyDate);
    r.studyTime = value(a, tags::StudyTime);
    r.accession = value(a, tags::AccessionNumber);
    r.description = value(a, tags::StudyDescription);
    r.referringPhysician = value(a, tags::ReferringPhysicianName);
    r.modalities = split(value(a, tags::ModalitiesInStudy));
    r.seriesCount = std::atoi(value(a, tags::NumberOfStudyRelatedSeries).c_str());
    r.instanceCount = std::atoi(value(a, tags::NumberOfStudyRelatedInstances).c_str());
    return r;
}

std::string dateRange(const storage::StudyQuery& q)
{
    if (q.fromDate.empty() && q.toDate.empty()) return {};
    if (q.fromDate == q.toDate) return q.fromDate;
    return q.fromDate + "-" + q.toDate;
}

}  // namespace

QString methodName(RetrieveMethod m)
{
    return m == RetrieveMethod::Move ? "move" : m == RetrieveMethod::Get ? "get" : "wado";
}

Result<std::vector<RemoteStudy>> findRemoteStudies(const ArchiveEntry& archive, const LocalNode& local, const storage::StudyQuery& query,
                                                   const QString& cacheDir, const std::atomic<bool>* cancel)
{
    std::string name = query.patientName;
    if (!name.empty() && !hasWildcard(name)) name += "*";
    std::string description = query.description;
    if (!description.empty() && !hasWildcard(description)) description = "*" + description + "*";
    std::vector<net::Attributes> found;
    if (archive.hasDimse()) {
        net::FindQuery f;
        f.level = net::QueryLevel::Study;
        f.model = net::QueryModel::StudyRoot;
        f.limit = query.limit > 0 ? std::size_t(query.limit) : 0;
        f.keys = {{tags::StudyInstanceUID, query.studyUid},     {tags::PatientName, name},
                  {tags::PatientID, query.patientId},           {tags::AccessionNumber, query.accession},
                  {tags::ModalitiesInStudy, query.modality},    {tags::StudyDate, dateRange(query)},
                  {tags::StudyDescription, description},        {tags::PatientBirthDate, ""},
                  {tags::PatientSex, ""},                       {tags::StudyTime, ""},
                  {tags::ReferringPhysicianName, ""},           {tags::NumberOfStudyRelatedSeries, ""},
                  {tags::NumberOfStudyRelatedInstances, ""}};
        auto r = net::find(archive.peer(local), f, {}, cancel);
        if (!r) return r.error();
        found = std::move(r->results);
    } else if (archive.hasWeb()) {
        net::QueryParams p;
        auto add = [&](const char* k, const std::string& v) {
            if (!v.empty()) p.push_back({k, v});
        };
        add("StudyInstanceUID", query.studyUid);
        add("PatientName", name);
        add("PatientID", query.patientId);
        add("AccessionNumber", query.accession);
        add("ModalitiesInStudy", query.modality);
        add("StudyDate", dateRange(query));
        add("StudyDescription", description);
        if (query.limit > 0) p.push_back({"limit", std::to_string(query.limit)});
        for (const char* f : {"PatientBirthDate", "PatientSex", "ReferringPhysicianName", "NumberOfStudyRelatedSeries", "NumberOfStudyRelatedInstances",
                              "ModalitiesInStudy", "StudyDescription"})
            p.push_back({"includefield", f});
        auto r = net::qido(archive.web(), "studies", p, cancel);
        if (!r) return r.error();
        found = std::move(*r);
    } else {
        return makeError("config", "archive " + archive.name.toStdString() + " has neither DIMSE nor DICOMweb settings");
    }
    std::vector<RemoteStudy> out;
    auto cache = storage::Cache::open(cacheDir.toStdString());
    for (const net::Attributes& a : found) {
        RemoteStudy s;
        s.row = rowOf(a);
        if (cache)
            if (auto local = (*cache)->index().study(s.row.studyUid)) s.cachedInstances = local->instanceCount;
        out.push_back(std::move(s));
    }
    return out;
}

namespace {

struct Expected {
    std::string sop, series, sopClass;
};

// The instances the archive holds for the request.
Result<std::vector<Expected>> listInstances(const RetrieveSpec& spec, const std::atomic<bool>* cancel)
{
    std::vector<Expected> out;
    auto join = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : "\\") + x;
        return s;
    };
    if (spec.method != RetrieveMethod::Wado && spec.archive.hasDimse()) {
        net::FindQuery q;
        q.level = net::QueryLevel::Image;
        q.keys = {{tags::StudyInstanceUID, spec.studyUid}, {tags::SeriesInstanceUID, join(spec.seriesUids)}, {tags::SOPInstanceUID, ""}, {tags::SOPClassUID, ""}};
        auto r = net::find(spec.archive.peer(spec.local), q, {}, cancel);
        if (!r) return r.error();
        for (const auto& a : r->results) out.push_back({value(a, tags::SOPInstanceUID), value(a, tags::SeriesInstanceUID), value(a, tags::SOPClassUID)});
        return out;
    }
    if (!spec.archive.hasWeb()) return makeError("config", "archive " + spec.archive.name.toStdString() + " has no DICOMweb URL for WADO-RS");
    std::vector<std::string> paths;
    if (spec.seriesUids.empty()) paths.push_back("studies/" + spec.studyUid + "/instances");
    for (const auto& s : spec.seriesUids) paths.push_back("studies/" + spec.studyUid + "/series/" + s + "/instances");
    for (const auto& path : paths) {
        auto r = net::qido(spec.archive.web(), path, {{"includefield", "00080016"}, {"includefield", "0020000E"}}, cancel);
        if (!r) return r.error();
        for (const auto& a : *r) out.push_back({value(a, tags::SOPInstanceUID), value(a, tags::SeriesInstanceUID), value(a, tags::SOPClassUID)});
    }
    return out;
}

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

// True when the cache holds no instance of the study (or of the requested series).
bool nothingCached(storage::Cache& cache, const RetrieveSpec& spec)
{
    if (spec.seriesUids.empty()) return cache.index().instancesOfStudy(spec.studyUid).empty();
    for (const std::string& s : spec.seriesUids)
        if (!cache.index().instancesOfSeries(s).empty()) return false;
    return true;
}

// What the archive says about the study (or the requested series) in one cheap query: how many
// instances it holds (-1: not said) and, by DIMSE, its SOP classes (which C-GET must propose).
struct ArchiveSummary {
    int instances = -1;
    std::set<std::string> classes;
};

int count(const std::string& v)
{
    if (v.empty() || v.find_first_not_of("0123456789 ") != std::string::npos) return -1;
    return std::atoi(v.c_str());
}

ArchiveSummary summarize(const RetrieveSpec& spec, const std::atomic<bool>* cancel)
{
    ArchiveSummary out;
    const std::set<std::string> wanted(spec.seriesUids.begin(), spec.seriesUids.end());
    auto addSeriesCounts = [&](const std::vector<net::Attributes>& rows) {
        std::map<std::string, int> counts;
        for (const net::Attributes& a : rows)
            if (wanted.count(value(a, tags::SeriesInstanceUID))) counts[value(a, tags::SeriesInstanceUID)] = count(value(a, tags::NumberOfSeriesRelatedInstances));
        int total = 0;
        for (const std::string& s : wanted) {
            auto it = counts.find(s);
            if (it == counts.end() || it->second < 0) return;
            total += it->second;
        }
        out.instances = total;
    };
    if (spec.method != RetrieveMethod::Wado && spec.archive.hasDimse()) {
        net::FindQuery q;
        q.level = net::QueryLevel::Study;
        q.keys = {{tags::StudyInstanceUID, spec.studyUid}, {tags::SOPClassesInStudy, ""}, {tags::NumberOfStudyRelatedInstances, ""}};
        auto r = net::find(spec.archive.peer(spec.local), q, {}, cancel);
        if (r && r->results.size() == 1) {
            for (const std::string& c : split(value(r->results.front(), tags::SOPClassesInStudy))) out.classes.insert(c);
            if (wanted.empty()) out.instances = count(value(r->results.front(), tags::NumberOfStudyRelatedInstances));
        }
        if (!wanted.empty()) {
            net::FindQuery sq;
            sq.level = net::QueryLevel::Series;
            std::string list;
            for (const std::string& s : wanted) list += (list.empty() ? "" : "\\") + s;
            sq.keys = {{tags::StudyInstanceUID, spec.studyUid}, {tags::SeriesInstanceUID, list}, {tags::NumberOfSeriesRelatedInstances, ""}};
            if (auto sr = net::find(spec.archive.peer(spec.local), sq, {}, cancel); sr) addSeriesCounts(sr->results);
        }
    } else if (spec.archive.hasWeb()) {
        if (wanted.empty()) {
            auto r = net::qido(spec.archive.web(), "studies", {{"StudyInstanceUID", spec.studyUid}, {"includefield", "00201208"}}, cancel);
            if (r && r->size() == 1) out.instances = count(value(r->front(), tags::NumberOfStudyRelatedInstances));
        } else if (auto r = net::qido(spec.archive.web(), "studies/" + spec.studyUid + "/series", {{"includefield", "00201209"}}, cancel); r) {
            addSeriesCounts(*r);
        }
    }
    return out;
}

}  // namespace

RetrieveReport retrieve(const RetrieveSpec& spec, const std::function<void(const RetrieveProgress&)>& progress, const std::atomic<bool>* cancel)
{
    RetrieveReport rep;
    auto report = [&](int done, int total, const QString& stage) {
        if (progress) progress({done, total, stage});
    };
    auto opened = storage::Receiver::open(spec.cacheDir.toStdString(), "retrieve:" + spec.archive.name.toStdString());
    if (!opened) {
        rep.errors.push_back("the cache cannot be opened: " + opened.error().message);
        return rep;
    }
    std::unique_ptr<storage::Receiver> receiver = std::move(*opened);
    ReceiverSink sink(*receiver);
    auto cache = storage::Cache::open(spec.cacheDir.toStdString());
    if (!cache) {
        rep.errors.push_back(cache.error().message);
        return rep;
    }
    std::unique_ptr<net::StorageListener> listener;
    bool otherListener = false;
    auto fail = [&](const Error& e) {
        rep.errors.push_back(e.message);
        return retryable(e);
    };

    // Runs retrieve requests by the chosen method; false when an error is not worth retrying.
    auto transfer = [&](const std::vector<net::RetrieveRequest>& requests, int base) {
        bool again = true;
        for (const net::RetrieveRequest& r : requests) {
            if (cancel && cancel->load()) break;
            auto total = [&](int done, int remaining) { return rep.expected > 0 ? rep.expected : remaining >= 0 ? done + remaining : 0; };
            if (spec.method == RetrieveMethod::Get) {
                auto got = net::getInstances(spec.archive.peer(spec.local), r, sink,
                                             [&](const net::RetrieveProgress& p) {
                                                 report(base + p.received, total(base + p.received, p.remaining), "retrieving");
                                             },
                                             cancel);
                if (!got) again = fail(got.error()) && again;
            } else if (spec.method == RetrieveMethod::Move) {
                if (!listener && !otherListener) {
                    net::ListenerOptions lo;
                    lo.aeTitle = spec.local.aeTitle.toStdString();
                    lo.port = spec.local.port;
                    listener = std::make_unique<net::StorageListener>(lo, sink);
                    if (!listener->start()) {
                        // Another Lightbox (the GUI) listens there: it stores into the same cache.
                        listener.reset();
                        otherListener = true;
                    }
                }
                auto moved = net::moveInstances(spec.archive.peer(spec.local), r, spec.local.aeTitle.toStdString(),
                                                [&](const net::RetrieveProgress& p) {
                                                    report(base + p.completed, total(base + p.completed, p.remaining), "retrieving");
                                                },
                                                cancel);
                if (!moved) again = fail(moved.error()) && again;
            } else {
                std::vector<std::string> paths;
                if (r.level == net::QueryLevel::Study) paths.push_back("studies/" + r.studyUid);
                else if (r.level == net::QueryLevel::Series)
                    for (const auto& s : r.seriesUids) paths.push_back("studies/" + r.studyUid + "/series/" + s);
                else
                    for (const auto& sop : r.sopUids) paths.push_back("studies/" + r.studyUid + "/series/" + r.seriesUids.front() + "/instances/" + sop);
                int received = 0;
                for (const auto& path : paths) {
                    if (cancel && cancel->load()) break;
                    auto got = net::wadoRetrieve(spec.archive.web(), path, sink,
                                                 [&](const net::WadoProgress& p) { report(base + received + p.instances, rep.expected, "retrieving"); }, cancel);
                    if (!got) {
                        again = fail(got.error()) && again;
                        break;
                    }
                    received += got->instances;
                }
            }
        }
        return again;
    };
    auto wholeRequest = [&] {
        net::RetrieveRequest r;
        r.studyUid = spec.studyUid;
        if (!spec.seriesUids.empty()) {
            r.level = net::QueryLevel::Series;
            r.seriesUids = spec.seriesUids;
        }
        return r;
    };
    auto classesOf = [](const std::vector<Expected>& list) {
        std::set<std::string> classes;
        for (const Expected& e : list)
            if (!e.sopClass.empty()) classes.insert(e.sopClass);
        return classes;
    };

    std::vector<Expected> expected;
    // Lists the archive's instances into `expected`; false when it lists none (nothing to retrieve).
    auto takeList = [&](int done, bool& again) {
        report(done, rep.expected, "listing");
        auto listed = listInstances(spec, cancel);
        if (!listed) {
            again = fail(listed.error()) && again;
        } else if (listed->empty()) {
            rep.errors.push_back("the archive lists no instance for this study" + std::string(spec.seriesUids.empty() ? "" : " and series"));
            return false;
        } else {
            expected = std::move(*listed);
            rep.expected = int(expected.size());
        }
        return true;
    };
    int delay = 1;
    for (int attempt = 1; attempt <= std::max(1, spec.attempts); ++attempt) {
        if (cancel && cancel->load()) break;
        bool again = true;
        if (expected.empty() && attempt == 1 && nothingCached(**cache, spec)) {
            // Nothing of it here yet: the whole study (or the series) at once. If the archive then
            // says it holds exactly as many instances as arrived (all new, all distinct), it is complete
            // without listing every instance, a slow query on many archives; otherwise the list decides.
            report(0, 0, "retrieving");
            const ArchiveSummary summary = summarize(spec, cancel);
            rep.expected = std::max(0, summary.instances);
            net::RetrieveRequest r = wholeRequest();
            std::set<std::string> classes = summary.classes;
            if (spec.method == RetrieveMethod::Get && classes.empty()) {
                // C-GET must propose the SOP classes before the first image: list first.
                auto listed = listInstances(spec, cancel);
                if (listed) classes = classesOf(*listed);
                else again = fail(listed.error());
            }
            r.sopClasses.assign(classes.begin(), classes.end());
            if (spec.method != RetrieveMethod::Get || !classes.empty()) again = transfer({r}, 0) && again;
            if (cancel && cancel->load()) break;
            if (auto st = receiver->flush(); !st) {
                rep.errors.push_back(st.error().message);
                break;
            }
            const std::size_t arrived = receiver->receivedOf(spec.studyUid, spec.seriesUids);
            if (summary.instances > 0 && arrived == std::size_t(summary.instances) && !otherListener) {
                rep.expected = summary.instances;
                rep.countedComplete = true;
                break;
            }
            if (!takeList(int(arrived), again)) return rep;
        } else {
            if (expected.empty() && !takeList(0, again)) return rep;
            if (!expected.empty()) {
                receiver->flush();
                std::map<std::string, std::vector<const Expected*>> missingBySeries;
                std::map<std::string, int> perSeries;
                int present = 0;
                for (const Expected& e : expected) {
                    ++perSeries[e.series];
                    if ((*cache)->index().hasInstance(e.sop)) ++present;
                    else missingBySeries[e.series].push_back(&e);
                }
                if (attempt == 1) rep.alreadyCached = present;
                if (missingBySeries.empty()) break;
                report(present, rep.expected, attempt == 1 ? "retrieving" : QStringLiteral("retrieving (attempt %1)").arg(attempt));
                // As few requests as the cache allows: whole series, or the missing instances.
                std::vector<net::RetrieveRequest> requests;
                net::RetrieveRequest seriesLevel;
                seriesLevel.level = net::QueryLevel::Series;
                seriesLevel.studyUid = spec.studyUid;
                for (const auto& [series, list] : missingBySeries) {
                    if (int(list.size()) == perSeries[series]) {
                        seriesLevel.seriesUids.push_back(series);
                        continue;
                    }
                    net::RetrieveRequest r;
                    r.level = net::QueryLevel::Image;
                    r.studyUid = spec.studyUid;
                    r.seriesUids = {series};
                    for (const Expected* e : list) r.sopUids.push_back(e->sop);
                    requests.push_back(r);
                }
                if (!seriesLevel.seriesUids.empty()) requests.push_back(seriesLevel);
                const std::set<std::string> classes = classesOf(expected);
                for (auto& r : requests) r.sopClasses.assign(classes.begin(), classes.end());
                again = transfer(requests, present) && again;
            }
        }
        if (cancel && cancel->load()) break;
        if (auto s = receiver->flush(); !s) {
            rep.errors.push_back(s.error().message);
            break;  // disk full or index unwritable: stop, nothing half-written stays
        }
        bool allThere = !expected.empty();
        for (const Expected& e : expected)
            if (!(*cache)->index().hasInstance(e.sop)) allThere = false;
        if (allThere || !again || attempt == spec.attempts) break;
        report(0, rep.expected, QStringLiteral("retrying in %1 s: %2").arg(delay).arg(QString::fromStdString(rep.errors.empty() ? "instances missing" : rep.errors.back())));
        if (!sleepUnlessCancelled(delay, cancel)) break;
        delay = std::min(delay * 2, 30);
    }
    if (listener) listener->stop();
    receiver->flush();
    rep.cancelled = cancel && cancel->load();
    // Instances stored by another process's listener may still be on their way into the index.
    report(0, rep.expected, "checking");
    for (int wait = 0; wait < (otherListener ? 100 : 1) && !rep.countedComplete; ++wait) {
        rep.missing.clear();
        for (const Expected& e : expected)
            if (!(*cache)->index().hasInstance(e.sop)) rep.missing.push_back(e.sop);
        if (rep.missing.empty() || rep.cancelled) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (rep.countedComplete) rep.received = rep.expected;
    else if (!expected.empty()) rep.received = rep.expected - rep.alreadyCached - int(rep.missing.size());
    else rep.received = int(receiver->receivedOf(spec.studyUid, spec.seriesUids));  // the archive's list could not be had
    report(rep.expected - rep.missingCount(), rep.expected, rep.complete() ? "complete" : "incomplete");
    return rep;
}

SendReport sendStudy(const ArchiveEntry& archive, const LocalNode& local, const QString& cacheDir, const std::string& studyUid, bool useStow,
                     const std::function<void(int, int)>& progress, const std::atomic<bool>* cancel)
{
    SendReport rep;
    auto cache = storage::Cache::open(cacheDir.toStdString());
    if (!cache) {
        rep.error = QString::fromStdString(cache.error().message);
        return rep;
    }
    std::vector<std::string> files;
    for (const auto& [path, row] : (*cache)->studyFiles(studyUid)) files.push_back(path);
    rep.files = int(files.size());
    if (files.empty()) {
        rep.error = "the study is not in the cache";
        return rep;
    }
    if (!useStow && archive.hasDimse()) {
        auto r = net::sendFiles(archive.peer(local), files, progress, cancel);
        if (!r) {
            rep.error = QString::fromStdString(r.error().message);
            return rep;
        }
        rep.sent = r->sent;
        rep.cancelled = r->cancelled;
        for (const auto& f : r->failed) rep.failed.push_back(f.file + ": " + f.reason);
        return rep;
    }
    if (!archive.hasWeb()) {
        rep.error = "archive " + archive.name + " has no DICOMweb URL for STOW-RS";
        return rep;
    }
    auto r = net::stow(archive.web(), files, [&](std::uint64_t sent, std::uint64_t total) {
        if (progress && total) progress(int(double(sent) / double(total) * rep.files), rep.files);
    }, cancel);
    if (!r) {
        rep.error = QString::fromStdString(r.error().message);
        rep.cancelled = r.error().code == "cancelled";
        return rep;
    }
    rep.sent = r->stored;
    for (const auto& [sop, why] : r->failed) rep.failed.push_back(sop + ": " + why);
    return rep;
}

}  // namespace lightbox::app
