// The reading worklist (issue 12, point 2): orders and studies that arrived without one, each with
// the status the reader needs (scheduled: its study not here; cached: ready; in progress, read,
// reported), in reading order (STAT first, then by schedule), with filters; "next study" gives the
// first ready study for the reader and marks it in progress, so that two readers asking at the
// same moment never get the same study; assignment keeps another reader's work out of one's
// "next"; a reported study leaves the list; every change is kept with who and when.
// Studies are written and imported by the test; what it expects follows from what it imported.
#include "durable_file.h"
#include "reading_list.h"
#include "study_writer.h"
#include "test_support.h"

#include "auditor.h"
#include "cache.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <set>
#include <thread>

using namespace lightbox;
using namespace lightbox::app;
using namespace lightbox::test;

class ReadingListTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void statusesAndReadingOrder();
    void filters();
    void nextStudyClaimsForTheReader();
    void twoReadersNeverGetTheSameStudy();
    void assignedWorkIsKeptForItsReader();
    void reportedLeavesTheListAndEventsAreKept();
    void olderFilesAreMigrated();
    void ordersMeetTheirStudiesSafely();

private:
    QString importStudy(const QString& name, const StudySpec& spec);
    ProcessResult lb(const QStringList& args) { return run(lightboxExe(), args + QStringList{"--cache", m_cache}, 120000); }
    QJsonArray list(const QStringList& extra = {});
    QJsonObject itemFor(const QJsonArray& items, const QString& studyUid);
    // The reader of the commands: the operating-system user on a machine without Lightbox users.
    QString user() const { return QString::fromStdString(security::systemUser()); }

    QTemporaryDir m_tmp;
    QString m_cache;
    QMap<QString, QString> m_uid;
};

QString ReadingListTest::importStudy(const QString& name, const StudySpec& spec)
{
    QString error;
    const QString dir = m_tmp.path() + "/src/" + name;
    const QString uid = writeStudy(spec, dir, &error);
    if (uid.isEmpty()) qWarning("%s", qPrintable(error));
    if (!lb({"import", "--quiet", dir}).ok()) return {};
    return uid;
}

void ReadingListTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_cache = m_tmp.path() + "/cache";
    const QString today = QDate::currentDate().toString("yyyyMMdd");
    const QString old = QDate::currentDate().addYears(-3).toString("yyyyMMdd");
    // In the cache: two ordered studies, one that came without an order, and an old prior that
    // arrived today (fetched for comparison: not an item to read).
    m_uid["routine"] = importStudy("routine", {"RL-1", "19600101", today, "CT CHEST", "CHEST", {{"Lung", "CT", "", 2}}});
    m_uid["stat"] = importStudy("stat", {"RL-2", "19700101", today, "MR BRAIN", "HEAD", {{"T1", "MR", "", 2}}});
    m_uid["walk-in"] = importStudy("walk-in", {"RL-3", "19800101", today, "CT HEAD", "HEAD", {{"Brain", "CT", "", 2}}});
    m_uid["old-prior"] = importStudy("old-prior", {"RL-1", "19600101", old, "CT CHEST", "CHEST", {{"Lung", "CT", "", 2}}});
    for (const QString& k : m_uid.keys()) QVERIFY2(!m_uid[k].isEmpty(), qPrintable(k));
    m_uid["missing"] = "1.2.826.0.1.3680043.8.498.99999999999";  // ordered, not here
    const QString at = QDateTime::currentDateTime().addSecs(-3600).toString("yyyy-MM-ddTHH:mm");
    const QString later = QDateTime::currentDateTime().addSecs(-1800).toString("yyyy-MM-ddTHH:mm");
    QVERIFY(lb({"worklist", "add", "--patient-id", "RL-1", "--modality", "CT", "--study", m_uid["routine"], "--accession", "ACC-R", "--scheduled", at,
                "--priority", "ROUTINE", "--procedure", "CT chest"})
                .ok());
    QVERIFY(lb({"worklist", "add", "--patient-id", "RL-2", "--modality", "MR", "--study", m_uid["stat"], "--accession", "ACC-S", "--scheduled", later,
                "--priority", "STAT", "--procedure", "MR brain"})
                .ok());
    QVERIFY(lb({"worklist", "add", "--patient-id", "RL-4", "--modality", "CT", "--study", m_uid["missing"], "--accession", "ACC-M", "--scheduled", at,
                "--procedure", "CT abdomen"})
                .ok());
}

QJsonArray ReadingListTest::list(const QStringList& extra)
{
    const ProcessResult r = lb(QStringList{"worklist", "list", "--json"} + extra);
    if (!r.ok()) qWarning("%s", r.err.constData());
    return QJsonDocument::fromJson(r.out).array();
}

QJsonObject ReadingListTest::itemFor(const QJsonArray& items, const QString& studyUid)
{
    for (const QJsonValue& v : items)
        if (v["studyUid"].toString() == studyUid) return v.toObject();
    return {};
}

void ReadingListTest::statusesAndReadingOrder()
{
    const QJsonArray items = list();
    QStringList order;
    for (const QJsonValue& v : items) order << v["studyUid"].toString();
    // STAT first; then by schedule (the routine CT and the missing CT an hour ago, in order
    // number); then what arrived without an order. The old prior is not an item.
    QCOMPARE(order, (QStringList{m_uid["stat"], m_uid["routine"], m_uid["missing"], m_uid["walk-in"]}));
    QCOMPARE(itemFor(items, m_uid["stat"])["status"].toString(), QString("cached"));
    QCOMPARE(itemFor(items, m_uid["routine"])["status"].toString(), QString("cached"));
    QCOMPARE(itemFor(items, m_uid["missing"])["status"].toString(), QString("scheduled"));
    QCOMPARE(itemFor(items, m_uid["walk-in"])["status"].toString(), QString("cached"));
    QVERIFY(itemFor(items, m_uid["walk-in"])["order"].isNull());
    QCOMPARE(itemFor(items, m_uid["routine"])["cachedInstances"].toInt(), 2);
    QCOMPARE(itemFor(items, m_uid["missing"])["cachedInstances"].toInt(), 0);
}

void ReadingListTest::filters()
{
    QCOMPARE(list({"--status", "scheduled"}).size(), 1);
    QCOMPARE(list({"--modality", "MR"}).size(), 1);
    QCOMPARE(list({"--modality", "CT", "--status", "cached"}).size(), 2);
    QCOMPARE(list({"--text", "rl-3"}).size(), 1);
    QCOMPARE(itemFor(list({"--text", "chest"}), m_uid["routine"])["accession"].toString(), QString("ACC-R"));
    const ProcessResult bad = lb({"worklist", "list", "--status", "sleeping"});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY(bad.err.contains("--status takes"));
}

void ReadingListTest::nextStudyClaimsForTheReader()
{
    // Asking is not taking: "next" alone changes nothing.
    const ProcessResult peek = lb({"worklist", "next", "--json"});
    QVERIFY2(peek.ok(), peek.err.constData());
    QCOMPARE(QJsonDocument::fromJson(peek.out)["studyUid"].toString(), m_uid["stat"]);
    QCOMPARE(itemFor(list(), m_uid["stat"])["status"].toString(), QString("cached"));
    const ProcessResult take = lb({"worklist", "next", "--claim", "--json"});
    QVERIFY2(take.ok(), take.err.constData());
    QCOMPARE(QJsonDocument::fromJson(take.out)["studyUid"].toString(), m_uid["stat"]);
    const QJsonObject stat = itemFor(list(), m_uid["stat"]);
    QCOMPARE(stat["status"].toString(), QString("in progress"));
    QCOMPARE(stat["readingUser"].toString(), user());
    // The reader's own study in progress stays theirs until read; then the next one.
    QCOMPARE(QJsonDocument::fromJson(lb({"worklist", "next", "--claim", "--json"}).out)["studyUid"].toString(), m_uid["stat"]);
    QVERIFY(lb({"worklist", "mark", "ACC-S", "read"}).ok());
    QCOMPARE(QJsonDocument::fromJson(lb({"worklist", "next", "--json"}).out)["studyUid"].toString(), m_uid["routine"]);
    // Back on the list, then read again, to leave the items as the next cases expect.
    QVERIFY(lb({"worklist", "mark", "ACC-S", "unread"}).ok());
    QCOMPARE(itemFor(list(), m_uid["stat"])["status"].toString(), QString("cached"));
    QVERIFY(lb({"worklist", "mark", "ACC-S", "read"}).ok());
    const ProcessResult unknown = lb({"worklist", "mark", "NO-SUCH", "read"});
    QVERIFY(!unknown.ok());
    QVERIFY(unknown.err.contains("no worklist item NO-SUCH"));
}

void ReadingListTest::twoReadersNeverGetTheSameStudy()
{
    // More ready studies, then two readers (each with its own connection, as two workstations
    // sharing the file) take the next study until none is left.
    const QString today = QDate::currentDate().toString("yyyyMMdd");
    for (int i = 0; i < 8; ++i) {
        const QString uid = importStudy("many" + QString::number(i), {"RL-M" + QString::number(i), "19900101", today, "CR CHEST", "CHEST", {{"PA", "CR", "", 1}}});
        QVERIFY(!uid.isEmpty());
    }
    auto cache = storage::Cache::open(m_cache.toStdString());
    QVERIFY2(cache, cache ? "" : cache.error().message.c_str());
    const int ready = [&] {
        int n = 0;
        for (const QJsonValue& v : list({"--status", "cached"})) n += v["assignedTo"].toString().isEmpty();
        return n;
    }();
    QVERIFY(ready >= 9);
    std::vector<QString> taken[2];
    QString problems[2];
    auto reader = [&](int who) {
        auto own = storage::Cache::open(m_cache.toStdString());
        auto queue = WorkQueue::open(m_cache);
        if (!own || !queue) {
            problems[who] = "cannot open";
            return;
        }
        const QString name = who == 0 ? "dr.a" : "dr.b";
        for (;;) {
            auto next = claimNextStudy(**queue, (*own)->index(), name);
            if (!next) {
                problems[who] = QString::fromStdString(next.error().message);
                return;
            }
            if (!*next) return;
            taken[who].push_back((*next)->studyUid);
            // Finished reading it: mark read, so that "next" moves on.
            if (Status st = ReadingLog(**queue).setState((*next)->key, (*next)->studyUid, ReadingState::Read, name); !st) {
                problems[who] = QString::fromStdString(st.error().message);
                return;
            }
        }
    };
    std::atomic<int> waiting{2};
    auto startTogether = [&](int who) {
        waiting.fetch_sub(1);
        while (waiting.load() > 0) std::this_thread::yield();
        reader(who);
    };
    std::thread a(startTogether, 0), b(startTogether, 1);
    a.join();
    b.join();
    QVERIFY2(problems[0].isEmpty() && problems[1].isEmpty(), qPrintable(problems[0] + problems[1]));
    std::set<QString> all;
    for (const auto& t : taken)
        for (const QString& uid : t) QVERIFY2(all.insert(uid).second, qPrintable("given twice: " + uid));
    QCOMPARE(int(all.size()), ready);
    // The rule itself, step by step: a study dr.a has in progress is refused to dr.b (who gets
    // another as "next"), and stays dr.a's.
    {
        auto queue = WorkQueue::open(m_cache);
        QVERIFY(queue);
        ReadingLog log(**queue);
        const QString first = *all.begin();
        QVERIFY(lb({"worklist", "mark", first, "unread"}).ok());
        const QString key = itemFor(list(), first)["item"].toString();
        QVERIFY(!key.isEmpty());
        auto claimA = log.claim(key, first, "dr.a"), claimB = log.claim(key, first, "dr.b"), againA = log.claim(key, first, "dr.a");
        QVERIFY(claimA && claimB && againA);
        QCOMPARE(*claimA, true);
        QCOMPARE(*claimB, false);
        QCOMPARE(*againA, true);
        QVERIFY(lb({"worklist", "mark", *all.rbegin(), "unread"}).ok());
        auto other = claimNextStudy(**queue, (*cache)->index(), "dr.b");
        QVERIFY(other && *other);
        QVERIFY((**other).studyUid != first);
        QCOMPARE(log.record(key)->user, QString("dr.a"));
    }
    // Everything read: back on the list for the next cases.
    for (const QString& uid : all) QVERIFY(lb({"worklist", "mark", uid, "unread"}).ok());
    QVERIFY(lb({"worklist", "mark", "ACC-S", "read"}).ok());
}

void ReadingListTest::assignedWorkIsKeptForItsReader()
{
    QVERIFY(lb({"worklist", "assign", "ACC-R", "--to", "dr.other"}).ok());
    QCOMPARE(itemFor(list(), m_uid["routine"])["assignedTo"].toString(), QString("dr.other"));
    // Not this reader's "next", nor in their "mine"; still on the whole list.
    QVERIFY(QJsonDocument::fromJson(lb({"worklist", "next", "--json"}).out)["studyUid"].toString() != m_uid["routine"]);
    QVERIFY(itemFor(list({"--mine"}), m_uid["routine"]).isEmpty());
    QVERIFY(!itemFor(list({"--mine"}), m_uid["walk-in"]).isEmpty());
    QVERIFY(lb({"worklist", "assign", "ACC-R", "--to", user()}).ok());
    QVERIFY(!itemFor(list({"--mine"}), m_uid["routine"]).isEmpty());
}

void ReadingListTest::reportedLeavesTheListAndEventsAreKept()
{
    QVERIFY(lb({"worklist", "mark", "ACC-R", "in-progress"}).ok());
    QVERIFY(lb({"worklist", "mark", "ACC-R", "reported"}).ok());
    QVERIFY(itemFor(list(), m_uid["routine"]).isEmpty());
    QCOMPARE(itemFor(list({"--all"}), m_uid["routine"])["status"].toString(), QString("reported"));
    auto cache = storage::Cache::open(m_cache.toStdString());
    QVERIFY(cache);
    auto queue = WorkQueue::open(m_cache);
    QVERIFY(queue);
    QStringList trail;
    for (const ReadingEvent& e : ReadingLog(**queue).events())
        if (e.studyUid == m_uid["routine"]) trail << e.event + ":" + e.user;
    // The last changes, in order (the study was read in the case before, too).
    QVERIFY(trail.size() >= 4);
    QCOMPARE(trail.mid(trail.size() - 4), (QStringList{"assigned:dr.other", "assigned:" + user(), "in progress:" + user(), "reported:" + user()}));
    const auto record = ReadingLog(**queue).record(orderItemKey(1));
    QVERIFY(record);
    QVERIFY(record->firstOpenedAt > 0 && record->firstOpenedAt <= record->at);
}

void ReadingListTest::olderFilesAreMigrated()
{
    // The queue files are migrated step by step from the version they have (a worklist written
    // before the readers' tables gets them, its orders kept); a newer file is refused, untouched.
    const QString dir = m_tmp.path() + "/migrate";
    auto cache = storage::Cache::open(dir.toStdString());
    QVERIFY(cache);
    {
        auto v1 = openDurableFile(dir, "steps.sqlite", {"CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (41);"});
        QVERIFY(v1);
    }
    {
        auto v2 = openDurableFile(dir, "steps.sqlite", {"CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (41);", "CREATE TABLE b (y INTEGER);"});
        QVERIFY2(v2, v2 ? "" : v2.error().message.c_str());
        auto count = v2->prepare("SELECT (SELECT count(*) FROM a), (SELECT x FROM a), (SELECT count(*) FROM b)");
        QVERIFY(count && count->step());
        QCOMPARE(count->integer(0), 1);  // the first step did not run again
        QCOMPARE(count->integer(1), 41);
        QCOMPARE(count->integer(2), 0);
        auto version = v2->prepare("PRAGMA user_version");
        QVERIFY(version && version->step());
        QCOMPARE(version->integer(0), 2);
    }
    auto older = openDurableFile(dir, "steps.sqlite", {"CREATE TABLE a (x INTEGER);"});
    QVERIFY(!older);
    QVERIFY(QString::fromStdString(older.error().message).contains("newer Lightbox"));
}

void ReadingListTest::ordersMeetTheirStudiesSafely()
{
    const QString today = QDate::currentDate().toString("yyyyMMdd");
    // Read before its order came: the order's item is read too, not back on the list.
    const QString early = importStudy("early", {"RL-E", "19500101", today, "CT NECK", "NECK", {{"Neck", "CT", "", 1}}});
    QVERIFY(!early.isEmpty());
    QVERIFY(lb({"worklist", "mark", early, "read"}).ok());
    QVERIFY(lb({"worklist", "add", "--patient-id", "RL-E", "--modality", "CT", "--study", early, "--accession", "ACC-E"}).ok());
    QJsonArray all = list({"--all"});
    int items = 0;
    for (const QJsonValue& v : all) items += v["studyUid"].toString() == early;
    QCOMPARE(items, 1);  // one item: the order's
    QCOMPARE(itemFor(all, early)["status"].toString(), QString("read"));
    QVERIFY(!itemFor(all, early)["order"].isNull());
    // An order naming a study the cache holds under another patient: not that study.
    const QString foreign = importStudy("foreign", {"RL-F", "19510101", today, "CT HEAD", "HEAD", {{"Brain", "CT", "", 1}}});
    QVERIFY(!foreign.isEmpty());
    QVERIFY(lb({"worklist", "add", "--patient-id", "RL-WRONG", "--modality", "CT", "--study", foreign, "--accession", "ACC-WRONG"}).ok());
    all = list({"--all"});
    QJsonObject wrong;
    for (const QJsonValue& v : all)
        if (v["accession"].toString() == "ACC-WRONG") wrong = v.toObject();
    QCOMPARE(wrong["status"].toString(), QString("scheduled"));
    QCOMPARE(wrong["studyUid"].toString(), QString());
    QCOMPARE(itemFor(all, foreign)["patientId"].toString(), QString("RL-F"));  // still on the list as its own patient's
    // A cancelled order's study is not offered as a study of its own.
    const QString dropped = importStudy("dropped", {"RL-C", "19520101", today, "CT KNEE", "KNEE", {{"Knee", "CT", "", 1}}});
    QVERIFY(!dropped.isEmpty());
    {
        auto cache = storage::Cache::open(m_cache.toStdString());
        QVERIFY(cache);
        auto queue = WorkQueue::open(m_cache);
        QVERIFY(queue);
        Order o;
        o.sender = "ris";
        o.placer = "P-C";
        o.patientId = "RL-C";
        o.modality = "CT";
        o.studyUid = dropped;
        o.status = Order::Status::Cancelled;
        QVERIFY((*queue)->recordOrder(o, "MSG-C"));
    }
    QVERIFY(itemFor(list(), dropped).isEmpty());
    QCOMPARE(itemFor(list({"--all"}), dropped)["status"].toString(), QString("cancelled"));
}

QTEST_GUILESS_MAIN(ReadingListTest)
#include "test_reading_list.moc"
