// The outbox (issue 12, points 4 and 8), against a real Orthanc whose Lua filter writes one line
// per C-STORE it receives, duplicates included, and then waits 150 ms before storing: an
// independent count of every receipt, and a moment to kill Lightbox between the archive's receipt
// and Lightbox's record of it. The archive killed: `lightbox send` queues (exit code 75), the
// archive's reachability says so, and the next try moves later (30 s, then 60 s). Orthanc back
// on the same ports and storage, `lightbox service` SIGKILLed while it delivers (just after a
// receipt), restarted: every instance arrives exactly once, the one left "sending" is found at
// the archive by C-FIND and not sent again, and the service stops promptly on SIGTERM. A
// "sending" row left by a dead process after the archive got the instance is marked sent without a
// second copy, by C-FIND, and by QIDO-RS for an archive known by DICOMweb only. A waiting item cancelled is not sent. The outbox of an encrypted cache holds no UID or patient ID in plain (a plain
// cache's does: the control); `lightbox queue` lists prefetch tasks too.
#include "orthanc_fixture.h"
#include "outbox.h"
#include "study_writer.h"
#include "test_support.h"
#include "work_queue.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <signal.h>

using namespace lightbox;
using namespace lightbox::app;
using namespace lightbox::test;

class OutboxTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void aSendToADeadArchiveIsQueuedAndBacksOff();
    void theServiceDeliversEachInstanceOnceAcrossSigkill();
    void aSendingRowLeftAfterTheArchiveGotItIsNotSentAgain();
    void aDicomWebArchiveIsAskedByQido();
    void aWaitingItemCanBeCancelled();
    void anEncryptedOutboxHoldsNothingPlain();
    void theQueueListsPrefetchTasks();

private:
    ProcessResult lb(const QStringList& args, const QString& cache = {})
    {
        return run(lightboxExe(), args + QStringList{"--config", m_config, "--cache", cache.isEmpty() ? m_cache : cache}, 240000);
    }
    QString newStudy(const QString& patientId, int images, const QString& cache = {}, const QList<QPair<QString, QString>>& env = {});
    QJsonObject queue(const QString& cache = {});
    QMap<QString, int> receipts();
    QProcess* startService();

    QTemporaryDir m_tmp;
    std::unique_ptr<OrthancServer> m_orthanc;
    QString m_config, m_cache, m_receipts;
    QMap<QString, QStringList> m_sops;  // study UID -> its SOP Instance UIDs (read by pydicom)
    QMap<QString, QString> m_files;     // SOP Instance UID -> source file
};

void OutboxTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_receipts = m_tmp.path() + "/receipts.txt";
    const QString lua = m_tmp.path() + "/receipts.lua";
    QFile script(lua);
    QVERIFY(script.open(QIODevice::WriteOnly));
    script.write(QString(R"LUA(
function ReceivedInstanceFilter(dicom, origin, info)
  local f = io.open("%1", "a")
  f:write(dicom.SOPInstanceUID .. "\n")
  f:close()
  local t = os.clock()
  while os.clock() - t < 0.15 do end
  return true
end
)LUA")
                     .arg(m_receipts)
                     .toUtf8());
    script.close();
    OrthancOptions options;
    options.extra["LuaScripts"] = QJsonArray{lua};
    m_orthanc = std::make_unique<OrthancServer>(options);
    QString error;
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));
    m_config = m_tmp.path() + "/lightbox.json";
    m_cache = m_tmp.path() + "/cache";
    QVERIFY(lb({"archive", "add", "pacs", "--aet", "ORTHANC", "--host", "127.0.0.1", "--port", QString::number(m_orthanc->dicomPort())}).ok());
}

void OutboxTest::cleanupTestCase()
{
    if (m_orthanc) m_orthanc->stop();
}

QString OutboxTest::newStudy(const QString& patientId, int images, const QString& cache, const QList<QPair<QString, QString>>& env)
{
    const QString dir = m_tmp.path() + "/studies/" + patientId;
    QString error;
    const QString uid = writeStudy({patientId, "19600101", "20261201", "CT CHEST", "CHEST", {{"Lung", "CT", "CHEST", images}}}, dir, &error);
    if (uid.isEmpty()) return {};
    const QStringList files = filesUnder(dir);
    const ProcessResult sops = run(python(), QStringList{"-c", "import sys, pydicom\nfor f in sys.argv[1:]: print(pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID)"} + files);
    const QStringList lines = QString::fromUtf8(sops.out).split('\n', Qt::SkipEmptyParts);
    if (lines.size() != files.size()) return {};
    for (int i = 0; i < files.size(); ++i) m_files[lines[i]] = files[i];
    m_sops[uid] = lines;
    const ProcessResult imported = runWith(lightboxExe(), QStringList{"import", "--quiet", "--cache", cache.isEmpty() ? m_cache : cache} + files, env);
    return imported.ok() ? uid : QString();
}

QJsonObject OutboxTest::queue(const QString& cache)
{
    const ProcessResult r = lb({"queue", "--json", "--all"}, cache);
    return QJsonDocument::fromJson(r.out).object();
}

QMap<QString, int> OutboxTest::receipts()
{
    QMap<QString, int> counts;
    QFile f(m_receipts);
    if (f.open(QIODevice::ReadOnly))
        for (const QByteArray& line : f.readAll().split('\n'))
            if (!line.isEmpty()) ++counts[QString::fromLatin1(line)];
    return counts;
}

QProcess* OutboxTest::startService()
{
    auto* service = new QProcess(this);
    service->setProcessChannelMode(QProcess::MergedChannels);
    service->start(lightboxExe(), {"service", "--port", QString::number(freePort()), "--config", m_config, "--cache", m_cache});
    return service;
}

namespace {

QJsonObject archiveIn(const QJsonObject& queue, const QString& name)
{
    for (const QJsonValue& a : queue["archives"].toArray())
        if (a.toObject()["name"].toString() == name) return a.toObject();
    return {};
}

QList<QJsonObject> itemsOf(const QJsonObject& queue, const QString& studyUid)
{
    QList<QJsonObject> out;
    for (const QJsonValue& i : queue["outbox"].toArray())
        if (i.toObject()["studyUid"].toString() == studyUid) out << i.toObject();
    return out;
}

QStringList statesOf(const QList<QJsonObject>& items)
{
    QStringList s;
    for (const QJsonObject& i : items) s << i["state"].toString();
    return s;
}

}  // namespace

void OutboxTest::aSendToADeadArchiveIsQueuedAndBacksOff()
{
    const QString study = newStudy("OUTBOX-A", 6);
    QVERIFY(!study.isEmpty());
    m_orthanc->kill();
    const ProcessResult sent = lb({"send", "--archive", "pacs", "--study", study});
    QCOMPARE(sent.exitCode, 75);
    QVERIFY2(sent.err.contains("6 instances wait in the outbox"), sent.err.constData());
    QVERIFY2(sent.out.contains("sent 0 of 6"), sent.out.constData());
    QCOMPARE(QFile::permissions(m_cache + "/outbox.sqlite"), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser | QFileDevice::WriteUser);
    QJsonObject q = queue();
    const QJsonObject pacs = archiveIn(q, "pacs");
    QCOMPARE(pacs["reachable"].toBool(), false);
    QVERIFY(!pacs["lastFailure"].toString().isEmpty());
    QVERIFY(!pacs["lastError"].toString().isEmpty());
    QCOMPARE(pacs["waiting"].toInt(), 6);
    QList<QJsonObject> items = itemsOf(q, study);
    QCOMPARE(statesOf(items), QStringList(6, "queued"));
    // The first try failed: it waits 30 s, and so does the rest of the archive's queue.
    QCOMPARE(items[0]["attempts"].toInt(), 1);
    const qint64 firstNext = qint64(items[0]["nextTryMs"].toDouble());
    QCOMPARE(firstNext - qint64(items[0]["lastTryMs"].toDouble()), qint64(30000));
    for (const QJsonObject& i : items) QVERIFY(qint64(i["nextTryMs"].toDouble()) >= firstNext);
    // Due at once on request; a second failure waits 60 s.
    const ProcessResult retry = lb({"queue", "retry"});
    QVERIFY2(retry.ok() && retry.out.contains("6 items due now"), retry.out.constData());
    QCOMPARE(lb({"queue", "deliver"}).exitCode, 75);
    items = itemsOf(queue(), study);
    QCOMPARE(items[0]["attempts"].toInt(), 2);
    QCOMPARE(qint64(items[0]["nextTryMs"].toDouble()) - qint64(items[0]["lastTryMs"].toDouble()), qint64(60000));
    QCOMPARE(statesOf(items), QStringList(6, "queued"));
    QVERIFY(receipts().isEmpty());
}

void OutboxTest::theServiceDeliversEachInstanceOnceAcrossSigkill()
{
    // Queued while the archive is still down; 6 more from the test before.
    const QString study = newStudy("OUTBOX-B", 30);
    QVERIFY(!study.isEmpty());
    const ProcessResult queued = lb({"send", "--archive", "pacs", "--study", study, "--queue"});
    QVERIFY2(queued.ok() && queued.out.contains("queued 30 instances"), (queued.out + queued.err).constData());
    QString error;
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));  // the same ports and storage
    QVERIFY(lb({"queue", "retry"}).ok());
    // Killed the moment the archive has received a few: it is then inside its 150 ms filter, so
    // Lightbox has sent an instance it has not heard back about.
    std::unique_ptr<QProcess> service(startService());
    QElapsedTimer clock;
    clock.start();
    while (receipts().size() < 10 && clock.elapsed() < 120000) QThread::msleep(2);
    ::kill(pid_t(service->processId()), SIGKILL);
    QVERIFY(service->waitForFinished(10000));
    QVERIFY2(receipts().size() >= 10, "the service delivered nothing in 2 minutes");
    QJsonObject q = queue();
    int sending = 0;
    for (const QJsonValue& v : q["outbox"].toArray()) sending += v.toObject()["state"].toString() == "sending";
    QCOMPARE(sending, 1);  // left behind by the killed process
    // Restarted: the rest arrives, nothing twice.
    service.reset(startService());
    const auto waiting = [&] { return archiveIn(queue(), "pacs")["waiting"].toInt(); };
    QTRY_COMPARE_WITH_TIMEOUT(waiting(), 0, 120000);
    clock.restart();
    ::kill(pid_t(service->processId()), SIGTERM);
    QVERIFY(service->waitForFinished(10000));
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QString("the service took %1 ms to stop").arg(clock.elapsed())));
    const QString said = QString::fromUtf8(service->readAll());
    QVERIFY2(said.contains("outbox:"), qPrintable(said));
    const QMap<QString, int> got = receipts();
    QStringList expected;
    for (const QStringList& sops : m_sops) expected += sops;
    expected.sort();
    QCOMPARE(got.keys(), expected);
    for (auto it = got.begin(); it != got.end(); ++it) QVERIFY2(it.value() == 1, qPrintable(it.key() + QString(" received %1 times").arg(it.value())));
    QCOMPARE(m_orthanc->instanceCount(), expected.size());
    q = queue();
    int found = 0;
    for (const QJsonValue& v : q["outbox"].toArray()) {
        QCOMPARE(v.toObject()["state"].toString(), QString("sent"));
        found += v.toObject()["note"].toString().contains("found at the archive");
    }
    QCOMPARE(found, 1);  // the one the killed service had sent without hearing back
    QCOMPARE(archiveIn(q, "pacs")["reachable"].toBool(), true);
}

void OutboxTest::aSendingRowLeftAfterTheArchiveGotItIsNotSentAgain()
{
    const QString study = newStudy("OUTBOX-C", 3);
    QVERIFY(!study.isEmpty());
    QVERIFY(lb({"send", "--archive", "pacs", "--study", study, "--queue"}).ok());
    // A process that is gone: it claimed an item, and the archive got the instance (storescu here)
    // before it could record so.
    QProcess gone;
    gone.start("/bin/true");
    const qint64 pid = gone.processId();
    QVERIFY(gone.waitForFinished(10000));
    const storage::ProcessIdentity dead{storage::ProcessIdentity::self().host, pid, 1};
    QString claimedSop;
    {
        auto box = Outbox::open(m_cache);
        QVERIFY2(box, box ? "" : box.error().message.c_str());
        auto claimed = (*box)->claimNext("pacs", dead);
        QVERIFY(claimed);
        claimedSop = claimed->sopUid;
    }
    QCOMPARE(statesOf(itemsOf(queue(), study)).count("sending"), 1);
    const ProcessResult stored =
        run("storescu", {"-aec", "ORTHANC", "127.0.0.1", QString::number(m_orthanc->dicomPort()), m_files.value(claimedSop)});
    QVERIFY2(stored.ok(), stored.err.constData());
    QCOMPARE(receipts().value(claimedSop), 1);
    // The dead process's item waits 30 s (the archive may still be storing); an operator's retry
    // makes it due now.
    QVERIFY(lb({"queue", "retry"}).ok());
    const ProcessResult delivered = lb({"queue", "deliver"});
    QVERIFY2(delivered.ok(), (delivered.out + delivered.err).constData());
    QVERIFY2(delivered.out.contains("2 sent, 1 found at the archive already"), delivered.out.constData());
    for (const QJsonObject& i : itemsOf(queue(), study)) {
        QCOMPARE(i["state"].toString(), QString("sent"));
        QCOMPARE(i["note"].toString().contains("found at the archive"), i["sopUid"].toString() == claimedSop);
    }
    for (const QString& sop : m_sops[study]) QCOMPARE(receipts().value(sop), 1);
}

// The same for an archive known by DICOMweb only: sent by STOW-RS, asked by QIDO-RS.
void OutboxTest::aDicomWebArchiveIsAskedByQido()
{
    QVERIFY(lb({"archive", "add", "web", "--dicomweb", m_orthanc->dicomWebUrl()}).ok());
    const QString study = newStudy("OUTBOX-W", 3);
    QVERIFY(!study.isEmpty());
    QVERIFY(lb({"send", "--archive", "web", "--study", study, "--queue"}).ok());
    const storage::ProcessIdentity dead{storage::ProcessIdentity::self().host, 999999, 1};
    QString claimedSop;
    {
        auto box = Outbox::open(m_cache);
        QVERIFY(box);
        auto claimed = (*box)->claimNext("web", dead);
        QVERIFY(claimed && claimed->stow);
        claimedSop = claimed->sopUid;
    }
    QCOMPARE(m_orthanc->upload({m_files.value(claimedSop)}), 1);
    QCOMPARE(receipts().value(claimedSop), 1);
    QVERIFY(lb({"queue", "retry"}).ok());
    const ProcessResult delivered = lb({"queue", "deliver"});
    QVERIFY2(delivered.ok() && delivered.out.contains("2 sent, 1 found at the archive already"), (delivered.out + delivered.err).constData());
    for (const QString& sop : m_sops[study]) QCOMPARE(receipts().value(sop), 1);
    QCOMPARE(archiveIn(queue(), "web")["reachable"].toBool(), true);
}

void OutboxTest::aWaitingItemCanBeCancelled()
{
    const QString study = newStudy("OUTBOX-E", 2);
    QVERIFY(!study.isEmpty());
    QVERIFY(lb({"send", "--archive", "pacs", "--study", study, "--queue"}).ok());
    const QList<QJsonObject> items = itemsOf(queue(), study);
    QCOMPARE(items.size(), 2);
    const QString id = QString::number(items[0]["id"].toInt());
    const ProcessResult cancelled = lb({"queue", "cancel", id});
    QVERIFY2(cancelled.ok() && cancelled.out.contains("cancelled"), (cancelled.out + cancelled.err).constData());
    const ProcessResult delivered = lb({"queue", "deliver"});
    QVERIFY2(delivered.ok() && delivered.out.contains("1 sent"), (delivered.out + delivered.err).constData());
    QCOMPARE(statesOf(itemsOf(queue(), study)), (QStringList{"cancelled", "sent"}));
    QCOMPARE(receipts().value(items[0]["sopUid"].toString()), 0);
    QCOMPARE(receipts().value(items[1]["sopUid"].toString()), 1);
    // Neither a finished item nor an unknown one can be cancelled or retried.
    const ProcessResult again = lb({"queue", "cancel", id});
    QCOMPARE(again.exitCode, 1);
    QVERIFY2(again.err.contains("no waiting item"), again.err.constData());
    QCOMPARE(lb({"queue", "retry", "999999"}).exitCode, 1);
    QCOMPARE(lb({"queue", "cancel", "x"}).exitCode, 2);
}

void OutboxTest::anEncryptedOutboxHoldsNothingPlain()
{
    // What would show in plain: the UIDs of the queued instances and the patient's ID.
    const auto plainIn = [](const QString& cache, const QStringList& needles) {
        QByteArray bytes;
        for (const char* f : {"/outbox.sqlite", "/outbox.sqlite-wal"}) {
            QFile file(cache + f);
            if (file.open(QIODevice::ReadOnly)) bytes += file.readAll();
        }
        QStringList found;
        for (const QString& n : needles)
            if (bytes.contains(n.toLatin1())) found << n;
        return found;
    };
    QStringList needles{"OUTBOX-A", "OUTBOX-B"};
    for (auto it = m_sops.begin(); it != m_sops.end(); ++it) needles += QStringList{it.key()} + it.value();
    QVERIFY(QFileInfo(m_cache + "/outbox.sqlite").size() > 0);
    QCOMPARE(plainIn(m_cache, needles), QStringList());
    // The control: a plain cache's outbox holds them.
    const QString plain = m_tmp.path() + "/plain-cache";
    const QList<QPair<QString, QString>> off{{"LIGHTBOX_CACHE_ENCRYPTION", "off"}};
    const QString study = newStudy("OUTBOX-PLAIN", 2, plain, off);
    QVERIFY(!study.isEmpty());
    QVERIFY(runWith(lightboxExe(), {"send", "--archive", "pacs", "--study", study, "--queue", "--config", m_config, "--cache", plain}, off).ok());
    QCOMPARE(plainIn(plain, m_sops[study]), m_sops[study]);
}

void OutboxTest::theQueueListsPrefetchTasks()
{
    {
        auto queue = WorkQueue::open(m_cache);
        QVERIFY2(queue, queue ? "" : queue.error().message.c_str());
        Order order;
        order.sender = "test";
        order.placer = "P-1";
        order.patientId = "OUTBOX-D";
        auto id = (*queue)->recordOrder(order, "MSG-1");
        QVERIFY(id);
        PrefetchTask task;
        task.orderId = *id;
        task.kind = "prior";
        task.studyUid = "1.2.826.0.1.3680043.8.498.77";
        task.archive = "pacs";
        QVERIFY((*queue)->addTask(task));
    }
    const QJsonArray tasks = queue()["prefetch"].toArray();
    QCOMPARE(tasks.size(), 1);
    QCOMPARE(tasks[0].toObject()["studyUid"].toString(), QString("1.2.826.0.1.3680043.8.498.77"));
    QCOMPARE(tasks[0].toObject()["state"].toString(), QString("queued"));
    const ProcessResult text = lb({"queue"});
    QVERIFY2(text.ok() && text.out.contains("prefetch:") && text.out.contains("pacs: 0 to send; reached"), text.out.constData());
}

QTEST_GUILESS_MAIN(OutboxTest)
#include "test_outbox.moc"
