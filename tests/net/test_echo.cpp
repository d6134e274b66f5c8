// C-ECHO against a real DICOM peer (DCMTK's storescp on loopback), a closed port and a peer that
// is not DICOM at all: success, then clear errors within the timeout, never a hang.
#include "test_support.h"

#include "dimse_echo.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <QtConcurrent/QtConcurrentRun>

using namespace lightbox;
using namespace lightbox::test;

namespace {

int freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

}  // namespace

class EchoTest : public QObject {
    Q_OBJECT
private slots:
    void echoesARealPeer();
    void closedPortFailsFast();
    void nonDicomPeerTimesOut();
    void commandLine();
};

void EchoTest::echoesARealPeer()
{
    const int port = freePort();
    QProcess scp;
    scp.start("storescp", {"-aet", "TESTSCP", "--output-directory", QDir::tempPath(), QString::number(port)});
    QVERIFY(scp.waitForStarted());
    net::DicomPeer peer{"127.0.0.1", port, "TESTSCP", "LBTEST", 5};
    Result<Done> r = makeError("", "");
    // storescp needs a moment to listen: echo until it answers (or 5 s have passed).
    QTRY_VERIFY_WITH_TIMEOUT((r = net::echo(peer)).ok(), 5000);
    scp.kill();
    scp.waitForFinished();
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
}

void EchoTest::closedPortFailsFast()
{
    net::DicomPeer peer{"127.0.0.1", freePort(), "NOBODY", "LBTEST", 5};
    QElapsedTimer t;
    t.start();
    auto r = net::echo(peer);
    QVERIFY(!r.ok());
    QCOMPARE(QString::fromStdString(r.error().code), QString("connect"));
    QVERIFY(QString::fromStdString(r.error().message).contains("refused"));
    QVERIFY(t.elapsed() < 3000);
}

void EchoTest::nonDicomPeerTimesOut()
{
    // A server that accepts and answers HTTP: the association must fail within the timeout.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    connect(&server, &QTcpServer::newConnection, &server, [&server] {
        QTcpSocket* s = server.nextPendingConnection();
        s->write("HTTP/1.1 400 Bad Request\r\n\r\n");
    });
    net::DicomPeer peer{"127.0.0.1", server.serverPort(), "WEB", "LBTEST", 2};
    QElapsedTimer t;
    t.start();
    // The echo runs on a worker while this thread serves the fake peer.
    QFuture<Result<Done>> f = QtConcurrent::run([peer] { return net::echo(peer); });
    QTRY_VERIFY_WITH_TIMEOUT(f.isFinished(), 15000);
    QVERIFY(!f.result().ok());
    QVERIFY2(t.elapsed() < 10000, qPrintable(QString::number(t.elapsed())));
}

void EchoTest::commandLine()
{
    const ProcessResult r = run(lightboxExe(), {"echo", "--host", "127.0.0.1", "--port", QString::number(freePort())});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.startsWith("lightbox: no association"));
    QCOMPARE(run(lightboxExe(), {"echo", "--host", "127.0.0.1"}).exitCode, 2);
}

QTEST_GUILESS_MAIN(EchoTest)
#include "test_echo.moc"
