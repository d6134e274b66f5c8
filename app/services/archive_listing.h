#pragma once
// What an archive holds of a study (or of some of its series), for a retrieve: the full list of
// its instances, or a cheap summary (how many, and by DIMSE which SOP classes).
#include "archive_ops.h"

#include <set>
#include <string>
#include <vector>

namespace lightbox::app {

struct Expected {
    std::string sop, series, sopClass;
};

// The instances the archive holds for the request (C-FIND at image level, or QIDO-RS).
Result<std::vector<Expected>> listInstances(const RetrieveSpec& spec, const std::atomic<bool>* cancel);

// Whether the archive holds the instance: C-FIND at image level, or QIDO-RS when `web` is asked
// for or the archive has DICOMweb only. An error when the archive cannot be asked.
Result<bool> archiveHolds(const ArchiveEntry& archive, const LocalNode& local, const std::string& studyUid, const std::string& seriesUid,
                          const std::string& sopUid, bool web, const std::atomic<bool>* cancel = nullptr);

// The body parts (Body Part Examined) of a study's series, as the archive lists them (C-FIND at
// series level, or QIDO-RS); empty when no series says.
Result<std::set<std::string>> seriesBodyParts(const ArchiveEntry& archive, const LocalNode& local, const std::string& studyUid,
                                              const std::atomic<bool>* cancel = nullptr);

// What the archive says about the study (or the requested series) in one cheap query: how many
// instances it holds (-1: not said) and, by DIMSE, its SOP classes (which C-GET must propose).
struct ArchiveSummary {
    int instances = -1;
    std::set<std::string> classes;
};
ArchiveSummary summarizeHoldings(const RetrieveSpec& spec, const std::atomic<bool>* cancel);

}  // namespace lightbox::app
