// Every way a peer or the network can fail, with a clear message, nothing marked complete that is
// not, no crash and nothing half-written in the cache: a port nobody listens on, a peer that
// accepts and never answers (DIMSE and HTTP), a peer that answers garbage or hangs up at once, a
// wrong AE title, and a real Orthanc killed in the middle of a C-GET, a C-MOVE and a WADO-RS
// retrieve of a 200-instance study, after which `cache verify` is clean and a second retrieve
// (Orthanc restarted) completes the study. Calls to a wrong AE title, at the archive (echo, find,
// C-GET, C-MOVE, `lightbox echo`) and at `lightbox listen`, are rejected and said so.
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
#include <QProcess>
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
    void wrongCalledAeTitleAtTheArchive();
    void listenerRejectsAnotherCalledAeTitle();
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

void BadPeersTest::wrongCalledAeTitleAtTheArchive()
{
    // Orthanc checks the called AE title (DicomCheckCalledAet): an echo, a find and a retrieve by
    // C-GET and by C-MOVE to another title are rejected, with a message naming the title, and
    // nothing is stored.
    QString error;
    if (!m_orthanc->running()) QVERIFY2(m_orthanc->start(&error), qPrintable(error));
    net::DicomPeer p = peerAt(m_orthanc->dicomPort(), 5);
    p.calledAeTitle = "NOT-ORTHANC";
    p.callingAeTitle = "LIGHTBOX";
    auto named = [](const std::string& message) {
        return QString::fromStdString(message).contains("does not know the AE title NOT-ORTHANC");
    };
    auto e = net::echo(p);
    QVERIFY(!e.ok());
    QCOMPARE(e.error().code, std::string("rejected"));
    QVERIFY2(named(e.error().message), e.error().message.c_str());
    net::FindQuery fq{net::QueryLevel::Study, net::QueryModel::StudyRoot, {{tags::StudyInstanceUID, m_study.toStdString()}}};
    auto f = net::find(p, fq);
    QVERIFY(!f.ok());
    QCOMPARE(f.error().code, std::string("rejected"));
    QVERIFY2(named(f.error().message), f.error().message.c_str());
    for (const app::RetrieveMethod method : {app::RetrieveMethod::Get, app::RetrieveMethod::Move}) {
        const QString cache = m_tmp.path() + QStringLiteral("/wrong-ae-%1").arg(int(method));
        app::RetrieveSpec spec;
        spec.archive.name = "orthanc";
        spec.archive.aeTitle = "NOT-ORTHANC";
        spec.archive.host = "127.0.0.1";
        spec.archive.port = m_orthanc->dicomPort();
        spec.archive.timeoutSeconds = 5;
        spec.local.port = m_listenerPort;
        spec.cacheDir = cache;
        spec.studyUid = m_study.toStdString();
        spec.method = method;
        spec.attempts = 1;
        const app::RetrieveReport r = app::retrieve(spec);
        QVERIFY(!r.complete());
        QCOMPARE(r.received, 0);
        QVERIFY(!r.errors.empty());
        QVERIFY2(named(r.errors.front()), r.errors.front().c_str());
        QCOMPARE(cachedInstances(cache, m_study).size(), 0);
    }
    // The command line says the same, exit code 1.
    const ProcessResult cli = run(lightboxExe(), {"echo", "--host", "127.0.0.1", "--port", QString::number(m_orthanc->dicomPort()), "--called-aet",
                                                  "NOT-ORTHANC", "--config", m_tmp.path() + "/wrong-ae.json"});
    QCOMPARE(cli.exitCode, 1);
    QVERIFY2(named(cli.err.toStdString()), cli.err.constData());
    // The right title still works: it was the title that was refused, not the archive that was down.
    p.calledAeTitle = "ORTHANC";
    QVERIFY(net::echo(p).ok());
}

void BadPeersTest::listenerRejectsAnotherCalledAeTitle()
{
    // `lightbox listen` answers its own AE title only (README, listen): an echo and a C-STORE to
    // another title are rejected ("Called AE Title Not Recognized") and nothing is stored; its own
    // title is served by the same listener.
    const QString cache = m_tmp.path() + "/listen-wrong-ae";
    const int port = freePort();
    QVERIFY(allowLocalPeers(m_tmp.path() + "/listen-wrong-ae.json", {"MODALITY"}));
    QProcess listener;
    listener.start(lightboxExe(), {"listen", "--port", QString::number(port), "--aet", "LB-PEERS", "--cache", cache, "--config",
                                   m_tmp.path() + "/listen-wrong-ae.json"});
    QVERIFY(listener.waitForStarted());
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += listener.readAllStandardOutput()).contains("listening as LB-PEERS"), 15000);
    const QString study = newUid();
    const QStringList files = copyWithNewUids(filesUnder(testDataDir() + "/ct/siemens-sensation10_chest_30sl").mid(0, 2), m_tmp.path() + "/wrong-ae-files", study);
    QCOMPARE(files.size(), 2);
    const ProcessResult echo = run("echoscu", {"-aet", "MODALITY", "-aec", "SOMEONE-ELSE", "127.0.0.1", QString::number(port)});
    QVERIFY(!echo.ok());
    QVERIFY2((echo.out + echo.err).contains("Called AE Title Not Recognized"), (echo.out + echo.err).constData());
    const ProcessResult store = run("storescu", QStringList{"-aet", "MODALITY", "-aec", "SOMEONE-ELSE", "127.0.0.1", QString::number(port)} + files);
    QVERIFY(!store.ok());
    QVERIFY2((store.out + store.err).contains("Called AE Title Not Recognized"), (store.out + store.err).constData());
    const ProcessResult right = run("echoscu", {"-aet", "MODALITY", "-aec", "LB-PEERS", "127.0.0.1", QString::number(port)});
    QVERIFY2(right.ok(), (right.out + right.err).constData());
    ::kill(pid_t(listener.processId()), SIGTERM);
    QVERIFY(listener.waitForFinished(20000));
    out += listener.readAllStandardOutput();
    QVERIFY2(out.contains("stored 0, already present 0"), out.constData());
    QCOMPARE(cachedInstances(cache, study).size(), 0);
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
