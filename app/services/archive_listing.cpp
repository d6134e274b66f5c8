#include "archive_listing.h"

#include "archive_answers.h"
#include "dimse_find.h"

#include <map>

namespace lightbox::app {

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
        for (const auto& a : r->results) out.push_back({answer(a, tags::SOPInstanceUID), answer(a, tags::SeriesInstanceUID), answer(a, tags::SOPClassUID)});
        return out;
    }
    if (!spec.archive.hasWeb()) return makeError("config", "archive " + spec.archive.name.toStdString() + " has no DICOMweb URL for WADO-RS");
    std::vector<std::string> paths;
    if (spec.seriesUids.empty()) paths.push_back("studies/" + spec.studyUid + "/instances");
    for (const auto& s : spec.seriesUids) paths.push_back("studies/" + spec.studyUid + "/series/" + s + "/instances");
    for (const auto& path : paths) {
        auto r = net::qido(spec.archive.web(), path, {{"includefield", "00080016"}, {"includefield", "0020000E"}}, cancel);
        if (!r) return r.error();
        for (const auto& a : *r) out.push_back({answer(a, tags::SOPInstanceUID), answer(a, tags::SeriesInstanceUID), answer(a, tags::SOPClassUID)});
    }
    return out;
}

Result<bool> archiveHolds(const ArchiveEntry& archive, const LocalNode& local, const std::string& studyUid, const std::string& seriesUid,
                          const std::string& sopUid, bool web, const std::atomic<bool>* cancel)
{
    if (!web && archive.hasDimse()) {
        net::FindQuery q;
        q.level = net::QueryLevel::Image;
        q.keys = {{tags::StudyInstanceUID, studyUid}, {tags::SeriesInstanceUID, seriesUid}, {tags::SOPInstanceUID, sopUid}};
        auto r = net::find(archive.peer(local), q, {}, cancel);
        if (!r) return r.error();
        for (const auto& a : r->results)
            if (answer(a, tags::SOPInstanceUID) == sopUid) return true;
        return false;
    }
    if (!archive.hasWeb()) return makeError("config", "archive " + archive.name.toStdString() + " has no DICOMweb URL for QIDO-RS");
    auto r = net::qido(archive.web(), "studies/" + studyUid + "/series/" + seriesUid + "/instances", {{"SOPInstanceUID", sopUid}}, cancel);
    if (!r && r.error().code == "not-found") return false;  // some servers say 404 for a study they do not hold
    if (!r) return r.error();
    for (const auto& a : *r)
        if (answer(a, tags::SOPInstanceUID) == sopUid) return true;
    return false;
}

Result<std::set<std::string>> seriesBodyParts(const ArchiveEntry& archive, const LocalNode& local, const std::string& studyUid,
                                              const std::atomic<bool>* cancel)
{
    std::vector<net::Attributes> rows;
    if (archive.hasDimse()) {
        net::FindQuery q;
        q.level = net::QueryLevel::Series;
        q.keys = {{tags::StudyInstanceUID, studyUid}, {tags::SeriesInstanceUID, ""}, {tags::BodyPartExamined, ""}};
        auto r = net::find(archive.peer(local), q, {}, cancel);
        if (!r) return r.error();
        rows = std::move(r->results);
    } else if (archive.hasWeb()) {
        auto r = net::qido(archive.web(), "studies/" + studyUid + "/series", {{"includefield", "00180015"}}, cancel);
        if (!r) return r.error();
        rows = std::move(*r);
    } else {
        return makeError("config", "archive " + archive.name.toStdString() + " has neither DIMSE nor DICOMweb settings");
    }
    std::set<std::string> out;
    for (const net::Attributes& a : rows)
        for (const std::string& part : splitValues(answer(a, tags::BodyPartExamined))) out.insert(part);
    return out;
}

ArchiveSummary summarizeHoldings(const RetrieveSpec& spec, const std::atomic<bool>* cancel)
{
    ArchiveSummary out;
    const std::set<std::string> wanted(spec.seriesUids.begin(), spec.seriesUids.end());
    auto addSeriesCounts = [&](const std::vector<net::Attributes>& rows) {
        std::map<std::string, int> counts;
        for (const net::Attributes& a : rows)
            if (wanted.count(answer(a, tags::SeriesInstanceUID))) counts[answer(a, tags::SeriesInstanceUID)] = answerCount(answer(a, tags::NumberOfSeriesRelatedInstances));
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
            for (const std::string& c : splitValues(answer(r->results.front(), tags::SOPClassesInStudy))) out.classes.insert(c);
            if (wanted.empty()) out.instances = answerCount(answer(r->results.front(), tags::NumberOfStudyRelatedInstances));
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
            if (r && r->size() == 1) out.instances = answerCount(answer(r->front(), tags::NumberOfStudyRelatedInstances));
        } else if (auto r = net::qido(spec.archive.web(), "studies/" + spec.studyUid + "/series", {{"includefield", "00201209"}}, cancel); r) {
            addSeriesCounts(*r);
        }
    }
    return out;
}

}  // namespace lightbox::app
