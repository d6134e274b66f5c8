// Launch requests without a window: the command's arguments and lightbox:// URLs parsed (percent
// decoding, one parameter, nothing but open), values that are patterns or not UIDs refused; the
// request line round-trips; the study chosen among rows: the one of the UID or accession, the most
// recent of a patient ID, the cached copy before an archive's, and never a choice between two
// patients (another ID, name or birth date).
#include "launch_request.h"

#include <QtTest>

using namespace lightbox;
using namespace lightbox::app;

class LaunchRequestTest : public QObject {
    Q_OBJECT
private slots:
    void arguments_data();
    void arguments();
    void urls_data();
    void urls();
    void requestLineRoundTrips();
    void chooses();
};

void LaunchRequestTest::arguments_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("key");   // empty: refused
    QTest::addColumn<QString>("value"); // or what the refusal says
    QTest::newRow("accession") << QStringList{"open", "--accession", "A1"} << "accession" << "A1";
    QTest::newRow("patient") << QStringList{"open", "--patient-id", "P 1"} << "patientId" << "P 1";
    QTest::newRow("study") << QStringList{"open", "--study", "1.2.840.113619.2.1"} << "study" << "1.2.840.113619.2.1";
    QTest::newRow("url after open") << QStringList{"open", "lightbox://open?accession=A%201"} << "accession" << "A 1";
    QTest::newRow("url alone") << QStringList{"lightbox://open?patientId=%C3%96Z"} << "patientId" << QString::fromUtf8("ÖZ");
    QTest::newRow("two keys") << QStringList{"open", "--accession", "A", "--study", "1.2"} << "" << "name one study";
    QTest::newRow("none") << QStringList{"open"} << "" << "name one study";
    QTest::newRow("wildcard") << QStringList{"open", "--accession", "A*"} << "" << "may not have";
    QTest::newRow("question") << QStringList{"open", "--patient-id", "P?"} << "" << "may not have";
    QTest::newRow("control") << QStringList{"open", "--patient-id", QString("P\n1")} << "" << "may not have";
    QTest::newRow("not a uid") << QStringList{"open", "--study", "1.02.3"} << "" << "not a Study Instance UID";
    QTest::newRow("path as uid") << QStringList{"open", "--study", "../../etc"} << "" << "not a Study Instance UID";
    QTest::newRow("too long") << QStringList{"open", "--accession", QString(65, 'A')} << "" << "longer than 64";
    QTest::newRow("empty") << QStringList{"open", "--accession", ""} << "" << "empty";
    QTest::newRow("no value") << QStringList{"open", "--accession"} << "" << "needs a value";
    QTest::newRow("unknown") << QStringList{"open", "--delete", "x"} << "" << "unknown argument";
    QTest::newRow("exit alone") << QStringList{"open", "--study", "1.2", "--screenshot-exit"} << "" << "goes with --screenshot";
}

void LaunchRequestTest::arguments()
{
    QFETCH(QStringList, args);
    QFETCH(QString, key);
    QFETCH(QString, value);
    const Result<LaunchRequest> r = parseLaunchArguments(args);
    if (key.isEmpty()) {
        QVERIFY(!r);
        QVERIFY2(QString::fromStdString(r.error().message).contains(value), r.error().message.c_str());
        return;
    }
    QVERIFY2(r, r ? "" : r.error().message.c_str());
    QCOMPARE(r->value, value);
    const QJsonObject line = QJsonDocument::fromJson(launchRequestLine(*r)).object();
    QCOMPARE(line["open"].toString(), key);
}

void LaunchRequestTest::urls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("ok");
    QTest::newRow("study") << "lightbox://open?study=1.2.3" << true;
    QTest::newRow("upper scheme") << "LIGHTBOX://open?accession=A" << true;
    QTest::newRow("other host") << "lightbox://delete?study=1.2.3" << false;
    QTest::newRow("path") << "lightbox://open/x?study=1.2.3" << false;
    QTest::newRow("two parameters") << "lightbox://open?accession=A&study=1.2" << false;
    QTest::newRow("same twice") << "lightbox://open?accession=A&accession=B" << false;
    QTest::newRow("unknown parameter") << "lightbox://open?file=/etc/passwd" << false;
    QTest::newRow("no parameter") << "lightbox://open" << false;
    QTest::newRow("user info") << "lightbox://me@open?accession=A" << false;
    QTest::newRow("port") << "lightbox://open:99?accession=A" << false;
    QTest::newRow("fragment") << "lightbox://open?accession=A#x" << false;
    QTest::newRow("encoded wildcard") << "lightbox://open?accession=%2A" << false;
    QTest::newRow("other scheme") << "http://open?accession=A" << false;
}

void LaunchRequestTest::urls()
{
    QFETCH(QString, url);
    QFETCH(bool, ok);
    const Result<LaunchRequest> r = parseLaunchUrl(url);
    QCOMPARE(bool(r), ok);
}

void LaunchRequestTest::requestLineRoundTrips()
{
    const Result<LaunchRequest> r = parseLaunchArguments({"open", "--accession", QString::fromUtf8("ÄB \"1\""), "--screenshot", "shots"});
    QVERIFY(r);
    QVERIFY(QFileInfo(r->screenshotDir).isAbsolute());  // the caller's folder, made absolute where it runs
    const QByteArray line = launchRequestLine(*r);
    QVERIFY(line.endsWith('\n') && line.count('\n') == 1);
    const Result<LaunchRequest> back = launchRequestFromJson(line);
    QVERIFY(back);
    QCOMPARE(back->value, r->value);
    QCOMPARE(back->screenshotDir, r->screenshotDir);
    // The server checks what it is sent as the command does.
    QVERIFY(!launchRequestFromJson(R"({"open":"accession","value":"A*"})"));
    QVERIFY(!launchRequestFromJson(R"({"open":"study","value":"1.2","screenshot":"relative/dir"})"));
    QVERIFY(!launchRequestFromJson(R"({"open":"delete","value":"1.2"})"));
    QVERIFY(!launchRequestFromJson("not json"));
}

namespace {

LaunchCandidate row(const std::string& uid, const std::string& id, const std::string& name, const std::string& birth, const std::string& date,
                    const std::string& accession, const QString& archive = {})
{
    LaunchCandidate c;
    c.row.studyUid = uid;
    c.row.patientId = id;
    c.row.patientName = name;
    c.row.patientBirthDate = birth;
    c.row.studyDate = date;
    c.row.accession = accession;
    c.archive = archive;
    return c;
}

LaunchRequest request(LaunchRequest::Key key, const QString& value)
{
    LaunchRequest r;
    r.key = key;
    r.value = value;
    return r;
}

}  // namespace

void LaunchRequestTest::chooses()
{
    using K = LaunchRequest::Key;
    const std::vector<LaunchCandidate> rows{row("1.1", "P1", "DOE^JANE", "19600101", "20200101", "A1"),
                                            row("1.2", "P1", "Doe^Jane^^", "19600101", "20240101", "A2"),
                                            row("1.3", "P1", "DOE^JANE", "", "20220101", "A3")};
    // The most recent study of the patient (names written differently are the same name).
    Result<LaunchCandidate> c = chooseLaunchStudy(request(K::PatientId, "P1"), rows);
    QVERIFY(c);
    QCOMPARE(c->row.studyUid, std::string("1.2"));
    c = chooseLaunchStudy(request(K::Accession, "A3"), rows);
    QVERIFY(c);
    QCOMPARE(c->row.studyUid, std::string("1.3"));
    // Rows an archive returned loosely (another accession) are not matches.
    c = chooseLaunchStudy(request(K::Accession, "A9"), rows);
    QVERIFY(!c);
    QCOMPARE(c.error().code, std::string("not-found"));
    // The same study cached and on an archive: the cached copy.
    c = chooseLaunchStudy(request(K::Study, "1.2"), {row("1.2", "P1", "DOE^JANE", "19600101", "20240101", "A2", "pacs"), rows[1]});
    QVERIFY(c);
    QVERIFY(c->archive.isEmpty());
    // One accession, two patients: by ID, by name, by birth date.
    for (const LaunchCandidate& other : {row("9.1", "P2", "DOE^JANE", "19600101", "20240101", "A1"),
                                         row("9.2", "P1", "ROE^RICHARD", "19600101", "20240101", "A1"),
                                         row("9.3", "P1", "DOE^JANE", "19700101", "20240101", "A1")}) {
        c = chooseLaunchStudy(request(K::Accession, "A1"), {rows[0], other});
        QVERIFY(!c);
        QCOMPARE(c.error().code, std::string("ambiguous"));
        QVERIFY(c.error().message.find("more than one patient") != std::string::npos);
    }
}

QTEST_GUILESS_MAIN(LaunchRequestTest)
#include "test_launch_request.moc"
