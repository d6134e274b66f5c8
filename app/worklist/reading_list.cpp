#include "reading_list.h"

#include "study_index.h"

#include <algorithm>
#include <set>

namespace lightbox::app {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// The order's study in the cache: by its Study Instance UID, else by its accession when exactly
// one cached study has it. `otherPatient` is set when the study found is another patient's (a
// RIS error, or a reused accession): then nothing is this order's to open.
std::optional<storage::StudyRow> cachedStudyOf(const Order& o, storage::StudyIndex& index, bool* otherPatient)
{
    *otherPatient = false;
    storage::StudyQuery query;
    if (!o.studyUid.isEmpty()) query.studyUid = o.studyUid.toStdString();
    // The index reads * and ? as wildcards: such an accession cannot be matched exactly.
    else if (!o.accession.isEmpty() && !o.accession.contains('*') && !o.accession.contains('?')) query.accession = o.accession.toStdString();
    else return std::nullopt;
    query.limit = 2;
    auto rows = index.searchStudies(query);
    // An accession found in two studies names neither for sure: not this order's study.
    if (!rows || rows->size() != 1) return std::nullopt;
    // Never another patient's study.
    if (!o.patientId.isEmpty() && q(rows->front().patientId) != o.patientId) {
        *otherPatient = true;
        return std::nullopt;
    }
    return rows->front();
}

// Where an order's current study is, by the cache and its prefetch tasks.
ItemStatus arrivalStatus(const std::vector<PrefetchTask>& tasks, int cachedInstances)
{
    for (const PrefetchTask& t : tasks) {
        if (t.kind != "current") continue;
        if (t.state == PrefetchTask::State::Running || t.state == PrefetchTask::State::Queued) return ItemStatus::Arriving;
        if (t.state == PrefetchTask::State::Done || t.state == PrefetchTask::State::Skipped) return cachedInstances > 0 ? ItemStatus::Cached : ItemStatus::Scheduled;
        if (t.state == PrefetchTask::State::Failed) return cachedInstances > 0 ? ItemStatus::Arriving : ItemStatus::Scheduled;
    }
    // No retrieve of ours: sent by the modality (or imported); what is here is what came.
    return cachedInstances > 0 ? ItemStatus::Cached : ItemStatus::Scheduled;
}

void applyReading(ReadingItem& item, const std::map<QString, ReadingRecord>& records)
{
    auto it = records.find(item.key);
    // A study read before its order came (the modality sent it first) keeps what was done with
    // it under the order too: never unread again, never read twice.
    if (it == records.end() && item.orderId > 0 && !item.studyUid.isEmpty()) it = records.find(studyItemKey(item.studyUid));
    if (it == records.end()) return;
    const ReadingRecord& r = it->second;
    item.assignedTo = r.assignedTo;
    if (r.state == ReadingState::None) return;
    item.readingUser = r.user;
    if (item.status == ItemStatus::Cancelled) return;
    item.status = r.state == ReadingState::InProgress ? ItemStatus::InProgress : r.state == ReadingState::Read ? ItemStatus::Read : ItemStatus::Reported;
}

bool closed(const ReadingItem& item) { return item.status == ItemStatus::Cancelled || item.status == ItemStatus::Reported; }

}  // namespace

QString itemStatusName(ItemStatus s)
{
    switch (s) {
    case ItemStatus::Scheduled: return "scheduled";
    case ItemStatus::Arriving: return "arriving";
    case ItemStatus::Cached: return "cached";
    case ItemStatus::InProgress: return "in progress";
    case ItemStatus::Read: return "read";
    case ItemStatus::Reported: return "reported";
    case ItemStatus::Cancelled: return "cancelled";
    }
    return {};
}

std::optional<ItemStatus> itemStatusFrom(const QString& name)
{
    for (int i = 0; i <= int(ItemStatus::Cancelled); ++i)
        if (itemStatusName(ItemStatus(i)).compare(name.trimmed(), Qt::CaseInsensitive) == 0) return ItemStatus(i);
    return std::nullopt;
}

int priorityRank(const QString& priority)
{
    const QString p = priority.trimmed().toUpper();
    if (p == "STAT" || p == "S") return 0;
    if (p == "ASAP" || p == "A" || p == "T" || p == "C") return 1;  // HL7 0027: ASAP, timing critical, callback
    if (p == "HIGH" || p == "URGENT" || p == "U") return 2;
    if (p == "LOW") return 4;
    return 3;  // ROUTINE, MEDIUM, R, P (pre-op), none
}

std::vector<ReadingItem> buildReadingList(WorkQueue& queue, storage::StudyIndex& index, const ReadingListOptions& options)
{
    ReadingLog log(queue);
    const auto records = log.records();
    std::vector<ReadingItem> items;
    std::set<QString> claimed;  // studies already an order's (current or prior): not items of their own
    for (const StoredOrder& s : queue.orders(false)) {
        const Order& o = s.order;
        const auto tasks = queue.tasks(s.id);
        for (const PrefetchTask& t : tasks) claimed.insert(t.studyUid);
        bool otherPatient = false;
        const auto study = cachedStudyOf(o, index, &otherPatient);
        // A cancelled order's study is not an item of its own either (not to be read).
        if (study) claimed.insert(q(study->studyUid));
        if (!o.studyUid.isEmpty() && !otherPatient) claimed.insert(o.studyUid);
        if (o.status == Order::Status::Cancelled && !options.includeClosed) continue;
        ReadingItem item;
        item.key = orderItemKey(s.id);
        item.orderId = s.id;
        item.studyUid = o.studyUid;
        item.accession = o.accession;
        item.patientId = o.patientId;
        item.patientName = o.patientName;
        item.sender = o.sender;
        item.placer = o.placer;
        item.birthDate = o.birthDate;
        item.modality = o.modality;
        item.procedure = o.procedureText;
        item.priority = o.priority;
        item.scheduled = o.scheduled;
        if (otherPatient) item.studyUid.clear();  // the UID the RIS gave is another patient's study here
        if (study) {
            item.studyUid = q(study->studyUid);
            item.cachedInstances = study->instanceCount;
            if (item.patientName.isEmpty()) item.patientName = q(study->patientName);  // an order made by hand may lack it
            if (study->arrivedAt > 0) item.arrived = QDateTime::fromMSecsSinceEpoch(study->arrivedAt);
        }
        item.status = o.status == Order::Status::Cancelled ? ItemStatus::Cancelled : arrivalStatus(tasks, item.cachedInstances);
        for (const PrefetchTask& t : tasks) {
            if (t.kind != "prior") continue;
            ++item.priorsPlanned;
            item.priorsCached += t.state == PrefetchTask::State::Done || t.state == PrefetchTask::State::Skipped;
        }
        applyReading(item, records);
        if (!closed(item) || options.includeClosed) items.push_back(std::move(item));
    }
    // Studies that arrived without an order (pushed by a modality, or from a RIS that sends none).
    storage::StudyQuery recent;
    recent.sort = storage::StudyQuery::Sort::Arrived;
    recent.fromDate = options.now.date().addDays(-options.studyWithinDays).toString("yyyyMMdd").toStdString();
    recent.limit = 500;
    const std::int64_t since = options.now.toMSecsSinceEpoch() - std::int64_t(options.arrivedWithinHours) * 3600 * 1000;
    if (auto rows = index.searchStudies(recent)) {
        for (const storage::StudyRow& r : *rows) {
            if (r.arrivedAt < since) break;  // newest first
            const QString uid = q(r.studyUid);
            if (claimed.count(uid)) continue;
            ReadingItem item;
            item.key = studyItemKey(uid);
            item.studyUid = uid;
            item.accession = q(r.accession);
            item.patientId = q(r.patientId);
            item.patientName = q(r.patientName);
            QStringList modalities;
            for (const std::string& m : r.modalities) modalities << q(m);
            item.modality = modalities.join('/');
            item.procedure = q(r.description);
            item.arrived = QDateTime::fromMSecsSinceEpoch(r.arrivedAt);
            item.cachedInstances = r.instanceCount;
            item.status = ItemStatus::Cached;
            applyReading(item, records);
            if (!closed(item) || options.includeClosed) items.push_back(std::move(item));
        }
    }
    std::stable_sort(items.begin(), items.end(), [](const ReadingItem& a, const ReadingItem& b) {
        const int pa = priorityRank(a.priority), pb = priorityRank(b.priority);
        if (pa != pb) return pa < pb;
        const QDateTime ta = a.scheduled.isValid() ? a.scheduled : a.arrived, tb = b.scheduled.isValid() ? b.scheduled : b.arrived;
        if (ta.isValid() != tb.isValid()) return ta.isValid();
        if (ta != tb) return ta < tb;
        return a.orderId < b.orderId;
    });
    return items;
}

bool ReadingFilter::matches(const ReadingItem& item) const
{
    if (!statuses.empty() && std::find(statuses.begin(), statuses.end(), item.status) == statuses.end()) return false;
    if (!modality.isEmpty() && !item.modality.split('/').contains(modality, Qt::CaseInsensitive)) return false;
    if (!mineFor.isEmpty() && !item.assignedTo.isEmpty() && item.assignedTo != mineFor) return false;
    if (!text.isEmpty()) {
        const QString t = text.trimmed();
        const bool found = item.patientName.contains(t, Qt::CaseInsensitive) || item.patientId.contains(t, Qt::CaseInsensitive) ||
                           item.accession.contains(t, Qt::CaseInsensitive) || item.procedure.contains(t, Qt::CaseInsensitive);
        if (!found) return false;
    }
    return true;
}

std::optional<ReadingItem> nextStudy(const std::vector<ReadingItem>& items, const QString& user, const ReadingFilter& filter)
{
    for (const ReadingItem& item : items) {
        if (!filter.matches(item)) continue;
        if (!item.assignedTo.isEmpty() && item.assignedTo != user) continue;
        // Cached and unread; one this reader left in progress comes back first in its turn.
        const bool mineInProgress = item.status == ItemStatus::InProgress && item.readingUser == user;
        if (item.status != ItemStatus::Cached && !mineInProgress) continue;
        if (item.studyUid.isEmpty()) continue;
        return item;
    }
    return std::nullopt;
}

Result<std::optional<ReadingItem>> claimNextStudy(WorkQueue& queue, storage::StudyIndex& index, const QString& user, const ReadingFilter& filter)
{
    std::vector<ReadingItem> items = buildReadingList(queue, index);
    ReadingLog log(queue);
    while (auto next = nextStudy(items, user, filter)) {
        auto claimed = log.claim(next->key, next->studyUid, user);
        if (!claimed) return claimed.error();
        if (*claimed) {
            next->status = ItemStatus::InProgress;
            next->readingUser = user;
            return next;
        }
        // Taken by another reader since the list was read: not a candidate any more.
        items.erase(std::remove_if(items.begin(), items.end(), [&](const ReadingItem& i) { return i.key == next->key; }), items.end());
    }
    return std::optional<ReadingItem>{};
}

}  // namespace lightbox::app
