// Reading-room figures (issue 12, point 7) for a scripted day: three orders received, their
// studies arriving, opened, read and reported by two radiologists at times the script sets. The
// turnaround of each study, each reader's reading time and workload per modality, the prefetch
// hit rate and the medians equal what the script's own times give (computed here, from the
// script); `lightbox stats --json` and `--csv` say the same.
#include "reading_log.h"
#include "reading_stats.h"
#include "study_writer.h"
#include "test_support.h"

#include "cache.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>

using namespace lightbox;
using namespace lightbox::app;
using namespace lightbox::test;

namespace {

// The script: one day of work (local time), minutes after 08:00.
struct Scripted {
    const char* accession;
    const char* modality;
    int ordered, arrived, opened, finished;  // minutes; finished: read or reported
    const char* reader;
    bool reported;
};
const Scripted kDay[] = {
    {"ACC-1", "CT", 0, 25, 40, 52, "dr.a", true},    // here 15 min before it was opened: a hit
    {"ACC-2", "MR", 10, 30, 60, 95, "dr.b", true},   // a hit
    {"ACC-3", "CT", 20, 125, 120, 131, "dr.a", false},  // opened before it arrived whole: a miss; read, not reported
};
const QDate kDate(2026, 3, 2);

std::int64_t at(int minutes) { return QDateTime(kDate, QTime(8, 0)).addSecs(minutes * 60).toMSecsSinceEpoch(); }

std::int64_t median(std::vector<std::int64_t> v)
{
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

class ReadingStatsTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void figuresEqualTheScript();
    void theCommandSaysTheSame();
    void sessionsAcrossReopeningAndTakeover();

private:
    ProcessResult lb(const QStringList& args) { return run(lightboxExe(), args + QStringList{"--cache", m_cache}, 120000); }
    QTemporaryDir m_tmp;
    QString m_cache;
    QMap<QString, QString> m_study;  // accession -> study UID
};

void ReadingStatsTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_cache = m_tmp.path() + "/cache";
    for (const Scripted& s : kDay) {
        QString error;
        const QString dir = m_tmp.path() + "/src/" + s.accession;
        const QString uid = writeStudy({QString("ST-") + s.accession, "19600101", kDate.toString("yyyyMMdd"), "EXAM", "CHEST", {{"S1", s.modality, "", 1}}},
                                       dir, &error);
        QVERIFY2(!uid.isEmpty(), qPrintable(error));
        QVERIFY(lb({"import", "--quiet", dir}).ok());
        m_study[s.accession] = uid;
    }
    auto cache = storage::Cache::open(m_cache.toStdString());
    QVERIFY(cache);
    auto queue = WorkQueue::open(m_cache);
    QVERIFY(queue);
    ReadingLog log(**queue);
    storage::Database& db = (*queue)->database();
    for (const Scripted& s : kDay) {
        Order o;
        o.sender = "ris";
        o.accession = s.accession;
        o.placer = QString("P-") + s.accession;
        o.patientId = QString("ST-") + s.accession;
        o.modality = s.modality;
        o.studyUid = m_study[s.accession];
        o.scheduled = QDateTime::fromMSecsSinceEpoch(at(s.ordered + 60));
        auto id = (*queue)->recordOrder(o, QString("MSG-") + s.accession);
        QVERIFY(id);
        // The script's clock: when the order came, and when its prefetch had the study here.
        QVERIFY(db.exec("UPDATE orders SET received_at = " + std::to_string(at(s.ordered)) + " WHERE id = " + std::to_string(*id)));
        PrefetchTask t;
        t.orderId = *id;
        t.kind = "current";
        t.studyUid = o.studyUid;
        t.archive = "pacs";
        QVERIFY(*(*queue)->addTask(t));
        const PrefetchTask added = (*queue)->tasks(*id).front();
        QVERIFY((*queue)->finish(added.id, PrefetchTask::State::Done, {}, 1));
        QVERIFY(db.exec("UPDATE tasks SET finished_at = " + std::to_string(at(s.arrived)) + " WHERE id = " + std::to_string(added.id)));
        const QString key = orderItemKey(*id);
        QVERIFY(log.setState(key, o.studyUid, ReadingState::InProgress, s.reader, at(s.opened)));
        QVERIFY(log.setState(key, o.studyUid, s.reported ? ReadingState::Reported : ReadingState::Read, s.reader, at(s.finished)));
    }
    // Another day's order is not counted.
    Order other;
    other.sender = "ris";
    other.accession = "ACC-OTHER-DAY";
    other.patientId = "ST-X";
    other.modality = "CR";
    auto id = (*queue)->recordOrder(other, "MSG-X");
    QVERIFY(id);
    QVERIFY(db.exec("UPDATE orders SET received_at = " + std::to_string(at(-24 * 60)) + " WHERE id = " + std::to_string(*id)));
}

void ReadingStatsTest::figuresEqualTheScript()
{
    auto cache = storage::Cache::open(m_cache.toStdString());
    QVERIFY(cache);
    auto queue = WorkQueue::open(m_cache);
    QVERIFY(queue);
    const ReadingStats s = computeReadingStats(**queue, (*cache)->index(), at(-8 * 60), at(16 * 60));
    QCOMPARE(int(s.studies.size()), 3);
    std::vector<std::int64_t> orderToArrival, arrivalToOpen, openToReport, orderToReport;
    int hits = 0;
    for (const Scripted& d : kDay) {
        auto it = std::find_if(s.studies.begin(), s.studies.end(), [&](const StudyTurnaround& t) { return t.accession == d.accession; });
        QVERIFY(it != s.studies.end());
        QCOMPARE(it->orderedAt, at(d.ordered));
        QCOMPARE(it->arrivedAt, at(d.arrived));
        QCOMPARE(it->firstOpenedAt, at(d.opened));
        QCOMPARE(it->reportedAt, d.reported ? at(d.finished) : 0);
        QCOMPARE(it->prefetchHit(), d.arrived <= d.opened);
        hits += d.arrived <= d.opened;
        orderToArrival.push_back(at(d.arrived) - at(d.ordered));
        arrivalToOpen.push_back(at(d.opened) - at(d.arrived));
        if (d.reported) {
            openToReport.push_back(at(d.finished) - at(d.opened));
            orderToReport.push_back(at(d.finished) - at(d.ordered));
        }
    }
    QCOMPARE(s.opened, 3);
    QCOMPARE(s.hits, hits);
    QCOMPARE(s.medianOrderToArrival, median(orderToArrival));
    QCOMPARE(s.medianArrivalToOpen, median(arrivalToOpen));
    QCOMPARE(s.medianOpenToReport, median(openToReport));
    QCOMPARE(s.medianOrderToReport, median(orderToReport));
    // Readers: reading time is the sum of their sessions; workload per modality.
    QCOMPARE(int(s.readers.size()), 2);
    for (const ReaderFigures& r : s.readers) {
        std::int64_t ms = 0;
        int read = 0, reported = 0;
        std::map<QString, int> modalities;
        for (const Scripted& d : kDay) {
            if (r.user != d.reader) continue;
            ms += at(d.finished) - at(d.opened);
            (d.reported ? reported : read) += 1;
            ++modalities[d.modality];
        }
        QCOMPARE(r.readingMs, ms);
        QCOMPARE(r.read, read);
        QCOMPARE(r.reported, reported);
        QCOMPARE(r.opened, read + reported);
        QVERIFY(r.byModality == modalities);
    }
    // A radiologist's own dashboard: their figures alone.
    const ReadingStats own = computeReadingStats(**queue, (*cache)->index(), at(-8 * 60), at(16 * 60), "dr.b");
    QCOMPARE(int(own.readers.size()), 1);
    QCOMPARE(own.readers.front().user, QString("dr.b"));
}

void ReadingStatsTest::theCommandSaysTheSame()
{
    const QString day = kDate.toString(Qt::ISODate);
    const ProcessResult r = lb({"stats", "--from", day, "--to", day, "--json", "--csv", m_tmp.path() + "/day.csv"});
    QVERIFY2(r.ok(), r.err.constData());
    const QJsonObject s = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(s["studies"].toArray().size(), 3);
    QCOMPARE(s["prefetchHits"].toInt(), 2);
    QCOMPARE(s["opened"].toInt(), 3);
    // ACC-1: ordered 08:00, reported 08:52.
    int seen = 0;
    for (const QJsonValue& v : s["studies"].toArray())
        if (v["accession"].toString() == "ACC-1") {
            ++seen;
            QCOMPARE(QDateTime::fromString(v["ordered"].toString(), Qt::ISODate).toMSecsSinceEpoch(), at(0));
            QCOMPARE(QDateTime::fromString(v["reported"].toString(), Qt::ISODate).toMSecsSinceEpoch(), at(52));
        }
    QCOMPARE(seen, 1);
    QFile csv(m_tmp.path() + "/day.csv");
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().split('\n');
    QCOMPARE(lines.size(), 5);  // header, 3 studies, the empty rest after the last line break
    QVERIFY(lines[0].startsWith("accession,patient_id"));
    QCOMPARE(QFileInfo(csv).permissions() & (QFile::ReadGroup | QFile::ReadOther), QFileDevice::Permissions());
    const ProcessResult bad = lb({"stats", "--from", "yesterday"});
    QCOMPARE(bad.exitCode, 2);
}

void ReadingStatsTest::sessionsAcrossReopeningAndTakeover()
{
    // One CT order: dr.a opens it at 0 and again at 5 (the same session), dr.b takes it over at
    // 10, reads it at 30 and reports it at 40. dr.a read 10 minutes and finished nothing; dr.b
    // read 20 minutes and reported one CT (read then reported is one study, reported).
    const QString dir = m_tmp.path() + "/sessions";
    auto cache = storage::Cache::open(dir.toStdString());
    QVERIFY(cache);
    auto queue = WorkQueue::open(dir);
    QVERIFY(queue);
    Order o;
    o.sender = "ris";
    o.placer = "P-S";
    o.accession = "ACC-S";
    o.patientId = "ST-S";
    o.modality = "CT";
    o.studyUid = "1.2.826.0.1.3680043.8.498.4242";
    auto id = (*queue)->recordOrder(o, "MSG-S");
    QVERIFY(id);
    QVERIFY((*queue)->database().exec("UPDATE orders SET received_at = " + std::to_string(at(-5)) + " WHERE id = " + std::to_string(*id)));
    ReadingLog log(**queue);
    const QString key = orderItemKey(*id);
    QVERIFY(log.setState(key, o.studyUid, ReadingState::InProgress, "dr.a", at(0)));
    QVERIFY(log.setState(key, o.studyUid, ReadingState::InProgress, "dr.a", at(5)));
    QVERIFY(log.setState(key, o.studyUid, ReadingState::InProgress, "dr.b", at(10)));
    QVERIFY(log.setState(key, o.studyUid, ReadingState::Read, "dr.b", at(30)));
    QVERIFY(log.setState(key, o.studyUid, ReadingState::Reported, "dr.b", at(40)));
    const ReadingStats s = computeReadingStats(**queue, (*cache)->index(), at(-60), at(120));
    std::map<QString, ReaderFigures> by;
    for (const ReaderFigures& r : s.readers) by[r.user] = r;
    QCOMPARE(int(by.size()), 2);
    QCOMPARE(by["dr.a"].readingMs, at(10) - at(0));
    QCOMPARE(by["dr.a"].opened, 1);
    QCOMPARE(by["dr.a"].read + by["dr.a"].reported, 0);
    QVERIFY(by["dr.a"].byModality.empty());
    QCOMPARE(by["dr.b"].readingMs, at(30) - at(10));
    QCOMPARE(by["dr.b"].opened, 1);
    QCOMPARE(by["dr.b"].read, 0);
    QCOMPARE(by["dr.b"].reported, 1);
    QCOMPARE(by["dr.b"].byModality, (std::map<QString, int>{{"CT", 1}}));
    QCOMPARE(int(s.studies.size()), 1);
    QCOMPARE(s.studies.front().firstOpenedAt, at(0));
    QCOMPARE(s.studies.front().reportedAt, at(40));
}

QTEST_GUILESS_MAIN(ReadingStatsTest)
#include "test_reading_stats.moc"
