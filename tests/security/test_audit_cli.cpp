// Accountability through real `lightbox` processes: a machine without users audits its OS user;
// once an administrator exists every command signs in; a technologist can neither delete nor let
// a patient's identity leave, nor change settings, users or read the trail, by the command line,
// and each refusal is recorded; each action leaves exactly its DICOM audit message (validated with
// jing); TOTP and PAM (pam_wrapper with pam_matrix) sign-ins; a tampered trail fails `audit verify`
// naming the record.
#include "test_support.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace lightbox::test;

class AuditCliTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void aMachineWithoutUsersAuditsItsSystemUser();
    void onceUsersExistEveryCommandSignsIn();
    void aTechnologistCannotDeleteExportOrAdminister();
    void eachActionLeavesItsMessageOnce();
    void totpOnTheCommandLine();
    void systemAccountsSignInThroughPam();
    void aTamperedTrailFailsVerify();
    void showAndExportFilter();
    void anExecutablePreambleIsStoredCleanAndAlerted();

private:
    ProcessResult lb(const QStringList& args, const QString& user = {}, const QString& password = {}, const QByteArray& input = {},
                     const QList<QPair<QString, QString>>& extra = {});
    QJsonArray records();  // the trail, read by the administrator
    QJsonArray newRecords(int& seen);
    void makeAdministrator();
    QString security() const { return m_tmp->path() + "/security"; }
    QString cache() const { return m_tmp->path() + "/cache"; }
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_ct, m_studyUid, m_patientId;
};

namespace {

QString dumpValue(const QString& file, const QString& tag)
{
    const ProcessResult r = run("dcmdump", {"+P", tag, "-s", file});
    const QString line = QString::fromLatin1(r.out);
    const int open = int(line.indexOf('[')), close = int(line.indexOf(']'));
    return open >= 0 && close > open ? line.mid(open + 1, close - open - 1) : QString();
}

QStringList eventIds(const QJsonArray& records)
{
    QStringList ids;
    static const QRegularExpression id("<EventID csd-code=\"(\\d+)\"");
    for (const auto& r : records) ids << id.match(r.toObject()["xml"].toString()).captured(1);
    return ids;
}

}  // namespace

void AuditCliTest::initTestCase()
{
    m_ct = testDataDir() + "/ct/siemens-sensation10_chest_30sl";
    QVERIFY2(QDir(m_ct).exists(), qPrintable(m_ct));
    m_studyUid = dumpValue(m_ct + "/1-01.dcm", "0020,000d");
    m_patientId = dumpValue(m_ct + "/1-01.dcm", "0010,0020");
    QVERIFY(!m_studyUid.isEmpty() && !m_patientId.isEmpty());
}

void AuditCliTest::init() { m_tmp = std::make_unique<QTemporaryDir>(); }

ProcessResult AuditCliTest::lb(const QStringList& args, const QString& user, const QString& password, const QByteArray& input,
                               const QList<QPair<QString, QString>>& extra)
{
    // The signing-in --user comes first (right after the command word): a later --user is the
    // command's own (audit show's filter).
    QStringList all = args;
    if (!user.isEmpty()) {
        all.insert(1, user);
        all.insert(1, "--user");
    }
    QList<QPair<QString, QString>> env = {{"LIGHTBOX_SECURITY_DIR", security()}, {"LIGHTBOX_PASSWORD", password}, {"LIGHTBOX_TOTP", ""}};
    env += extra;
    return runWith(lightboxExe(), all, env, input, 120000);
}

void AuditCliTest::makeAdministrator()
{
    const ProcessResult add = lb({"users", "add", "boss", "--role", "administrator"}, {}, {}, "administrator 1\n");
    QVERIFY2(add.ok(), add.err.constData());
}

QJsonArray AuditCliTest::records()
{
    const bool users = QFile::exists(security() + "/accounts.sqlite") && lb({"users", "list"}).exitCode == 3;
    const ProcessResult r = users ? lb({"audit", "show", "--format", "json"}, "boss", "administrator 1") : lb({"audit", "show", "--format", "json"});
    if (!r.ok()) qWarning() << r.err;
    return QJsonDocument::fromJson(r.out).array();
}

// Records after the first `seen`, leaving out the reading of the trail itself and the commands'
// start and stop; `seen` moves on past the reading.
QJsonArray AuditCliTest::newRecords(int& seen)
{
    const QJsonArray all = records();
    QJsonArray out;
    for (int i = seen; i < all.size(); ++i) {
        const QString event = all[i].toObject()["event"].toString();
        if (event.startsWith("Application ") || event.startsWith("Audit Log Used") || event == "User Authentication: sign-in") continue;
        out.append(all[i]);
    }
    seen = int(records().size());
    return out;
}

void AuditCliTest::aMachineWithoutUsersAuditsItsSystemUser()
{
    const ProcessResult imp = lb({"import", "--quiet", "--cache", cache(), m_ct});
    QVERIFY2(imp.ok(), imp.err.constData());
    const QJsonArray all = records();
    QJsonObject import;
    for (const auto& r : all)
        if (r.toObject()["event"] == "Import") import = r.toObject();
    QVERIFY2(!import.isEmpty(), QJsonDocument(all).toJson().constData());
    QCOMPARE(import["user"].toString(), QString::fromLocal8Bit(qgetenv("USER").isEmpty() ? run("id", {"-un"}).out.trimmed() : qgetenv("USER")));
    QCOMPARE(import["patientId"].toString(), m_patientId);
    QCOMPARE(import["studyUid"].toString(), m_studyUid);
    QVERIFY(import["xml"].toString().contains("operating-system user"));
    QVERIFY(import["xml"].toString().contains("30 instance(s)"));
}

void AuditCliTest::onceUsersExistEveryCommandSignsIn()
{
    // The first user must be an administrator, and needs no sign-in.
    QCOMPARE(lb({"users", "add", "tina", "--role", "technologist"}, {}, {}, "technologist 1\n").exitCode, 2);
    makeAdministrator();
    const ProcessResult anonymous = lb({"studies", "--cache", cache()});
    QCOMPARE(anonymous.exitCode, 3);
    QVERIFY2(anonymous.err.contains("sign in with --user NAME"), anonymous.err.constData());
    const ProcessResult wrong = lb({"studies", "--cache", cache()}, "boss", "wrong password");
    QCOMPARE(wrong.exitCode, 3);
    QVERIFY(wrong.err.contains("unknown user or wrong password"));
    QVERIFY(lb({"studies", "--cache", cache()}, "boss", "administrator 1").ok());
    // The failure is in the trail with its outcome, as a User Authentication message (110114, failed).
    bool failed = false;
    for (const auto& r : records()) {
        const QJsonObject o = r.toObject();
        if (o["event"] == "User Authentication: sign-in" && o["outcome"] != "success") {
            failed = true;
            QCOMPARE(o["user"].toString(), QString("boss"));
            QVERIFY(o["xml"].toString().contains("EventOutcomeIndicator=\"4\""));
            QVERIFY(o["xml"].toString().contains("csd-code=\"110114\""));
        }
    }
    QVERIFY(failed);
    // Five failures lock the account; the administrator's own right password is then refused too.
    for (int i = 0; i < 5; ++i) QCOMPARE(lb({"studies", "--cache", cache()}, "boss", "wrong password").exitCode, 3);
    const ProcessResult locked = lb({"studies", "--cache", cache()}, "boss", "administrator 1");
    QCOMPARE(locked.exitCode, 3);
    QVERIFY2(locked.err.contains("locked"), locked.err.constData());
}

void AuditCliTest::aTechnologistCannotDeleteExportOrAdminister()
{
    QVERIFY(lb({"import", "--quiet", "--cache", cache(), m_ct}).ok());
    makeAdministrator();
    QVERIFY(lb({"users", "add", "tina", "--role", "technologist"}, "boss", "administrator 1", "technologist 1\n").ok());
    int seen = int(records().size());
    const ProcessResult del = lb({"cache", "delete", m_studyUid, "--cache", cache()}, "tina", "technologist 1");
    QCOMPARE(del.exitCode, 1);
    QVERIFY2(del.err.contains("tina (technologist) may not delete studies"), del.err.constData());
    const ProcessResult still = lb({"studies", "--cache", cache(), "--json"}, "tina", "technologist 1");
    QVERIFY(still.out.contains(m_studyUid.toLatin1()));
    const QList<QStringList> refused = {{"send", "--archive", "pacs", "--study", m_studyUid, "--cache", cache()},
                                        {"export", m_studyUid, "--out", m_tmp->path() + "/identified", "--cache", cache()},  // identified: not hers
                                        {"config", "set", "aet", "OTHER"},
                                        {"archive", "add", "x", "--aet", "X", "--host", "127.0.0.1", "--port", "104"},
                                        {"audit", "show"},
                                        {"users", "add", "eve", "--role", "administrator"},
                                        {"cache", "evict", "--to-size", "0", "--cache", cache()}};
    for (const QStringList& args : refused) {
        const ProcessResult r = lb(args, "tina", "technologist 1", "administrator 2\n");
        QVERIFY2(r.exitCode == 3, qPrintable(args.join(' ') + ": " + QString::number(r.exitCode) + " " + r.err));
        QVERIFY2(r.err.contains("tina (technologist) may not"), r.err.constData());
    }
    QVERIFY(!QFileInfo::exists(m_tmp->path() + "/identified"));
    // Each refusal is a Security Alert: Use of Restricted Function, by tina.
    const QJsonArray alerts = newRecords(seen);
    QCOMPARE(alerts.size(), 1 + int(refused.size()));
    for (const auto& a : alerts) {
        QCOMPARE(a.toObject()["user"].toString(), QString("tina"));
        QVERIFY(a.toObject()["xml"].toString().contains("csd-code=\"110132\""));
    }
    // Nothing changed: the study is there, eve does not exist, the AE title is the default.
    QVERIFY(!lb({"users", "list"}, "boss", "administrator 1").out.contains("eve"));
    // The administrator may.
    QVERIFY(lb({"cache", "delete", m_studyUid, "--cache", cache()}, "boss", "administrator 1").ok());
}

void AuditCliTest::eachActionLeavesItsMessageOnce()
{
    makeAdministrator();
    int seen = int(records().size());
    // Runs a command as the administrator: it must leave exactly the messages `ids`.
    auto expect = [&](const QStringList& args, const QByteArray& input, const QStringList& ids) -> QJsonArray {
        const ProcessResult r = lb(args, "boss", "administrator 1", input);
        if (!r.ok()) QTest::qFail(qPrintable(args.join(' ') + ": " + r.err), __FILE__, __LINE__);
        const QJsonArray added = newRecords(seen);
        if (eventIds(added) != ids)
            QTest::qFail(qPrintable(args.join(' ') + " left " + eventIds(added).join(',') + ", expected " + ids.join(',')), __FILE__, __LINE__);
        return added;
    };
    const QJsonArray imported = expect({"import", "--quiet", "--cache", cache(), m_ct}, {}, {"110107"});
    if (QTest::currentTestFailed()) return;
    QCOMPARE(imported[0].toObject()["patientId"].toString(), m_patientId);
    const QJsonArray opened = expect({"inspect", "--study", m_studyUid, "--cache", cache()}, {}, {"110103"});
    if (QTest::currentTestFailed()) return;
    QCOMPARE(opened[0].toObject()["studyUid"].toString(), m_studyUid);
    expect({"config", "set", "aet", "READER1"}, {}, {"110113"});
    expect({"users", "add", "rad", "--role", "radiologist"}, "radiologist 1\n", {"110113"});
    expect({"users", "role", "rad", "technologist"}, {}, {"110113"});
    const QJsonArray deleted = expect({"cache", "delete", m_studyUid, "--cache", cache()}, {}, {"110105"});
    if (QTest::currentTestFailed()) return;
    QCOMPARE(deleted[0].toObject()["patientId"].toString(), m_patientId);
    // Break-glass: marked, and an Emergency Override Started alert.
    const ProcessResult glass = lb({"studies", "--cache", cache(), "--break-glass"}, "rad", "radiologist 1");
    QVERIFY2(glass.ok(), glass.err.constData());
    const QJsonArray all = records();
    bool override = false, marked = false;
    for (const auto& r : all) {
        override = override || r.toObject()["xml"].toString().contains("csd-code=\"110127\"");
        marked = marked || r.toObject()["user"].toString() == "rad (break-glass)";
    }
    QVERIFY(override && marked);
    // Every record of the run, whatever its kind, validates against the DICOM schema.
    QStringList files;
    for (const auto& r : all) {
        const QString path = m_tmp->path() + "/m" + QString::number(files.size()) + ".xml";
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(r.toObject()["xml"].toString().toUtf8());
        files << path;
    }
    QVERIFY(files.size() > 20);
    const ProcessResult jing = run("jing", QStringList{"-c", scriptsDir() + "/security/dicom-audit-message.rnc"} + files);
    QVERIFY2(jing.ok(), (jing.out + jing.err).constData());
}

void AuditCliTest::totpOnTheCommandLine()
{
    makeAdministrator();
    QVERIFY(lb({"users", "add", "rad", "--role", "radiologist"}, "boss", "administrator 1", "radiologist 1\n").ok());
    const ProcessResult enrol = lb({"users", "totp", "rad"}, "boss", "administrator 1");
    QVERIFY2(enrol.ok(), enrol.err.constData());
    const QString secret = QRegularExpression("secret: ([A-Z2-7]+)").match(QString::fromLatin1(enrol.out)).captured(1);
    QVERIFY2(!secret.isEmpty(), enrol.out.constData());
    const QString code = QString::fromLatin1(run("oathtool", {"--totp", "-b", secret}).out).trimmed();
    QCOMPARE(code.size(), 6);
    const ProcessResult noCode = lb({"studies", "--cache", cache()}, "rad", "radiologist 1");
    QCOMPARE(noCode.exitCode, 3);
    QVERIFY2(noCode.err.contains("one-time code"), noCode.err.constData());
    const ProcessResult ok = lb({"studies", "--cache", cache()}, "rad", "radiologist 1", {}, {{"LIGHTBOX_TOTP", code}});
    QVERIFY2(ok.ok(), ok.err.constData());
    const ProcessResult replay = lb({"studies", "--cache", cache()}, "rad", "radiologist 1", {}, {{"LIGHTBOX_TOTP", code}});
    QCOMPARE(replay.exitCode, 3);
    QVERIFY2(replay.err.contains("used already"), replay.err.constData());
    // A policy that requires the second factor of administrators stops boss until enrolled.
    QVERIFY(lb({"users", "policy", "--require-totp", "administrator,radiologist"}, "boss", "administrator 1").ok());
    const ProcessResult required = lb({"studies", "--cache", cache()}, "boss", "administrator 1");
    QCOMPARE(required.exitCode, 3);
    QVERIFY2(required.err.contains("requires a second factor"), required.err.constData());
}

void AuditCliTest::systemAccountsSignInThroughPam()
{
    // pam_wrapper lets a process use a PAM service from a private folder; pam_matrix checks the
    // password against a file: the system's sign-in path without touching /etc/pam.d.
    const QString module = "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_matrix.so";
    QVERIFY2(QFile::exists(module), "libpam-wrapper is not installed");
    const QString services = m_tmp->path() + "/pam.d", passdb = m_tmp->path() + "/passdb";
    QDir().mkpath(services);
    QFile svc(services + "/lightbox");
    QVERIFY(svc.open(QIODevice::WriteOnly));
    svc.write(QString("auth required %1 passdb=%2\naccount required %1 passdb=%2\n").arg(module, passdb).toUtf8());
    svc.close();
    QFile db(passdb);
    QVERIFY(db.open(QIODevice::WriteOnly));
    db.write("drsmith:directory pass 1:lightbox\n");
    db.close();
    const QList<QPair<QString, QString>> pam = {{"LD_PRELOAD", "libpam_wrapper.so"}, {"PAM_WRAPPER", "1"}, {"PAM_WRAPPER_SERVICE_DIR", services}};
    makeAdministrator();
    QVERIFY(lb({"users", "add", "drsmith", "--role", "radiologist", "--system"}, "boss", "administrator 1").ok());
    const ProcessResult ok = lb({"studies", "--cache", cache()}, "drsmith", "directory pass 1", {}, pam);
    QVERIFY2(ok.ok(), ok.err.constData());
    const ProcessResult wrong = lb({"studies", "--cache", cache()}, "drsmith", "directory pass 2", {}, pam);
    QCOMPARE(wrong.exitCode, 3);
    QVERIFY2(wrong.err.contains("wrong password"), wrong.err.constData());
    // The local password of a system account does not exist: without PAM's answer, no entry.
    QCOMPARE(lb({"studies", "--cache", cache()}, "drsmith", "directory pass 1").exitCode, 3);
}

void AuditCliTest::aTamperedTrailFailsVerify()
{
    makeAdministrator();
    QVERIFY(lb({"import", "--quiet", "--cache", cache(), m_ct}, "boss", "administrator 1").ok());
    const ProcessResult clean = lb({"audit", "verify"}, "boss", "administrator 1");
    QVERIFY2(clean.ok(), clean.err.constData());
    QVERIFY(clean.out.contains("audit trail intact"));
    // The administrator takes the key away.
    const ProcessResult take = lb({"audit", "key", "--take"}, "boss", "administrator 1");
    QVERIFY2(take.ok(), take.err.constData());
    const QString key = QString::fromLatin1(take.out).trimmed();
    QCOMPARE(key.size(), 64);
    QVERIFY(!QFile::exists(security() + "/audit-verification.key"));
    QCOMPARE(lb({"audit", "verify"}, "boss", "administrator 1").exitCode, 2);
    QVERIFY(lb({"audit", "verify", "--key", key}, "boss", "administrator 1").ok());
    // Someone rewrites who imported the study.
    QFile log(security() + "/audit.log");
    QVERIFY(log.open(QIODevice::ReadOnly));
    QList<QByteArray> lines = log.readAll().split('\n');
    log.close();
    int changed = -1;
    for (int i = 0; i < lines.size(); ++i)
        if (lines[i].contains("\"event\":\"Import\"")) {
            lines[i].replace("\"user\":\"boss\"", "\"user\":\"tina\"");
            changed = i;
        }
    QVERIFY(changed >= 0);
    const QByteArray seq = QJsonDocument::fromJson(lines[changed]).object()["seq"].toVariant().toByteArray();
    QVERIFY(log.open(QIODevice::WriteOnly | QIODevice::Truncate));
    log.write(lines.join('\n'));
    log.close();
    const ProcessResult altered = lb({"audit", "verify", "--key", key}, "boss", "administrator 1");
    QCOMPARE(altered.exitCode, 1);
    QVERIFY2(altered.out.contains("ALTERED: record " + seq + " was changed"), altered.out.constData());
}

void AuditCliTest::showAndExportFilter()
{
    makeAdministrator();
    QVERIFY(lb({"users", "add", "tina", "--role", "technologist"}, "boss", "administrator 1", "technologist 1\n").ok());
    QVERIFY(lb({"import", "--quiet", "--cache", cache(), m_ct}, "tina", "technologist 1").ok());
    const QString out = m_tmp->path() + "/trail.csv";
    const ProcessResult csv = lb({"audit", "export", "--format", "csv", "--user", "tina", "--patient", m_patientId, "--out", out}, "boss", "administrator 1");
    QVERIFY2(csv.ok(), csv.err.constData());
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup), QFileDevice::Permissions{});
    const QList<QByteArray> rows = f.readAll().trimmed().split('\n');
    QCOMPARE(rows.value(0), QByteArray("seq,time,user,event,outcome,patient_id,patient_name,study_uid"));
    QCOMPARE(rows.size(), 2);  // tina's import of that patient, nothing else
    QVERIFY(rows[1].contains(",tina,Import,success," + m_patientId.toLatin1()));
    // Dates: everything is from today (UTC); nothing before it, nothing after it.
    const QString today = QDateTime::currentDateTimeUtc().toString("yyyy-MM-dd");
    const QString yesterday = QDateTime::currentDateTimeUtc().addDays(-1).toString("yyyy-MM-dd");
    const auto count = [&](const QStringList& filter) {
        const ProcessResult r = lb(QStringList{"audit", "show", "--format", "json"} + filter, "boss", "administrator 1");
        return int(QJsonDocument::fromJson(r.out).array().size());
    };
    QVERIFY(count({"--from", today}) > 5);
    QCOMPARE(count({"--to", yesterday}), 0);
    // The whole trail as DICOM XML: one document of audit messages.
    const ProcessResult xml = lb({"audit", "export", "--format", "dicom-xml", "--patient", m_patientId}, "boss", "administrator 1");
    QVERIFY(xml.ok());
    QVERIFY(xml.out.startsWith("<?xml"));
    QCOMPARE(int(xml.out.count("<AuditMessage>")), 1);
}

void AuditCliTest::anExecutablePreambleIsStoredCleanAndAlerted()
{
    // CVE-2019-11687: a DICOM file whose preamble is a Windows executable's header (a valid
    // program and a valid image at once), and one with a TIFF header there (harmless, common).
    const QString dir = m_tmp->path() + "/crafted";
    QDir().mkpath(dir);
    auto craft = [&](const QString& source, const QString& name, const QByteArray& head) {
        QFile in(source);
        if (!in.open(QIODevice::ReadOnly)) return QByteArray();
        QByteArray bytes = in.readAll();
        bytes.replace(0, head.size(), head);
        QFile out(dir + "/" + name);
        if (!out.open(QIODevice::WriteOnly)) return QByteArray();
        out.write(bytes);
        return bytes;
    };
    QByteArray pe("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", 14);
    pe += QByteArray(50, '\x01') + "This program cannot be run in DOS mode.";
    const QByteArray peBytes = craft(m_ct + "/1-01.dcm", "pe.dcm", pe);
    const QByteArray tiffBytes = craft(m_ct + "/1-02.dcm", "tiff.dcm", QByteArray("II*\x00\x08\x00\x00\x00", 8));
    QVERIFY(peBytes.mid(128, 4) == "DICM" && tiffBytes.mid(128, 4) == "DICM");
    const ProcessResult imp = lb({"import", "--quiet", "--cache", cache(), dir});
    QVERIFY2(imp.ok(), imp.err.constData());
    // Stored with zero preambles, everything after it as it was.
    for (const auto& [name, bytes] : {std::pair{QString("1-01.dcm"), peBytes}, std::pair{QString("1-02.dcm"), tiffBytes}}) {
        const QString sop = dumpValue(m_ct + "/" + name, "0008,0018");
        QFile stored(storedInstanceCopy(cache(), sop, cache() + "-stored-" + name));
        QVERIFY2(stored.open(QIODevice::ReadOnly), qPrintable(stored.fileName()));
        const QByteArray s = stored.readAll();
        QCOMPARE(s.left(128), QByteArray(128, '\0'));
        QVERIFY(s.mid(128) == bytes.mid(128));
    }
    QVERIFY(lb({"cache", "verify", "--cache", cache()}).ok());  // the recorded hashes are the clean files'
    // One Security Alert, for the executable only, naming the patient and the study.
    QJsonArray alerts;
    for (const auto& r : records())
        if (r.toObject()["event"].toString().contains("preamble")) alerts.append(r);
    QCOMPARE(alerts.size(), 1);
    const QJsonObject alert = alerts[0].toObject();
    QVERIFY2(alert["event"].toString().contains("Windows executable (PE)"), qPrintable(alert["event"].toString()));
    QCOMPARE(alert["patientId"].toString(), m_patientId);
    QCOMPARE(alert["studyUid"].toString(), m_studyUid);
    QVERIFY(alert["xml"].toString().contains("csd-code=\"110113\""));
    QVERIFY(alert["xml"].toString().contains("csd-code=\"110135\""));
    // Flagged in the index, for the executable only.
    const ProcessResult findings = lb({"cache", "findings", "--json", "--cache", cache()});
    QVERIFY2(findings.ok(), findings.err.constData());
    const QJsonArray flagged = QJsonDocument::fromJson(findings.out).array();
    QCOMPARE(flagged.size(), 1);
    QCOMPARE(flagged[0].toObject()["sopInstanceUid"].toString(), dumpValue(m_ct + "/1-01.dcm", "0008,0018"));
    QVERIFY2(flagged[0].toObject()["what"].toString().contains("executable preamble"), findings.out.constData());
}

QTEST_GUILESS_MAIN(AuditCliTest)
#include "test_audit_cli.moc"
