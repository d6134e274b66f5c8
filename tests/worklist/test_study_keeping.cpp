// Studies kept in the cache for reading offline (issue 12, point 4), against a real Orthanc:
//  - `lightbox offline patient ID` holds every study the archive has for the patient and fetches
//    each whole (checked against Orthanc's own count of each study's instances);
//  - eviction (`lightbox cache evict --to-size 0`) removes every other study and leaves the held
//    ones; once released (or past their end) they leave too;
//  - an order's prefetched studies are held until the order is read, then released;
//  - `lightbox offline worklist` fetches at once what the worklist's orders need, even an order
//    beyond the prefetch lead time;
//  - the user deleting a study removes its holds; an unreachable archive gives a clear message.
#include "archived_studies.h"
#include "cache.h"
#include "test_support.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace lightbox;
using namespace lightbox::test;

class StudyKeepingTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void aPatientIsMadeAvailableOffline();
    void heldStudiesOutliveEviction();
    void aHoldPastItsEndKeepsNothing();
    void anOrdersStudiesAreHeldUntilItIsRead();
    void aWorklistIsMadeAvailableOffline();
    void deletingAStudyRemovesItsHolds();
    void aStoredQueryMakesTodaysStudiesWork();
    void anUnreachableArchiveIsNamed();

private:
    ProcessResult lb(const QStringList& args, const QString& config = {})
    {
        return run(lightboxExe(), args + QStringList{"--config", config.isEmpty() ? m_config : config, "--cache", m_cache}, 240000);
    }
    ProcessResult cacheCommand(const QStringList& args) { return run(lightboxExe(), QStringList{"cache"} + args + QStringList{"--cache", m_cache}, 240000); }
    QStringList cached(const QString& patientId) { return cachedStudyNames(m_cache, patientId, m_uid); }
    // Holds in force, as "name:holder", sorted.
    QStringList holds();
    // How many instances Orthanc holds for a study (its own count, not ours).
    int archiveInstances(const QString& studyUid);
    int cachedInstances(const QString& studyUid);
    void evictAll();

    QTemporaryDir m_tmp;
    std::unique_ptr<OrthancServer> m_orthanc;
    QString m_config, m_cache;
    QMap<QString, QString> m_uid;
};

void StudyKeepingTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_orthanc = std::make_unique<OrthancServer>();
    QString error;
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));
    const QString today = QDate::currentDate().toString("yyyyMMdd");
    const auto ago = [](int days) { return QDate::currentDate().addDays(-days).toString("yyyyMMdd"); };
    const std::vector<NamedStudy> studies = {
        {"kp1-ct", {"KP-1", "19500505", ago(30), "CT CHEST", "CHEST", {{"Lung", "CT", "", 4}, {"Soft", "CT", "", 2}}}},
        {"kp1-ct-old", {"KP-1", "19500505", ago(500), "CT CHEST", "CHEST", {{"Lung", "CT", "", 3}}}},
        {"kp1-mr", {"KP-1", "19500505", ago(700), "MR BRAIN", "HEAD", {{"T1", "MR", "", 3}}}},
        {"kp2-ct", {"KP-2", "19800808", ago(10), "CT ABDOMEN", "ABDOMEN", {{"Portal", "CT", "", 3}}}},
        {"kp3-current", {"KP-3", "19601010", today, "CT CHEST", "CHEST", {{"Lung", "CT", "", 3}}}},
        {"kp3-prior", {"KP-3", "19601010", ago(200), "CT CHEST", "CHEST", {{"Lung", "CT", "", 2}}}},
        {"kp4-mr", {"KP-4", "19701111", today, "MR KNEE", "KNEE", {{"PD", "MR", "", 2}}}},
        {"kp4-prior", {"KP-4", "19701111", ago(100), "MR KNEE", "KNEE", {{"PD", "MR", "", 2}}}},
    };
    QVERIFY2(uploadStudies(*m_orthanc, studies, m_tmp.path() + "/studies", m_uid, &error), qPrintable(error));
    m_config = m_tmp.path() + "/lightbox.json";
    m_cache = m_tmp.path() + "/cache";
    QVERIFY(lb({"archive", "add", "orthanc", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(m_orthanc->dicomPort())}).ok());
}

void StudyKeepingTest::cleanupTestCase()
{
    if (m_orthanc) m_orthanc->stop();
}

QStringList StudyKeepingTest::holds()
{
    const ProcessResult r = lb({"offline", "list", "--json"});
    if (!r.ok()) return {"(offline list failed: " + QString::fromUtf8(r.err) + ")"};
    QStringList out;
    for (const QJsonValue& v : QJsonDocument::fromJson(r.out).array()) {
        const QJsonObject h = v.toObject();
        out << m_uid.key(h["studyUid"].toString(), h["studyUid"].toString()) + ":" + h["holder"].toString().section(':', 0, 0);
    }
    out.sort();
    return out;
}

int StudyKeepingTest::archiveInstances(const QString& studyUid)
{
    const QByteArray query = QJsonDocument(QJsonObject{{"Level", "Instance"}, {"Query", QJsonObject{{"StudyInstanceUID", studyUid}}}}).toJson();
    const auto reply = m_orthanc->post("/tools/find", query, "application/json");
    return reply.status == 200 ? int(QJsonDocument::fromJson(reply.body).array().size()) : -1;
}

int StudyKeepingTest::cachedInstances(const QString& studyUid)
{
    auto cache = storage::Cache::open(m_cache.toStdString());
    if (!cache) return -1;
    return int((*cache)->index().instancesOfStudy(studyUid.toStdString()).size());
}

void StudyKeepingTest::evictAll()
{
    const ProcessResult r = cacheCommand({"evict", "--to-size", "0"});
    // Exit 1 when held studies are left (the target cannot be reached); anything else is a failure.
    QVERIFY2(r.exitCode == 0 || r.exitCode == 1, (r.out + r.err).constData());
}

void StudyKeepingTest::aPatientIsMadeAvailableOffline()
{
    // One of the patient's studies is partly cached already (one of its two series retrieved).
    const QByteArray seriesQuery = QJsonDocument(QJsonObject{{"Level", "Series"}, {"Expand", true}, {"Query", QJsonObject{{"StudyInstanceUID", m_uid["kp1-ct"]}}}}).toJson();
    const QJsonArray series = QJsonDocument::fromJson(m_orthanc->post("/tools/find", seriesQuery, "application/json").body).array();
    QCOMPARE(series.size(), 2);
    const QString oneSeries = series[0].toObject()["MainDicomTags"].toObject()["SeriesInstanceUID"].toString();
    const ProcessResult one = lb({"retrieve", "--archive", "orthanc", "--study", m_uid["kp1-ct"], "--series", oneSeries, "--quiet"});
    QVERIFY2(one.ok(), one.err.constData());
    QVERIFY(cachedInstances(m_uid["kp1-ct"]) > 0 && cachedInstances(m_uid["kp1-ct"]) < archiveInstances(m_uid["kp1-ct"]));
    const ProcessResult r = lb({"offline", "patient", "KP-1", "--quiet"});
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    QVERIFY2(r.out.contains("3 studies kept offline until released"), r.out.constData());
    QCOMPARE(cached("KP-1"), (QStringList{"kp1-ct", "kp1-ct-old", "kp1-mr"}));
    for (const QString& name : QStringList{"kp1-ct", "kp1-ct-old", "kp1-mr"}) {
        const int expected = archiveInstances(m_uid[name]);
        QVERIFY(expected > 0);
        QCOMPARE(cachedInstances(m_uid[name]), expected);
    }
    QCOMPARE(holds(), (QStringList{"kp1-ct-old:offline", "kp1-ct:offline", "kp1-mr:offline"}));
    QCOMPARE(cached("KP-2"), QStringList());  // another patient's study is not fetched
}

void StudyKeepingTest::heldStudiesOutliveEviction()
{
    const ProcessResult other = lb({"retrieve", "--archive", "orthanc", "--study", m_uid["kp2-ct"], "--quiet"});
    QVERIFY2(other.ok(), other.err.constData());
    QCOMPARE(cached("KP-2"), QStringList{"kp2-ct"});
    evictAll();
    QCOMPARE(cached("KP-2"), QStringList());
    QCOMPARE(cached("KP-1"), (QStringList{"kp1-ct", "kp1-ct-old", "kp1-mr"}));
    // Released: they may go.
    const ProcessResult released = lb({"offline", "release", "--patient", "KP-1"});
    QVERIFY2(released.ok(), (released.out + released.err).constData());
    QVERIFY(released.out.startsWith("3 studies"));
    QCOMPARE(holds(), QStringList());
    evictAll();
    QCOMPARE(cached("KP-1"), QStringList());
}

void StudyKeepingTest::aHoldPastItsEndKeepsNothing()
{
    const ProcessResult got = lb({"retrieve", "--archive", "orthanc", "--study", m_uid["kp2-ct"], "--quiet"});
    QVERIFY2(got.ok(), got.err.constData());
    {
        auto cache = storage::Cache::open(m_cache.toStdString());
        QVERIFY(cache);
        const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
        storage::HoldRow ended{m_uid["kp2-ct"].toStdString(), "offline", "test", "KP-2", "test", now - 3600000, now - 1000};
        QVERIFY((*cache)->holds().hold(ended));
        QCOMPARE((*cache)->holds().holds({}, true).size(), std::size_t(0));
        QCOMPARE((*cache)->holds().holds().size(), std::size_t(1));
        // Renewing never shortens: "until released" stays so when another user asks for a day.
        storage::HoldRow untilReleased{"1.2.3.4.5", "offline", "a", "KP-9", "alice", now, 0};
        QVERIFY((*cache)->holds().hold(untilReleased));
        storage::HoldRow aDay = untilReleased;
        aDay.createdBy = "bob";
        aDay.until = now + 86400000;
        QVERIFY((*cache)->holds().hold(aDay));
        QCOMPARE((*cache)->holds().holds("1.2.3.4.5").front().until, std::int64_t(0));
        QVERIFY((*cache)->holds().release("offline", "1.2.3.4.5"));
    }
    evictAll();
    QCOMPARE(cached("KP-2"), QStringList());
    // A hold with an end to come keeps it.
    QVERIFY(lb({"offline", "study", m_uid["kp2-ct"], "--days", "2", "--quiet"}).ok());
    QCOMPARE(cached("KP-2"), QStringList{"kp2-ct"});
    evictAll();
    QCOMPARE(cached("KP-2"), QStringList{"kp2-ct"});
    QVERIFY(lb({"offline", "release", "--study", m_uid["kp2-ct"]}).ok());
    evictAll();
    QCOMPARE(cached("KP-2"), QStringList());
}

void StudyKeepingTest::anOrdersStudiesAreHeldUntilItIsRead()
{
    const QString inAnHour = QDateTime::currentDateTime().addSecs(3600).toString("yyyy-MM-ddTHH:mm");
    const ProcessResult added = lb({"worklist", "add", "--patient-id", "KP-3", "--birth-date", "19601010", "--modality", "CT", "--study",
                                    m_uid["kp3-current"], "--accession", "ACC-KP-3", "--scheduled", inAnHour});
    QVERIFY2(added.ok(), added.err.constData());
    const ProcessResult r = lb({"worklist", "prefetch", "--quiet"});
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    QCOMPARE(cached("KP-3"), (QStringList{"kp3-current", "kp3-prior"}));
    QCOMPARE(holds(), (QStringList{"kp3-current:order", "kp3-prior:order"}));
    evictAll();
    QCOMPARE(cached("KP-3"), (QStringList{"kp3-current", "kp3-prior"}));
    // Read: the holds go, and so may the studies.
    const ProcessResult read = lb({"worklist", "mark", "ACC-KP-3", "read"});
    QVERIFY2(read.ok(), (read.out + read.err).constData());
    QCOMPARE(holds(), QStringList());
    evictAll();
    QCOMPARE(cached("KP-3"), QStringList());
    // An order scheduled 8 days ago keeps its study no longer than 7 days after: the hold has
    // ended already, and planning it again does not push the end.
    const QString eightDaysAgo = QDateTime::currentDateTime().addDays(-8).toString("yyyy-MM-ddTHH:mm");
    QVERIFY(lb({"worklist", "add", "--patient-id", "KP-2", "--birth-date", "19800808", "--modality", "CT", "--study", m_uid["kp2-ct"], "--accession",
                "ACC-KP-2", "--scheduled", eightDaysAgo})
                .ok());
    for (int round = 0; round < 2; ++round) {
        QVERIFY(lb({"worklist", "prefetch", "--quiet"}).ok());
        QVERIFY(!holds().join(',').contains("kp2-ct"));
        bool ended = false;
        for (const QJsonValue& v : QJsonDocument::fromJson(lb({"offline", "list", "--all", "--json"}).out).array())
            ended |= v["studyUid"].toString() == m_uid["kp2-ct"] && v["holder"].toString().startsWith("order:") && !v["inForce"].toBool();
        QVERIFY(ended);
    }
    evictAll();
    QCOMPARE(cached("KP-2"), QStringList());
}

void StudyKeepingTest::aWorklistIsMadeAvailableOffline()
{
    // Scheduled in three days: beyond the default rule's 24 h lead time, so prefetch leaves it.
    const QString later = QDateTime::currentDateTime().addDays(3).toString("yyyy-MM-ddTHH:mm");
    QVERIFY(lb({"worklist", "add", "--patient-id", "KP-4", "--birth-date", "19701111", "--modality", "MR", "--study", m_uid["kp4-mr"], "--accession",
                "ACC-KP-4", "--scheduled", later})
                .ok());
    QVERIFY(lb({"worklist", "prefetch", "--quiet"}).ok());
    QCOMPARE(cached("KP-4"), QStringList());
    const ProcessResult r = lb({"offline", "worklist", "--modality", "MR", "--json", "--quiet"});
    QVERIFY2(r.ok(), (r.out + r.err).constData());
    const QJsonObject report = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(report["studies"].toInt(), 2);
    QCOMPARE(report["fetched"].toInt(), 2);
    QCOMPARE(cached("KP-4"), (QStringList{"kp4-mr", "kp4-prior"}));
    for (const QString& name : QStringList{"kp4-mr", "kp4-prior"}) QCOMPARE(cachedInstances(m_uid[name]), archiveInstances(m_uid[name]));
    QVERIFY(holds().contains("kp4-mr:offline"));
    QVERIFY(holds().contains("kp4-prior:offline"));
    // The order's prefetch is recorded done: the worklist says its study is here.
    const ProcessResult list = lb({"worklist", "--json", "--text", "ACC-KP-4"});
    const QJsonObject item = QJsonDocument::fromJson(list.out).array().first().toObject();
    QCOMPARE(item["status"].toString(), QString("cached"));
}

void StudyKeepingTest::deletingAStudyRemovesItsHolds()
{
    QVERIFY(holds().contains("kp4-prior:offline"));
    const ProcessResult del = cacheCommand({"delete", m_uid["kp4-prior"]});
    QVERIFY2(del.ok(), (del.out + del.err).constData());
    QVERIFY(!holds().join(',').contains("kp4-prior"));
    QVERIFY(holds().contains("kp4-mr:offline"));
}

void StudyKeepingTest::aStoredQueryMakesTodaysStudiesWork()
{
    // "The archive's CT studies of the last 48 hours" polled: each becomes an order to read, and
    // prefetch brings it with its prior; the MR of today and the older CTs are not taken.
    evictAll();
    const ProcessResult added = lb({"worklist", "source", "add", "todays-ct", "--archive", "orthanc", "--studies", "--modality", "CT", "--hours", "48"});
    QVERIFY2(added.ok(), (added.out + added.err).constData());
    QVERIFY(lb({"worklist", "source", "list"}).out.contains("todays-ct: studies of archive orthanc, modality CT, acquired in the last 48 h"));
    const ProcessResult polled = lb({"worklist", "poll", "--source", "todays-ct", "--json"});
    QVERIFY2(polled.ok(), (polled.out + polled.err).constData());
    QStringList outcomes;
    for (const QJsonValue& source : QJsonDocument::fromJson(polled.out).array())
        for (const QJsonValue& step : source.toObject()["steps"].toArray())
            outcomes << m_uid.key(step["studyUid"].toString(), step["studyUid"].toString()) + ":" + step["outcome"].toString().section(':', 0, 0);
    outcomes.sort();
    QCOMPARE(outcomes, (QStringList{"kp3-current:new"}));
    // Asked again: nothing new.
    const ProcessResult again = lb({"worklist", "poll", "--source", "todays-ct", "--json"});
    QVERIFY(again.out.contains("\"outcome\": \"unchanged\""));
    QVERIFY(!again.out.contains("\"outcome\": \"new\""));
    const ProcessResult prefetched = lb({"worklist", "prefetch", "--quiet"});
    QVERIFY2(prefetched.ok(), (prefetched.out + prefetched.err).constData());
    QCOMPARE(cached("KP-3"), (QStringList{"kp3-current", "kp3-prior"}));
    bool listed = false;
    for (const QJsonValue& v : QJsonDocument::fromJson(lb({"worklist", "--json"}).out).array())
        listed |= v["sender"].toString() == "query:todays-ct" && v["studyUid"].toString() == m_uid["kp3-current"] && v["status"].toString() == "cached";
    QVERIFY(listed);
}

void StudyKeepingTest::anUnreachableArchiveIsNamed()
{
    const QString dead = m_tmp.path() + "/dead.json";
    QVERIFY(lb({"archive", "add", "gone", "--aet", "GONE", "--host", "127.0.0.1", "--port", QString::number(freePort())}, dead).ok());
    const QStringList before = holds();
    QVERIFY2(!before.join(',').contains("failed"), qPrintable(before.join(',')));
    const ProcessResult r = lb({"offline", "patient", "KP-2", "--quiet"}, dead);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("gone"), r.err.constData());
    QCOMPARE(holds(), before);
}

QTEST_GUILESS_MAIN(StudyKeepingTest)
#include "test_study_keeping.moc"
