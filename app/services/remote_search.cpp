// Searching an archive with the cache's filters: C-FIND (study root) when the archive has DIMSE
// settings, else QIDO-RS; each study marked with how much of it the cache holds.
#include "archive_ops.h"

#include "audit_facts.h"

#include "archive_answers.h"
#include "dimse_find.h"

#include <cstdlib>

namespace lightbox::app {

namespace {

bool hasWildcard(const std::string& s) { return s.find_first_of("*?") != std::string::npos; }

storage::StudyRow rowOf(const net::Attributes& a)
{
    storage::StudyRow r;
    r.studyUid = answer(a, tags::StudyInstanceUID);
    r.patientName = answer(a, tags::PatientName);
    r.patientId = answer(a, tags::PatientID);
    r.patientBirthDate = answer(a, tags::PatientBirthDate);
    r.patientSex = answer(a, tags::PatientSex);
    r.studyDate = answer(a, tags::StudyDate);
    r.studyTime = answer(a, tags::StudyTime);
    r.accession = answer(a, tags::AccessionNumber);
    r.description = answer(a, tags::StudyDescription);
    r.referringPhysician = answer(a, tags::ReferringPhysicianName);
    r.modalities = splitValues(answer(a, tags::ModalitiesInStudy));
    r.seriesCount = std::atoi(answer(a, tags::NumberOfStudyRelatedSeries).c_str());
    r.instanceCount = std::atoi(answer(a, tags::NumberOfStudyRelatedInstances).c_str());
    return r;
}

std::string dateRange(const storage::StudyQuery& q)
{
    if (q.fromDate.empty() && q.toDate.empty()) return {};
    if (q.fromDate == q.toDate) return q.fromDate;
    return q.fromDate + "-" + q.toDate;
}

}  // namespace

namespace {

Result<std::vector<RemoteStudy>> searchArchive(const ArchiveEntry& archive, const LocalNode& local, const storage::StudyQuery& query,
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

}  // namespace

Result<std::vector<RemoteStudy>> findRemoteStudies(const ArchiveEntry& archive, const LocalNode& local, const storage::StudyQuery& query,
                                                   const QString& cacheDir, const std::atomic<bool>* cancel)
{
    auto found = searchArchive(archive, local, query, cacheDir, cancel);
    if (auto auditor = security::currentAuditor())
        auditor->query(peerFacts(archive), describeQuery(query), found ? Status(Done{}) : Status(found.error()));
    return found;
}

}  // namespace lightbox::app
