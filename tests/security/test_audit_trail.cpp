// The audit trail: records chained and sealed so that deleting, editing, reordering or truncating
// any of them is found and named by verify; a torn write or a process killed before it sealed is
// taken in; writers in parallel never break the chain; and every message Lightbox writes validates
// against the DICOM audit message schema (PS3.15 A.5.1) with jing.
#include "audit_log.h"
#include "auditor.h"
#include "test_support.h"

#include <QTemporaryDir>
#include <QtTest>

#include <thread>

using namespace lightbox;
using namespace lightbox::security;
using namespace lightbox::test;

class AuditTrailTest : public QObject {
    Q_OBJECT
private slots:
    void init();
    void anIntactTrailVerifies();
    void removedRecordsAreNamed();
    void changedRecordsAreNamed();
    void reorderedRecordsAreNamed();
    void aTruncatedEndIsNamed();
    void damagedLinesAreNamedAndSkipped();
    void aForgedSealOrWrongKeyIsFound();
    void aWriterKilledBeforeSealingIsTakenIn();
    void parallelWritersKeepTheChain();
    void everyMessageValidatesAgainstTheSchema();

private:
    QString dir() const { return m_tmp->path() + "/security"; }
    void write(int n);
    QList<QByteArray> lines() const;
    void setLines(const QList<QByteArray>& lines) const;
    QStringList findings() const;
    std::unique_ptr<QTemporaryDir> m_tmp;
    std::string m_key;
};

namespace {

AuditEntry entry(int i)
{
    AuditEntry e;
    e.time = "2026-12-07T10:00:" + QString::number(i % 60).rightJustified(2, '0').toStdString() + ".000Z";
    e.user = i % 2 ? "alice" : "bob";
    e.event = "Study opened";
    e.outcome = "success";
    e.patientId = "PAT" + std::to_string(i);
    e.studyUid = "1.2.3." + std::to_string(i);
    e.xml = "<AuditMessage/>";
    return e;
}

}  // namespace

void AuditTrailTest::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    AuditLog log(dir().toStdString());
    QVERIFY(!log.verificationKey());
    write(10);
    const auto key = log.verificationKey();
    QVERIFY(key && key->size() == 64);
    m_key = *key;
    QCOMPARE(QFile::permissions(dir() + "/audit.log") & (QFileDevice::ReadOther | QFileDevice::ReadGroup), QFileDevice::Permissions{});
}

void AuditTrailTest::write(int n)
{
    AuditLog log(dir().toStdString());
    const int start = log.read() ? int(log.read()->size()) : 0;
    for (int i = 0; i < n; ++i) QVERIFY(log.append({entry(start + i + 1)}).ok());
}

QList<QByteArray> AuditTrailTest::lines() const
{
    QFile f(dir() + "/audit.log");
    if (!f.open(QIODevice::ReadOnly)) return {};
    QList<QByteArray> out = f.readAll().split('\n');
    out.removeAll(QByteArray());
    return out;
}

void AuditTrailTest::setLines(const QList<QByteArray>& lines) const
{
    QFile f(dir() + "/audit.log");
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    for (const QByteArray& l : lines) f.write(l + "\n");
}

QStringList AuditTrailTest::findings() const
{
    auto r = AuditLog(dir().toStdString()).verify(m_key);
    if (!r) return {"ERROR " + QString::fromStdString(r.error().message)};
    QStringList out;
    for (const auto& f : *r) out << QString::fromStdString(f.what);
    return out;
}

void AuditTrailTest::anIntactTrailVerifies()
{
    QCOMPARE(findings(), QStringList());
    const auto records = AuditLog(dir().toStdString()).read();
    QVERIFY(records);
    QCOMPARE(int(records->size()), 10);
    for (int i = 0; i < 10; ++i) {
        QCOMPARE((*records)[std::size_t(i)].seq, std::int64_t(i + 1));
        QCOMPARE(QString::fromStdString((*records)[std::size_t(i)].entry.patientId), "PAT" + QString::number(i + 1));
    }
    // Several entries in one append are as good as one each.
    QVERIFY(AuditLog(dir().toStdString()).append({entry(11), entry(12), entry(13)}).ok());
    QCOMPARE(findings(), QStringList());
}

void AuditTrailTest::removedRecordsAreNamed()
{
    QList<QByteArray> l = lines();
    l.removeAt(3);  // record 4
    l.removeAt(6);  // record 8
    setLines(l);
    QCOMPARE(findings(), (QStringList{"record 4 was removed", "record 8 was removed"}));
}

void AuditTrailTest::changedRecordsAreNamed()
{
    QList<QByteArray> l = lines();
    l[4].replace("PAT5", "PAT9");  // another patient
    setLines(l);
    QCOMPARE(findings(), QStringList{"record 5 was changed"});
    // Even with the hash recomputed by whoever edits it, the seal gives it away.
    l = lines();
    QJsonObject o = QJsonDocument::fromJson(l[6]).object();
    o["user"] = "mallory";
    o.remove("hash");
    o.remove("seal");
    const QByteArray content = QJsonDocument(o).toJson(QJsonDocument::Compact);
    o["hash"] = QString::fromLatin1(QCryptographicHash::hash(content, QCryptographicHash::Sha256).toHex());
    o["seal"] = QString(64, 'a');
    l[6] = QJsonDocument(o).toJson(QJsonDocument::Compact);
    setLines(l);
    QCOMPARE(findings(), (QStringList{"record 5 was changed", "record 7 was changed"}));
}

void AuditTrailTest::reorderedRecordsAreNamed()
{
    QList<QByteArray> l = lines();
    l.swapItemsAt(2, 3);  // records 3 and 4
    setLines(l);
    QCOMPARE(findings(), QStringList{"record 3 is out of order (it follows record 4)"});
}

void AuditTrailTest::damagedLinesAreNamedAndSkipped()
{
    // Garbage, half a record, JSON that is not a record, a record without seal or number: named by
    // line, never a crash, and read() gives the intact records only.
    QList<QByteArray> l = lines();
    l.insert(2, QByteArray("\x00\xff\xfe garbage \x01", 14));
    l.insert(5, l[6].left(l[6].size() / 2));
    l.insert(8, "[1, 2, 3]");
    QJsonObject unsealed = QJsonDocument::fromJson(l[9]).object();
    unsealed.remove("seal");
    l[9] = QJsonDocument(unsealed).toJson(QJsonDocument::Compact);
    l.append("{\"seq\": -4, \"xml\": 7}");
    setLines(l);
    const QStringList f = findings();
    QVERIFY2(f.contains("line 3 is not a record: it was damaged or inserted"), qPrintable(f.join('\n')));
    QVERIFY(f.contains("line 6 is not a record: it was damaged or inserted"));
    QVERIFY(f.contains("line 9 is not a record: it was damaged or inserted"));
    QVERIFY(f.contains("line 14 is not a record: it was damaged or inserted"));
    const QString unsealedSeq = QString::number(qint64(unsealed["seq"].toDouble()));
    QVERIFY2(f.contains("record " + unsealedSeq + " was changed"), qPrintable(f.join('\n')));
    const auto records = AuditLog(dir().toStdString()).read();
    QVERIFY(records);
    QCOMPARE(int(records->size()), 10);
    // Appending after damage: the seal still knows the end, the chain goes on from it.
    QVERIFY(AuditLog(dir().toStdString()).append({entry(11)}).ok());
    QCOMPARE(int(AuditLog(dir().toStdString()).read()->size()), 11);
}

void AuditTrailTest::aTruncatedEndIsNamed()
{
    QList<QByteArray> l = lines();
    setLines(l.mid(0, 7));
    QCOMPARE(findings(), QStringList{"records 8 to 10 were removed from the end"});
    // Emptied altogether: still found, by the seal.
    setLines({});
    QCOMPARE(findings(), QStringList{"records 1 to 10 were removed from the end"});
    // Seal deleted with it: the log is gone, but the seal's absence beside records is named.
    setLines(l);
    QVERIFY(QFile::remove(dir() + "/audit.seal"));
    QCOMPARE(findings(), QStringList{"the seal (audit.seal) is missing or damaged"});
    // ...and nothing more can be recorded until an administrator looks.
    const Status s = AuditLog(dir().toStdString()).append({entry(11)});
    QVERIFY(!s);
    QVERIFY(QString::fromStdString(s.error().message).contains("audit verify"));
}

void AuditTrailTest::aForgedSealOrWrongKeyIsFound()
{
    // A seal put back from an earlier moment (to hide records removed from the end) does not
    // derive from the verification key at that count.
    QFile seal(dir() + "/audit.seal");
    QVERIFY(seal.open(QIODevice::ReadOnly));
    QJsonObject o = QJsonDocument::fromJson(seal.readAll()).object();
    seal.close();
    o["next"] = 8;
    QVERIFY(seal.open(QIODevice::WriteOnly | QIODevice::Truncate));
    seal.write(QJsonDocument(o).toJson());
    seal.close();
    setLines(lines().mid(0, 7));
    QCOMPARE(findings(), QStringList{"the seal (audit.seal) was replaced: it does not derive from the verification key"});
    // Another key: nothing verifies.
    m_key = std::string(64, '1');
    const QStringList all = findings();
    QVERIFY(all.contains("record 1 was changed"));
    QVERIFY(all.contains("record 7 was changed"));
}

void AuditTrailTest::aWriterKilledBeforeSealingIsTakenIn()
{
    // A process that wrote its records and died before it replaced the seal: the seal of before.
    const QByteArray sealBefore = [&] {
        QFile f(dir() + "/audit.seal");
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();
    write(2);
    QFile f(dir() + "/audit.seal");
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(sealBefore);
    f.close();
    QCOMPARE(findings(), QStringList());  // records 11 and 12 are sealed by their own keys
    // A torn last line (killed in the middle of the write) is cut, the next writer goes on.
    QFile log(dir() + "/audit.log");
    QVERIFY(log.open(QIODevice::Append));
    log.write("{\"seq\":13,\"time\":\"2026");
    log.close();
    write(1);
    QCOMPARE(findings(), QStringList());
    QCOMPARE(int(AuditLog(dir().toStdString()).read()->size()), 13);
}

void AuditTrailTest::parallelWritersKeepTheChain()
{
    // Threads with their own AuditLog objects (own files, own locks), as processes would be.
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w)
        writers.emplace_back([this, w] {
            AuditLog log(dir().toStdString());
            for (int i = 0; i < 25; ++i) log.append({entry(100 * (w + 1) + i)});
        });
    for (auto& t : writers) t.join();
    QCOMPARE(findings(), QStringList());
    QCOMPARE(int(AuditLog(dir().toStdString()).read()->size()), 110);
}

void AuditTrailTest::everyMessageValidatesAgainstTheSchema()
{
    const std::string d = (m_tmp->path() + "/messages").toStdString();
    Identity who{"alice", Role::Radiologist, true, false, false};
    Auditor a(d, who, "lightbox test");
    const storage::StudyFacts study{"PAT-1", "Doe^Jane", "1.2.3.4", 12};
    const PeerFacts peer{"pacs", "PACS", "10.0.0.5"};
    a.applicationActivity(true);
    a.authentication("alice", "sign-in", Done{});
    a.authentication("alice", "sign-in", makeError("wrong-password", "unknown user or wrong password"));
    a.authentication("alice", "lock", Done{});
    a.query(peer, "PatientName=DOE*", Done{});
    a.transferStarted(false, peer, study);
    a.transferred(false, peer, study, Done{});
    a.transferStarted(true, peer, study);
    a.transferred(true, peer, study, makeError("send-failed", "association rejected"));
    a.exported(study, "/media/usb", Done{});
    a.securityAlert(alert::networkConfiguration, "archive pacs added", Done{});
    a.securityAlert(alert::emergencyOverrideStarted, "break-glass", Done{});
    a.auditLogUsed("show", Done{});
    a.done(storage::CacheJob::Open, {study}, Done{}, "viewing");
    a.done(storage::CacheJob::Import, {study, {"PAT-2", "Roe^Rick", "1.2.3.5", 3}}, Done{}, "/media/cd");
    a.done(storage::CacheJob::Receive, {study}, Done{}, "listener");
    a.done(storage::CacheJob::Delete, {study}, Done{}, {});
    QVERIFY(!a.require(Permission::ManageUsers, "users add").ok());
    a.applicationActivity(false);
    a.flush();
    QCOMPARE(QString::fromStdString(a.lastWriteError()), QString());
    const auto records = AuditLog(d).read();
    QVERIFY(records);
    QCOMPARE(int(records->size()), 20);  // the import names two patients: two messages
    QStringList files;
    for (const auto& r : *records) {
        const QString path = m_tmp->path() + "/msg-" + QString::number(r.seq) + ".xml";
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(r.entry.xml));
        files << path;
    }
    const ProcessResult jing = run("jing", QStringList{"-c", scriptsDir() + "/security/dicom-audit-message.rnc"} + files);
    QVERIFY2(jing.ok(), (jing.out + jing.err).constData());
    // And the schema does refuse what is not an audit message (so that the check above can fail).
    QFile bad(m_tmp->path() + "/bad.xml");
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(QByteArray::fromStdString(records->front().entry.xml).replace("EventOutcomeIndicator=\"0\"", "EventOutcomeIndicator=\"1\""));
    bad.close();
    QCOMPARE(run("jing", {"-c", scriptsDir() + "/security/dicom-audit-message.rnc", bad.fileName()}).exitCode, 1);
    // Each names the user and the machine; the study's messages name the patient and the study.
    for (const auto& r : *records) {
        const QString xml = QString::fromStdString(r.entry.xml);
        QVERIFY2(xml.contains("UserID=\"alice\""), qPrintable(xml));
        QVERIFY(xml.contains("AuditSourceID=\"Lightbox@" + QString::fromStdString(machineName()) + "\""));
        if (!r.entry.studyUid.empty()) {
            QVERIFY2(xml.contains("ParticipantObjectID=\"" + QString::fromStdString(r.entry.studyUid) + "\""), qPrintable(xml));
            QVERIFY(xml.contains("ParticipantObjectID=\"" + QString::fromStdString(r.entry.patientId) + "\""));
        }
    }
    QVERIFY(QString::fromStdString((*records)[5].entry.xml).contains("csd-code=\"110102\""));  // Begin Transferring
    QVERIFY(QString::fromStdString((*records)[17].entry.xml).contains("csd-code=\"110105\""));  // Study Deleted
    QVERIFY(QString::fromStdString((*records)[18].entry.xml).contains("csd-code=\"110132\""));  // Use of Restricted Function
}

QTEST_GUILESS_MAIN(AuditTrailTest)
#include "test_audit_trail.moc"
