#pragma once
// Figures of the reading room, from what the work queue and the reading log kept: turnaround per
// study (ordered → arrived → first opened → reported), reading time per reader (from "in
// progress" to "read" or "reported", summed per item), workload per reader and modality, the
// prefetch hit rate (ordered studies whose reader found them already here: arrived whole before
// they were first opened), and QA counts. No widgets; `lightbox stats` and the dashboards print them.
#include "work_queue.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <map>
#include <vector>

namespace lightbox::storage {
class StudyIndex;
}

namespace lightbox::app {

struct StudyTurnaround {
    QString itemKey, accession, patientId, modality, studyUid;
    // ms since the epoch; 0: not (yet) happened or not known
    std::int64_t orderedAt = 0, arrivedAt = 0, firstOpenedAt = 0, reportedAt = 0;
    QString reportedBy;
    bool opened() const { return firstOpenedAt > 0; }
    // Here whole before a reader first opened it (only meaningful when opened()).
    bool prefetchHit() const { return arrivedAt > 0 && arrivedAt <= firstOpenedAt; }
};

struct ReaderFigures {
    QString user;
    int opened = 0, read = 0, reported = 0;
    std::int64_t readingMs = 0;          // summed over their reading sessions
    std::map<QString, int> byModality;   // items read or reported, per modality
};

struct ReadingStats {
    std::int64_t fromMs = 0, toMs = 0;
    std::vector<StudyTurnaround> studies;   // orders received, or items opened, in the period
    std::vector<ReaderFigures> readers;
    int opened = 0, hits = 0;               // prefetch hit rate = hits / opened
    int failedPrefetches = 0, cancelledOrders = 0, studiesWithProblems = 0;  // QA
    // Medians over the studies that have both ends (ms; -1: none).
    std::int64_t medianOrderToArrival = -1, medianArrivalToOpen = -1, medianOpenToReport = -1, medianOrderToReport = -1;
    double hitRate() const { return opened > 0 ? double(hits) / opened : 0.0; }
};

// The figures of [fromMs, toMs). `onlyReader` (not empty): the per-reader figures of that reader
// alone (a radiologist's own dashboard).
ReadingStats computeReadingStats(WorkQueue& queue, storage::StudyIndex& index, std::int64_t fromMs, std::int64_t toMs, const QString& onlyReader = {});

// One row per study (accession, patient ID, modality, study UID, the four times in ISO 8601, who
// reported, prefetch hit), RFC 4180 quoting, CRLF line ends.
QByteArray readingStatsCsv(const ReadingStats& s);

}  // namespace lightbox::app
