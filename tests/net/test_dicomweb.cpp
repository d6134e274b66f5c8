// DICOMweb against a real Orthanc with its DICOMweb plugin (HTTP basic authentication, then HTTPS
// with a test CA): QIDO-RS at study, series and instance level, WADO-RS of a study and a series
// (the CT and the compressed series, kept in their transfer syntax, Pixel Data byte-identical),
// metadata, STOW-RS; wrong password, untrusted certificate, a bearer token and malformed answers
// from a small HTTP server written here; cancellation.
#include "dicom_copies.h"
#include "orthanc_fixture.h"
#include "test_certificates.h"
#include "test_support.h"

#include "dicomweb_client.h"
#include "receiver.h"
#include "receiver_sink.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSslKey>
#include <QSslServer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtConcurrent/QtConcurrentRun>
#include <QtTest>

using namespace lightbox;
using namespace lightbox::test;

namespace {

// A small HTTP(S) server: records the request, answers with the given bytes.
class TinyHttp : public QObject {
public:
    explicit TinyHttp(QByteArray answer, const QString& certFile = {}, const QString& keyFile = {}) : m_answer(std::move(answer))
    {
        if (!certFile.isEmpty()) {
            QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
            tls.setLocalCertificate(QSslCertificate::fromPath(certFile).value(0));
            QFile key(keyFile);
            key.open(QIODevice::ReadOnly);
            tls.setPrivateKey(QSslKey(key.readAll(), QSsl::Rsa));
            tls.setPeerVerifyMode(QSslSocket::VerifyNone);
            m_tls = true;
            m_sslServer.setSslConfiguration(tls);
            m_sslServer.listen(QHostAddress::LocalHost, 0);
            QObject::connect(&m_sslServer, &QTcpServer::pendingConnectionAvailable, this, [this] { serve(m_sslServer.nextPendingConnection()); });
        } else {
            m_server.listen(QHostAddress::LocalHost, 0);
            QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] { serve(m_server.nextPendingConnection()); });
        }
    }
    QString url() const
    {
        return QStringLiteral("%1://127.0.0.1:%2/dicom-web").arg(m_tls ? "https" : "http").arg(m_tls ? m_sslServer.serverPort() : m_server.serverPort());
    }
    QByteArray request() const { return m_request; }

private:
    void serve(QTcpSocket* s)
    {
        if (!s) return;
        QObject::connect(s, &QTcpSocket::readyRead, s, [this, s] {
            m_request += s->readAll();
            if (m_request.contains("\r\n\r\n")) {
                s->write(m_answer);
                s->flush();
                s->disconnectFromHost();
            }
        });
    }
    QTcpServer m_server;
    QSslServer m_sslServer;
    bool m_tls = false;
    QByteArray m_answer;
    QByteArray m_request;
};

// Runs a blocking client call while the event loop serves TinyHttp.
template <class F>
auto whileServing(F f)
{
    auto future = QtConcurrent::run(f);
    while (!future.isFinished()) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return future.result();
}

}  // namespace

class DicomWebTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void qidoAtEveryLevel();
    void wadoStudyAndSeriesByteIdentical();
    void metadata();
    void stowStores();
    void wrongPasswordIsSaid();
    void bearerTokenIsSent();
    void malformedAnswersAreRefused();
    void cancelStopsAWado();
    void httpsVerifiesTheCertificate();

private:
    net::WebServer server() const;
    QMap<QString, QString> cached(const QString& studyUid);

    QTemporaryDir m_tmp;
    QString m_cacheDir;
    std::unique_ptr<storage::Receiver> m_receiver;
    std::unique_ptr<app::ReceiverSink> m_sink;
    std::unique_ptr<OrthancServer> m_orthanc;
    QStringList m_ct, m_compressed;
    QString m_ctStudy, m_compressedStudy;
};

void DicomWebTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_cacheDir = m_tmp.path() + "/cache";
    auto r = storage::Receiver::open(m_cacheDir.toStdString(), "wado:test");
    QVERIFY(r.ok());
    m_receiver = std::move(*r);
    m_sink = std::make_unique<app::ReceiverSink>(*m_receiver);
    OrthancOptions oo;
    oo.user = "radiologist";
    oo.password = "s3cret";
    m_orthanc = std::make_unique<OrthancServer>(oo);
    QString error;
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));
    m_ctStudy = newUid();
    m_ct = copyWithNewUids(filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl"), m_tmp.path() + "/ct", m_ctStudy, "LB-WEB-CT");
    m_compressedStudy = newUid();
    for (const char* codec : {"jpeg-ls", "jpeg2000", "rle"})
        m_compressed += copyWithNewUids(filesUnder(testDataDir() + "/compressed-series/siemens-trio_mr_4sl_" + codec), m_tmp.path() + "/c/" + codec,
                                        m_compressedStudy, "LB-WEB-MR");
    QCOMPARE(m_orthanc->upload(m_ct + m_compressed, &error), int(m_ct.size() + m_compressed.size()));
}

void DicomWebTest::cleanupTestCase()
{
    m_receiver.reset();
    if (m_orthanc) m_orthanc->stop();
}

net::WebServer DicomWebTest::server() const
{
    net::WebServer s;
    s.baseUrl = m_orthanc->dicomWebUrl().toStdString();
    s.user = "radiologist";
    s.password = "s3cret";
    s.timeoutSeconds = 20;
    return s;
}

QMap<QString, QString> DicomWebTest::cached(const QString& studyUid) { return cachedInstances(m_cacheDir, studyUid); }

void DicomWebTest::qidoAtEveryLevel()
{
    auto studies = net::qido(server(), "studies", {{"PatientID", "LB-WEB-CT"}, {"includefield", "ModalitiesInStudy"}});
    QVERIFY2(studies.ok(), studies.ok() ? "" : studies.error().message.c_str());
    QCOMPARE(studies->size(), size_t(1));
    QCOMPARE(QString::fromStdString(studies->front().at(tags::StudyInstanceUID)), m_ctStudy);
    QCOMPARE(studies->front().at(tags::ModalitiesInStudy), std::string("CT"));
    auto series = net::qido(server(), "studies/" + m_compressedStudy.toStdString() + "/series", {});
    QVERIFY(series.ok());
    QCOMPARE(series->size(), size_t(3));
    auto instances = net::qido(server(), "studies/" + m_ctStudy.toStdString() + "/instances", {{"includefield", "00080016"}});
    QVERIFY(instances.ok());
    QCOMPARE(instances->size(), size_t(30));
    for (const auto& i : *instances) QCOMPARE(i.at(tags::SOPClassUID), std::string("1.2.840.10008.5.1.4.1.1.2"));
    // Person names come as UTF-8 with their component groups.
    QCOMPARE(QString::fromStdString(studies->front().at(tags::PatientName)), QString("Lung_Dx-A0002"));
    // Nothing matches: an empty list, not an error.
    auto none = net::qido(server(), "studies", {{"PatientID", "NOBODY-AT-ALL"}});
    QVERIFY(none.ok());
    QVERIFY(none->empty());
}

void DicomWebTest::wadoStudyAndSeriesByteIdentical()
{
    int calls = 0;
    auto r = net::wadoRetrieve(server(), "studies/" + m_ctStudy.toStdString(), *m_sink, [&](const net::WadoProgress&) { ++calls; });
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(r->instances, 30);
    QCOMPARE(calls, 30);
    // The compressed series, one by one.
    auto series = net::qido(server(), "studies/" + m_compressedStudy.toStdString() + "/series", {});
    QVERIFY(series.ok());
    for (const auto& s : *series) {
        auto got = net::wadoRetrieve(server(), "studies/" + m_compressedStudy.toStdString() + "/series/" + s.at(tags::SeriesInstanceUID), *m_sink);
        QVERIFY2(got.ok(), got.ok() ? "" : got.error().message.c_str());
        QCOMPARE(got->instances, 4);
    }
    QVERIFY(m_receiver->flush().ok());
    int checked = 0;
    for (const auto& [files, study] : std::vector<std::pair<QStringList, QString>>{{m_ct, m_ctStudy}, {m_compressed, m_compressedStudy}}) {
        const auto got = cached(study);
        QCOMPARE(got.size(), files.size());
        for (const QString& o : files) {
            const QString copy = got.value(sopInstanceUid(o));
            QVERIFY2(!copy.isEmpty(), qPrintable(o));
            const QByteArray pixels = pixelDataBytes(o);
            QVERIFY2(!pixels.isEmpty(), qPrintable(o));
            QCOMPARE(pixelDataBytes(copy), pixels);
            // Kept in its own transfer syntax (read by dcmdump; the CT is explicit VR little endian,
            // each MR series its codec's): a dcmdump that fails or prints nothing fails the test.
            const QString codec = QFileInfo(o).dir().dirName();
            const QString expected = study == m_ctStudy ? QStringLiteral("1.2.840.10008.1.2.1") : compressedSeriesSyntax(codec);
            QVERIFY2(!expected.isEmpty(), qPrintable(o));
            QString error;
            const QString originalSyntax = transferSyntaxByDcmdump(o, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QCOMPARE(originalSyntax, expected);
            const QString copySyntax = transferSyntaxByDcmdump(copy, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QCOMPARE(copySyntax, expected);
            ++checked;
        }
    }
    QCOMPARE(checked, 30 + 12);
}

void DicomWebTest::metadata()
{
    auto m = net::wadoMetadata(server(), "studies/" + m_ctStudy.toStdString());
    QVERIFY(m.ok());
    const QJsonArray a = QJsonDocument::fromJson(QByteArray::fromStdString(*m)).array();
    QCOMPARE(a.size(), 30);
    const net::Attributes first = net::attributesFromJson(QJsonDocument(a[0].toObject()).toJson().toStdString());
    QCOMPARE(QString::fromStdString(first.at(tags::StudyInstanceUID)), m_ctStudy);
    QCOMPARE(first.at(tags::Rows), std::string("512"));
}

void DicomWebTest::stowStores()
{
    const QString study = newUid();
    const QStringList files = copyWithNewUids(filesUnder(testDataDir() + "/mr/siemens-verio_brain-t1post_24sl"), m_tmp.path() + "/stow", study, "LB-STOW");
    const int before = m_orthanc->instanceCount();
    std::uint64_t lastSent = 0, lastTotal = 0;
    std::vector<std::string> paths;
    for (const QString& f : files) paths.push_back(f.toStdString());
    auto r = net::stow(server(), paths, [&](std::uint64_t s, std::uint64_t t) {
        lastSent = s;
        lastTotal = t;
    });
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(r->stored, 24);
    QVERIFY(r->failed.empty());
    QCOMPARE(m_orthanc->instanceCount(), before + 24);
    QVERIFY(lastTotal > 0 && lastSent == lastTotal);
}

void DicomWebTest::wrongPasswordIsSaid()
{
    net::WebServer s = server();
    s.password = "wrong";
    auto r = net::qido(s, "studies", {});
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, std::string("auth"));
}

void DicomWebTest::bearerTokenIsSent()
{
    TinyHttp http("HTTP/1.1 200 OK\r\nContent-Type: application/dicom+json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]");
    net::WebServer s;
    s.baseUrl = http.url().toStdString();
    s.token = "abc.def.ghi";
    auto r = whileServing([&] { return net::qido(s, "studies", {{"PatientName", "Doe^J*"}}); });
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QVERIFY(r->empty());
    QVERIFY(http.request().contains("Authorization: Bearer abc.def.ghi"));
    QVERIFY(http.request().contains("GET /dicom-web/studies?PatientName=Doe%5EJ%2A"));
}

void DicomWebTest::malformedAnswersAreRefused()
{
    {
        TinyHttp http("HTTP/1.1 200 OK\r\nContent-Type: application/dicom+json\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{not json");
        net::WebServer s;
        s.baseUrl = http.url().toStdString();
        auto r = whileServing([&] { return net::qido(s, "studies", {}); });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, std::string("malformed"));
    }
    {
        // A multipart answer cut before its end: what was complete is kept, the rest is an error.
        QByteArray part;
        QFile f(m_ct.front());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray dicom = f.readAll();
        part = "--B\r\nContent-Type: application/dicom\r\n\r\n" + dicom + "\r\n--B\r\nContent-Type: application/dicom\r\n\r\n" + dicom.left(1000);
        TinyHttp http("HTTP/1.1 200 OK\r\nContent-Type: multipart/related; type=\"application/dicom\"; boundary=B\r\nConnection: close\r\n\r\n" + part);
        net::WebServer s;
        s.baseUrl = http.url().toStdString();
        auto r = whileServing([&] { return net::wadoRetrieve(s, "studies/1.2.3", *m_sink); });
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, std::string("malformed"));
        QVERIFY2(QString::fromStdString(r.error().message).contains("after 1 instances"), r.error().message.c_str());
    }
    {
        TinyHttp http("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
        net::WebServer s;
        s.baseUrl = http.url().toStdString();
        auto r = whileServing([&] { return net::wadoRetrieve(s, "studies/1.2.3", *m_sink); });
        QVERIFY(!r.ok());
        QVERIFY(QString::fromStdString(r.error().message).contains("text/html"));
    }
}

void DicomWebTest::cancelStopsAWado()
{
    std::atomic<bool> cancel{true};
    auto r = net::wadoRetrieve(server(), "studies/" + m_ctStudy.toStdString(), *m_sink, {}, &cancel);
    QVERIFY(r.ok());
    QVERIFY(r->cancelled);
}

void DicomWebTest::httpsVerifiesTheCertificate()
{
    // Orthanc 1.10 as packaged cannot serve HTTPS with OpenSSL 3: a TLS server of Qt's answers.
    const TestCertificates certs = makeTestCertificates(m_tmp.path() + "/certs");
    QVERIFY2(certs.ok, qPrintable(certs.error));
    const QByteArray json = "[{\"00100020\": {\"vr\": \"LO\", \"Value\": [\"TLS-OK\"]}}]";
    const QByteArray answer = "HTTP/1.1 200 OK\r\nContent-Type: application/dicom+json\r\nConnection: close\r\nContent-Length: " +
                              QByteArray::number(json.size()) + "\r\n\r\n" + json;
    {
        TinyHttp https(answer, certs.serverCert, certs.serverKey);
        net::WebServer s;
        s.baseUrl = https.url().toStdString();
        s.caFile = certs.caCert.toStdString();
        auto ok = whileServing([&] { return net::qido(s, "studies", {}); });
        QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
        QCOMPARE(ok->size(), size_t(1));
        QCOMPARE(ok->front().at(tags::PatientID), std::string("TLS-OK"));
    }
    {
        // Signed by a CA we do not trust: refused, and said so.
        TinyHttp https(answer, certs.serverCert, certs.serverKey);
        net::WebServer s;
        s.baseUrl = https.url().toStdString();
        s.caFile = certs.otherCaCert.toStdString();
        auto bad = whileServing([&] { return net::qido(s, "studies", {}); });
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, std::string("tls"));
    }
}

QTEST_GUILESS_MAIN(DicomWebTest)
#include "test_dicomweb.moc"
