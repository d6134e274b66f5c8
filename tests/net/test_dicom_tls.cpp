// DICOM TLS (PS3.15 B.1) both ways, with certificates made here by a throw-away CA: Lightbox's
// SCU (C-ECHO, C-FIND, C-GET, C-STORE) to an Orthanc listening with TLS, verifying its
// certificate; refused when the certificate does not chain to the trusted CA; Orthanc's C-MOVE
// to Lightbox's TLS storage listener; DCMTK's echoscu (anonymous TLS) to that listener.
#include "dicom_copies.h"
#include "orthanc_fixture.h"
#include "test_certificates.h"
#include "test_support.h"

#include "dimse_echo.h"
#include "dimse_find.h"
#include "dimse_retrieve.h"
#include "dimse_store.h"
#include "receiver.h"
#include "receiver_sink.h"
#include "storage_listener.h"

#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace lightbox;
using namespace lightbox::test;

class DicomTlsTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void verifiedEchoFindGet();
    void untrustedCertificateIsRefused();
    void plainAssociationToATlsPortFails();
    void moveToTheTlsListener();
    void dcmtkClientToTheTlsListener();
    void listenCommandWithTls();

private:
    net::DicomPeer peer(const QString& ca) const;

    QTemporaryDir m_tmp;
    TestCertificates m_certs;
    std::unique_ptr<OrthancServer> m_orthanc;
    std::unique_ptr<storage::Receiver> m_receiver;
    std::unique_ptr<app::ReceiverSink> m_sink;
    std::unique_ptr<net::StorageListener> m_listener;
    int m_listenerPort = 0;
    QString m_cacheDir, m_study;
    QStringList m_files;
};

void DicomTlsTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_certs = makeTestCertificates(m_tmp.path() + "/certs");
    QVERIFY2(m_certs.ok, qPrintable(m_certs.error));
    m_cacheDir = m_tmp.path() + "/cache";
    auto r = storage::Receiver::open(m_cacheDir.toStdString(), "tls");
    QVERIFY(r.ok());
    m_receiver = std::move(*r);
    m_sink = std::make_unique<app::ReceiverSink>(*m_receiver);
    m_listenerPort = freePort();
    net::ListenerOptions lo;
    lo.aeTitle = "LIGHTBOX";
    lo.port = m_listenerPort;
    lo.tls.enabled = true;
    lo.tls.certFile = m_certs.serverCert.toStdString();
    lo.tls.keyFile = m_certs.serverKey.toStdString();
    // Orthanc (C-MOVE results) and DCMTK's tools on this machine are the known peers.
    for (const char* ae : {"ORTHANC", "STORESCU", "DCMSEND", "ECHOSCU", "MODALITY"}) lo.peers.push_back({ae, ae, {"127.0.0.1"}});
    m_listener = std::make_unique<net::StorageListener>(lo, *m_sink);
    auto started = m_listener->start();
    QVERIFY2(started.ok(), started.ok() ? "" : started.error().message.c_str());

    OrthancOptions oo;
    oo.extra = QJsonObject{{"DicomTlsEnabled", true},
                           {"DicomTlsCertificate", m_certs.serverCert},
                           {"DicomTlsPrivateKey", m_certs.serverKey},
                           {"DicomTlsTrustedCertificates", m_certs.caCert},
                           {"DicomTlsRemoteCertificateRequired", false},
                           {"DicomModalities", QJsonObject{{"lightbox", QJsonObject{{"AET", "LIGHTBOX"}, {"Host", "127.0.0.1"}, {"Port", m_listenerPort},
                                                                                    {"UseDicomTls", true}}}}}};
    m_orthanc = std::make_unique<OrthancServer>(oo);
    QString error;
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));
    m_study = newUid();
    m_files = copyWithNewUids(filesUnder(testDataDir() + "/compressed-series/siemens-trio_mr_4sl_jpeg-ls"), m_tmp.path() + "/mr", m_study, "LB-TLS");
    QCOMPARE(m_orthanc->upload(m_files), 4);
}

void DicomTlsTest::cleanupTestCase()
{
    if (m_listener) m_listener->stop();
    m_receiver.reset();
    if (m_orthanc) m_orthanc->stop();
}

net::DicomPeer DicomTlsTest::peer(const QString& ca) const
{
    net::DicomPeer p;
    p.host = "127.0.0.1";
    p.port = m_orthanc->dicomPort();
    p.calledAeTitle = "ORTHANC";
    p.timeoutSeconds = 10;
    p.tls.enabled = true;
    p.tls.caFile = ca.toStdString();
    return p;
}

void DicomTlsTest::verifiedEchoFindGet()
{
    auto e = net::echo(peer(m_certs.caCert));
    QVERIFY2(e.ok(), e.ok() ? "" : e.error().message.c_str());
    auto f = net::find(peer(m_certs.caCert), {net::QueryLevel::Study, net::QueryModel::StudyRoot, {{tags::PatientID, "LB-TLS"}, {tags::StudyInstanceUID, ""}}});
    QVERIFY(f.ok());
    QCOMPARE(f->results.size(), size_t(1));
    net::RetrieveRequest rq;
    rq.studyUid = m_study.toStdString();
    const QString cacheBefore = m_cacheDir;
    auto g = net::getInstances(peer(m_certs.caCert), rq, *m_sink);
    QVERIFY2(g.ok(), g.ok() ? "" : g.error().message.c_str());
    QCOMPARE(g->received, 4);
    QVERIFY(m_receiver->flush().ok());
    const auto got = cachedInstances(m_cacheDir, m_study);
    QCOMPARE(got.size(), 4);
    for (const QString& f : m_files) QCOMPARE(pixelDataBytes(got.value(sopInstanceUid(f))), pixelDataBytes(f));
    // And a C-STORE over TLS.
    const QString study = newUid();
    const QStringList files = copyWithNewUids(filesUnder(testDataDir() + "/compressed-series/siemens-trio_mr_4sl_rle"), m_tmp.path() + "/send", study);
    std::vector<std::string> paths;
    for (const QString& p : files) paths.push_back(p.toStdString());
    auto s = net::sendFiles(peer(m_certs.caCert), paths);
    QVERIFY2(s.ok(), s.ok() ? "" : s.error().message.c_str());
    QCOMPARE(s->sent, 4);
}

void DicomTlsTest::untrustedCertificateIsRefused()
{
    auto e = net::echo(peer(m_certs.otherCaCert));
    QVERIFY(!e.ok());
    QVERIFY2(e.error().code == "tls" || e.error().code == "connect", e.error().message.c_str());
    // No CA at all while verification is on: a settings error, said before connecting.
    auto none = net::echo(peer(QString()));
    QVERIFY(!none.ok());
    QCOMPARE(none.error().code, std::string("tls"));
}

void DicomTlsTest::plainAssociationToATlsPortFails()
{
    net::DicomPeer p = peer(m_certs.caCert);
    p.tls.enabled = false;
    p.timeoutSeconds = 3;
    auto e = net::echo(p);
    QVERIFY(!e.ok());
}

void DicomTlsTest::moveToTheTlsListener()
{
    const QString cache = m_cacheDir;
    // Remove what C-GET stored, so that the move has something to bring.
    {
        auto c = storage::Cache::open(cache.toStdString());
        QVERIFY(c.ok());
        QVERIFY((*c)->deleteStudy(m_study.toStdString()).ok());
    }
    net::RetrieveRequest rq;
    rq.studyUid = m_study.toStdString();
    auto m = net::moveInstances(peer(m_certs.caCert), rq, "LIGHTBOX");
    QVERIFY2(m.ok(), m.ok() ? "" : m.error().message.c_str());
    QCOMPARE(m->completed, 4);
    QVERIFY(m_receiver->flush().ok());
    QCOMPARE(cachedInstances(cache, m_study).size(), 4);
}

void DicomTlsTest::dcmtkClientToTheTlsListener()
{
    ProcessResult ok = run("echoscu", {"+tla", "+cf", m_certs.caCert, "-aec", "LIGHTBOX", "127.0.0.1", QString::number(m_listenerPort)});
    QVERIFY2(ok.ok(), ok.err.constData());
    ProcessResult plain = run("echoscu", {"-aec", "LIGHTBOX", "-to", "3", "-ta", "3", "127.0.0.1", QString::number(m_listenerPort)});
    QVERIFY(!plain.ok());
}

void DicomTlsTest::listenCommandWithTls()
{
    // `config set tls-cert/tls-key/tls-ca` turn TLS on for `lightbox listen` (and the GUI's listener).
    const QString config = m_tmp.path() + "/listen.json", cache = m_tmp.path() + "/listen-cache";
    auto lb = [&](const QStringList& args) { return run(lightboxExe(), args + QStringList{"--config", config}); };
    QCOMPARE(lb({"config", "set", "tls-cert", m_tmp.path() + "/missing.pem"}).exitCode, 2);
    QVERIFY(lb({"config", "set", "tls-cert", m_certs.serverCert}).ok());
    QVERIFY(lb({"config", "set", "tls-key", m_certs.serverKey}).ok());
    QVERIFY(lb({"config", "set", "tls-ca", m_certs.caCert}).ok());
    QVERIFY(lb({"config", "show"}).out.contains("TLS with"));
    QVERIFY(allowLocalPeers(config, {"STORESCU"}));
    const int port = freePort();
    QProcess p;
    p.start(lightboxExe(), {"listen", "--port", QString::number(port), "--config", config, "--cache", cache});
    QVERIFY(p.waitForStarted());
    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT((output += p.readAllStandardOutput()).contains("with TLS"), 10000);
    // The CA is set: a caller must show a certificate it signed (here the one with clientAuth usage).
    const QString study = newUid();
    const QStringList files = copyWithNewUids(filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl").mid(0, 3), m_tmp.path() + "/listen-src", study);
    ProcessResult anonymous = run("storescu", QStringList{"+tla", "+cf", m_certs.caCert, "-aec", "LIGHTBOX", "127.0.0.1", QString::number(port)} + files);
    QVERIFY(!anonymous.ok());
    ProcessResult s = run("storescu", QStringList{"+tls", m_certs.serverKey, m_certs.serverCert, "+cf", m_certs.caCert, "-aec", "LIGHTBOX", "127.0.0.1",
                                                  QString::number(port)} + files);
    QVERIFY2(s.ok(), s.err.constData());
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(20000));
    QCOMPARE(cachedInstances(cache, study).size(), 3);
}

QTEST_GUILESS_MAIN(DicomTlsTest)
#include "test_dicom_tls.moc"
