// Every way a peer or the network can fail, with a clear message, nothing marked complete that is
// not, no crash and nothing half-written in the cache: a port nobody listens on, a peer that
// accepts and never answers (DIMSE and HTTP), a peer that answers garbage or hangs up at once, a
// wrong AE title, and a real Orthanc killed in the middle of a C-GET, a C-MOVE and a WADO-RS
// retrieve of a 200-instance study, after which `cache verify` is clean and a second retrieve
// (Orthanc restarted) completes the study.
#include "dicom_copies.h"
#include "orthanc_fixture.h"
#include "test_support.h"

#include "archive_ops.h"
#include "dicomweb_client.h"
#include "dimse_echo.h"
#include "dimse_find.h"
#include "dimse_retrieve.h"
#include "receiver.h"
#include "receiver_sink.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtConcurrent/QtConcurrentRun>
#include <QtTest>

#include <csignal>

using namespace lightbox;
using namespace lightbox::test;

namespace {

// A socket server that misbehaves: accepts and stays silent, answers garbage, or hangs up.
class BadServer : public QObject {
public:
    enum Mode { Silent, Garbage, HangUp };
    explicit BadServer(Mode mode) : m_mode(mode)
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            QTcpSocket* s = m_server.nextPendingConnection();
            m_sockets.push_back(s);
            if (m_mode == HangUp) s->abort();
            else if (m_mode == Garbage)
                connect(s, &QTcpSocket::readyRead, s, [s] {
                    s->readAll();
                    s->write(QByteArray(4096, '\x07') + "HTTP/1.1 200 OK but not really\\r\\n\\r\\n");
                    s->flush();
                });
        });
    }
    int port() const { return m_server.serverPort(); }

private:
    Mode m_mode;
    QTcpServer m_server;
    std::vector<QTcpSocket*> m_sockets;
};

template <class F>
auto whileServing(F f)
{
    auto future = QtConcurrent::run(f);
    while (!future.isFinished()) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return future.result();
}

net::DicomPeer peerAt(int port, int timeout = 2)
{
    net::DicomPeer p;
    p.host = "127.0.0.1";
    p.port = port;
    p.calledAeTitle = "ANY";
    p.timeoutSeconds = timeout;
    return p;
}

}  // namespace

class BadPeersTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void nobodyListens();
    void silentPeersTimeOut();
    void garbageAndHangUpsAreErrors();
    void archiveKilledMidRetrieve_data();
    void archiveKilledMidRetrieve();

private:
    QTemporaryDir m_tmp;
    std::unique_ptr<OrthancServer> m_orthanc;
    int m_listenerPort = 0;
    QString m_study;
    QStringList m_files;
};

void BadPeersTest::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    m_listenerPort = freePort();
    OrthancOptions oo;
    oo.lightboxPort = m_listenerPort;
    m_orthanc = std::make_unique<OrthancServer>(oo);
    QString error;
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));
    // 200 instances: the 30 CT slices, copied under new UIDs into one study of several series.
    m_study = newUid();
    const QStringList ct = filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl");
    for (int i = 0; m_files.size() < 200; ++i)
        m_files += copyWithNewUids(ct.mid(0, std::min<int>(int(ct.size()), 200 - int(m_files.size()))), m_tmp.path() + QStringLiteral("/big/%1").arg(i), m_study,
                                   "LB-BIG");
    QCOMPARE(m_orthanc->upload(m_files, &error), 200);
}

void BadPeersTest::cleanupTestCase()
{
    if (m_orthanc) m_orthanc->stop();
}

void BadPeersTest::nobodyListens()
{
    const int port = freePort();
    QElapsedTimer t;
    t.start();
    auto e = net::echo(peerAt(port));
    QVERIFY(!e.ok());
    QCOMPARE(e.error().code, std::string("connect"));
    QVERIFY2(QString::fromStdString(e.error().message).contains(QString::number(port)), e.error().message.c_str());
    net::WebServer w;
    w.baseUrl = QStringLiteral("http://127.0.0.1:%1/dicom-web").arg(port).toStdString();
    auto q = net::qido(w, "studies", {});
    QVERIFY(!q.ok());
    QCOMPARE(q.error().code, std::string("connect"));
    QVERIFY(t.elapsed() < 5000);
}

void BadPeersTest::silentPeersTimeOut()
{
    BadServer silent(BadServer::Silent);
    QElapsedTimer t;
    t.start();
    auto e = whileServing([&] { return net::echo(peerAt(silent.port(), 2)); });
    QVERIFY(!e.ok());
    QVERIFY2(e.error().code == "timeout" || e.error().code == "connect", e.error().message.c_str());
    QVERIFY2(t.elapsed() < 8000, qPrintable(QString::number(t.elapsed())));
    net::WebServer w;
    w.baseUrl = QStringLiteral("http://127.0.0.1:%1/dicom-web").arg(silent.port()).toStdString();
    w.timeoutSeconds = 2;
    t.restart();
    auto q = whileServing([&] { return net::qido(w, "studies", {}); });
    QVERIFY(!q.ok());
    QCOMPARE(q.error().code, std::string("timeout"));
    QVERIFY(t.elapsed() < 8000);
}

void BadPeersTest::garbageAndHangUpsAreErrors()
{
    for (BadServer::Mode mode : {BadServer::Garbage, BadServer::HangUp}) {
        BadServer bad(mode);
        auto e = whileServing([&] { return net::echo(peerAt(bad.port(), 3)); });
        QVERIFY(!e.ok());
        QVERIFY(!e.error().message.empty());
        net::FindQuery fq;
        fq.keys = {{tags::StudyInstanceUID, ""}};
        auto f = whileServing([&] { return net::find(peerAt(bad.port(), 3), fq); });
        QVERIFY(!f.ok());
        net::WebServer w;
        w.baseUrl = QStringLiteral("http://127.0.0.1:%1/dicom-web").arg(bad.port()).toStdString();
        w.timeoutSeconds = 3;
        auto q = whileServing([&] { return net::qido(w, "studies", {}); });
        QVERIFY(!q.ok());
    }
}

void BadPeersTest::archiveKilledMidRetrieve_data()
{
    QTest::addColumn<QString>("method");
    QTest::newRow("C-GET") << "get";
    QTest::newRow("C-MOVE") << "move";
    QTest::newRow("WADO-RS") << "wado";
}

void BadPeersTest::archiveKilledMidRetrieve()
{
    QFETCH(QString, method);
    QString error;
    if (!m_orthanc->running()) QVERIFY2(m_orthanc->start(&error), qPrintable(error));
    const QString cache = m_tmp.path() + "/killed-" + method;
    app::RetrieveSpec spec;
    spec.archive.name = "orthanc";
    spec.archive.aeTitle = "ORTHANC";
    spec.archive.host = "127.0.0.1";
    spec.archive.port = m_orthanc->dicomPort();
    spec.archive.url = m_orthanc->dicomWebUrl();
    spec.archive.timeoutSeconds = 5;
    spec.local.port = m_listenerPort;
    spec.cacheDir = cache;
    spec.studyUid = m_study.toStdString();
    spec.method = method == "move" ? app::RetrieveMethod::Move : method == "get" ? app::RetrieveMethod::Get : app::RetrieveMethod::Wado;
    spec.attempts = 1;
    // Kill Orthanc once 40 instances are in.
    const qint64 pid = m_orthanc->pid();
    std::atomic<bool> killed{false};
    const app::RetrieveReport first = app::retrieve(spec, [&](const app::RetrieveProgress& p) {
        if (p.done >= 40 && !killed.exchange(true)) ::kill(pid_t(pid), SIGKILL);
    });
    QVERIFY(killed);
    QVERIFY2(!first.complete(), "a retrieve cut short is not complete");
    QCOMPARE(first.expected, 200);  // known from the archive's count even when its list cannot be had
    QCOMPARE(first.missingCount(), 200 - first.received);
    QVERIFY(!first.errors.empty());
    qInfo("%s cut after %d of 200: %s", qPrintable(method), first.received, first.errors.front().c_str());
    QVERIFY(first.received >= 1 && first.received < 200);
    m_orthanc->kill();  // reap
    // What the cache holds is whole: every file indexed, complete and matching its hash.
    ProcessResult v = run(lightboxExe(), {"cache", "verify", "--cache", cache});
    QVERIFY2(v.ok(), v.out.constData());
    QCOMPARE(cachedInstances(cache, m_study).size(), first.received);
    // Archive back: the retrieve completes what is missing, and only that.
    QVERIFY2(m_orthanc->start(&error), qPrintable(error));
    spec.attempts = 3;
    const app::RetrieveReport second = app::retrieve(spec);
    QVERIFY2(second.complete(), second.errors.empty() ? "" : second.errors.front().c_str());
    QCOMPARE(second.alreadyCached, first.received);
    QCOMPARE(second.received, 200 - first.received);
    const auto files = cachedInstances(cache, m_study);
    QCOMPARE(files.size(), 200);
    for (const QString& f : m_files.mid(0, 10)) QCOMPARE(pixelDataBytes(files.value(sopInstanceUid(f))), pixelDataBytes(f));
}

QTEST_GUILESS_MAIN(BadPeersTest)
#include "test_bad_peers.moc"
