// The HL7 MLLP listener (netclient/mllp_server.h): python3-hl7's MLLPClient as an independent
// sender, framing (split packets, noise before 0x0B, oversize frames), who may send (by address
// before anything is read, by MSH-3/MSH-4 with an AR), limits and a prompt stop().
#include "mllp_server.h"
#include "python_hl7.h"

#include <QElapsedTimer>
#include <QTcpSocket>
#include <QtTest>

#include <mutex>

using namespace lightbox::net;
using lightbox::testing::runPythonHl7;

namespace {

std::string orm(const std::string& controlId, const std::string& app = "RIS")
{
    return "MSH|^~\\&|" + app + "|HOSP|LIGHTBOX|RAD|20240315090000||ORM^O01|" + controlId + "|P|2.3.1\r" +
           "PID|1||PAT001^^^HOSP^MR||MÜLLER^ANNA||19600101|F\r" + "ORC|NW|ORD1001|FIL1001\r" +
           "OBR|1|ORD1001|FIL1001|CTCHEST^CT chest^LBX||||||||||||||ACC1001\r";
}

QByteArray framed(const std::string& message) { return "\x0b" + QByteArray::fromStdString(message) + "\x1c\r"; }

// What the server's thread reported, read from the test's thread.
struct Seen {
    std::mutex mutex;
    std::vector<std::string> controlIds;  // handed to the handler, in order
    std::vector<std::string> senders;
    std::vector<RefusedHl7Caller> refused;
    std::size_t handled()
    {
        std::lock_guard<std::mutex> lock(mutex);
        return controlIds.size();
    }
    std::size_t refusals()
    {
        std::lock_guard<std::mutex> lock(mutex);
        return refused.size();
    }
};

// A server on a free port that records what it is handed and whom it refuses; null if it cannot start.
std::unique_ptr<MllpServer> startServer(Seen& seen, MllpOptions o = {})
{
    o.port = 0;
    if (o.senders.empty()) o.senders = {{"ris", {"127.0.0.1"}, "RIS", "HOSP"}};
    auto server = std::make_unique<MllpServer>(o, [&seen](const Hl7Message& m, const std::string& sender) {
        std::lock_guard<std::mutex> lock(seen.mutex);
        seen.controlIds.push_back(m.controlId());
        seen.senders.push_back(sender);
        return Hl7Reply{AckCode::Accept, "", 0};
    });
    server->setOnRefusedCaller([&seen](const RefusedHl7Caller& r) {
        std::lock_guard<std::mutex> lock(seen.mutex);
        seen.refused.push_back(r);
    });
    return server->start().ok() ? std::move(server) : nullptr;
}

// Sends each message with python3-hl7's MLLPClient on one connection; returns "MSA-1 MSA-2" each.
QStringList sendWithPython(int port, const std::vector<std::string>& messages)
{
    const QString script = R"PY(
import sys, hl7
from hl7.client import MLLPClient
messages = sys.stdin.buffer.read().split(b'\0')
with MLLPClient('127.0.0.1', int(sys.argv[1])) as client:
    for m in messages:
        ack = hl7.parse(client.send_message(m).strip(b'\x0b\x1c\r').decode('utf-8'))
        print(ack.segment('MSA')[1], ack.segment('MSA')[2])
)PY";
    QByteArray input;
    for (const std::string& m : messages) input += (input.isEmpty() ? "" : QByteArray(1, '\0')) + QByteArray::fromStdString(m);
    const auto r = runPythonHl7(script, input, {QString::number(port)});
    if (r.exitCode != 0) qWarning("python3-hl7 failed: %s", r.err.constData());
    return r.exitCode == 0 ? QString::fromUtf8(r.out).trimmed().split('\n') : QStringList{"python failed"};
}

// Reads one framed answer from a socket, leaving any next one there; "" if none comes.
std::string readAck(QTcpSocket& s)
{
    while (true) {
        const qsizetype end = s.peek(s.bytesAvailable()).indexOf("\x1c\r");
        if (end >= 0) {
            const QByteArray frame = s.read(end + 2);
            const qsizetype start = frame.indexOf('\x0b');
            return frame.mid(start + 1, end - start - 1).toStdString();
        }
        if (!s.waitForReadyRead(10000)) return {};
    }
}

// The ACK parsed; one whose MSA-1 is "none" when it does not parse, so that comparisons fail.
Hl7Message parsedAck(const std::string& ack)
{
    auto m = Hl7Message::parse(ack);
    return m ? *m : *Hl7Message::parse("MSH|^~\\&|||||||ACK|none|P|2.5\rMSA|none|none\r");
}

// Whether the server closes the connection (within 10 s).
bool closedByServer(QTcpSocket& s)
{
    return s.state() == QAbstractSocket::UnconnectedState || s.waitForDisconnected(10000);
}

bool connectTo(QTcpSocket& s, int port)
{
    s.connectToHost("127.0.0.1", quint16(port));
    return s.waitForConnected(5000);
}

}  // namespace

class MllpServerTest : public QObject {
    Q_OBJECT
private slots:
    void acceptsFromPython();
    void twoMessagesOneConnection();
    void oneByteAtATime();
    void noiseBeforeStartBlock();
    void oversizeFrameCloses();
    void unknownApplicationRefused();
    void unparsableMessage();
    void unknownAddressClosedBeforeReading();
    void perAddressLimit();
    void idleTimeout();
    void portInUse();
    void stopWithClientConnected();
};

void MllpServerTest::acceptsFromPython()
{
    Seen seen;
    auto server = startServer(seen);
    QVERIFY(server);
    QVERIFY(server->port() > 0);
    QCOMPARE(sendWithPython(server->port(), {orm("MSG0001")}), QStringList{"AA MSG0001"});
    QCOMPARE(seen.handled(), std::size_t(1));
    QCOMPARE(seen.senders.front(), std::string("ris"));
    QCOMPARE(seen.refusals(), std::size_t(0));
}

void MllpServerTest::twoMessagesOneConnection()
{
    Seen seen;
    auto server = startServer(seen);
    QVERIFY(server);
    QCOMPARE(sendWithPython(server->port(), {orm("MSG0001"), orm("MSG0002")}), (QStringList{"AA MSG0001", "AA MSG0002"}));
    // Both in one TCP write: answered one after the other, in order.
    QTcpSocket s;
    QVERIFY(connectTo(s, server->port()));
    s.write(framed(orm("MSG0003")) + framed(orm("MSG0004")));
    QCOMPARE(parsedAck(readAck(s)).value("MSA-2"), std::string("MSG0003"));
    QCOMPARE(parsedAck(readAck(s)).value("MSA-2"), std::string("MSG0004"));
    std::lock_guard<std::mutex> lock(seen.mutex);
    QCOMPARE(seen.controlIds, (std::vector<std::string>{"MSG0001", "MSG0002", "MSG0003", "MSG0004"}));
}

void MllpServerTest::oneByteAtATime()
{
    Seen seen;
    auto server = startServer(seen);
    QVERIFY(server);
    QTcpSocket s;
    s.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    QVERIFY(connectTo(s, server->port()));
    const QByteArray frame = framed(orm("MSG0010"));
    for (char byte : frame) {
        s.write(&byte, 1);
        QVERIFY(s.waitForBytesWritten(5000));
    }
    const Hl7Message ack = parsedAck(readAck(s));
    QCOMPARE(ack.value("MSA-1"), std::string("AA"));
    QCOMPARE(ack.value("MSA-2"), std::string("MSG0010"));
    QCOMPARE(seen.handled(), std::size_t(1));
}

void MllpServerTest::noiseBeforeStartBlock()
{
    Seen seen;
    auto server = startServer(seen);
    QVERIFY(server);
    QTcpSocket s;
    QVERIFY(connectTo(s, server->port()));
    s.write("\r\nGET / HTTP/1.0\r\n\x1c\r" + framed(orm("MSG0020")));
    QCOMPARE(parsedAck(readAck(s)).value("MSA-2"), std::string("MSG0020"));
    QCOMPARE(seen.handled(), std::size_t(1));
}

void MllpServerTest::oversizeFrameCloses()
{
    Seen seen;
    MllpOptions o;
    o.maxMessageBytes = 4096;
    auto server = startServer(seen, o);
    QVERIFY(server);
    QTcpSocket s;
    QVERIFY(connectTo(s, server->port()));
    s.write("\x0b" + QByteArray::fromStdString(orm("BIG")) + QByteArray(8192, 'x'));
    QVERIFY(closedByServer(s));
    QCOMPARE(seen.handled(), std::size_t(0));
    // A message within the limit on a new connection is still served.
    QCOMPARE(sendWithPython(server->port(), {orm("MSG0030")}), QStringList{"AA MSG0030"});
}

void MllpServerTest::unknownApplicationRefused()
{
    Seen seen;
    auto server = startServer(seen);
    QVERIFY(server);
    QCOMPARE(sendWithPython(server->port(), {orm("MSG0040", "EVIL")}), QStringList{"AR MSG0040"});
    QCOMPARE(seen.handled(), std::size_t(0));
    QTRY_COMPARE(seen.refusals(), std::size_t(1));
    std::lock_guard<std::mutex> lock(seen.mutex);
    QCOMPARE(seen.refused[0].address, std::string("127.0.0.1"));
    QCOMPARE(seen.refused[0].application, std::string("EVIL"));
    QCOMPARE(seen.refused[0].facility, std::string("HOSP"));
    QCOMPARE(seen.refused[0].reason, std::string("unknown sending application/facility"));
}

void MllpServerTest::unparsableMessage()
{
    Seen seen;
    auto server = startServer(seen);
    QVERIFY(server);
    QTcpSocket s;
    QVERIFY(connectTo(s, server->port()));
    s.write(framed("this is not HL7"));
    const Hl7Message ack = parsedAck(readAck(s));
    QCOMPARE(ack.value("MSA-1"), std::string("AR"));
    QCOMPARE(ack.value("MSA-2"), std::string());
    // Unknown character set: the sender hears why, with its control ID.
    s.write(framed("MSH|^~\\&|RIS|HOSP|LIGHTBOX|RAD|20240315||ORM^O01|MSG0050|P|2.5||||||KOI8-R\rPID|1||P1\r"));
    const Hl7Message koi = parsedAck(readAck(s));
    QCOMPARE(koi.value("MSA-1"), std::string("AR"));
    QCOMPARE(koi.value("MSA-2"), std::string("MSG0050"));
    QCOMPARE(koi.value("MSA-3"), std::string("character set KOI8-R not supported"));
    QCOMPARE(seen.handled(), std::size_t(0));
}

void MllpServerTest::unknownAddressClosedBeforeReading()
{
    Seen seen;
    MllpOptions o;
    o.senders = {{"far", {"192.0.2.7"}, "", ""}};
    auto server = startServer(seen, o);
    QVERIFY(server);
    QTcpSocket s;
    QVERIFY(connectTo(s, server->port()));
    s.write(framed(orm("MSG0060")));
    QVERIFY(closedByServer(s));
    QCOMPARE(s.readAll(), QByteArray());  // not even an ACK
    QTRY_COMPARE(seen.refusals(), std::size_t(1));
    QCOMPARE(seen.handled(), std::size_t(0));
    std::lock_guard<std::mutex> lock(seen.mutex);
    QCOMPARE(seen.refused[0].address, std::string("127.0.0.1"));
    QCOMPARE(seen.refused[0].application, std::string());  // nothing was read
    QCOMPARE(seen.refused[0].reason, std::string("address 127.0.0.1 is not a known HL7 sender"));
}

void MllpServerTest::perAddressLimit()
{
    Seen seen;
    auto server = startServer(seen);  // 2 per address
    QVERIFY(server);
    QTcpSocket a, b, c;
    QVERIFY(connectTo(a, server->port()));
    QVERIFY(connectTo(b, server->port()));
    a.write(framed(orm("MSG0070")));
    QCOMPARE(parsedAck(readAck(a)).value("MSA-2"), std::string("MSG0070"));  // both admitted by now
    QVERIFY(connectTo(c, server->port()));
    QVERIFY(closedByServer(c));
    b.write(framed(orm("MSG0071")));
    QCOMPARE(parsedAck(readAck(b)).value("MSA-2"), std::string("MSG0071"));
    QCOMPARE(seen.refusals(), std::size_t(0));  // busy is not a refusal of who asked
    // One closes: there is room again (once the server has seen it go).
    a.disconnectFromHost();
    QTRY_VERIFY(a.state() == QAbstractSocket::UnconnectedState);
    auto servedOnNewConnection = [&] {
        QTcpSocket d;
        if (!connectTo(d, server->port())) return false;
        d.write(framed(orm("MSG0072")));
        return !readAck(d).empty();
    };
    bool served = false;  // QTRY evaluates once more at the end: not a fourth connection then
    QTRY_VERIFY_WITH_TIMEOUT(served || (served = servedOnNewConnection()), 10000);
}

void MllpServerTest::idleTimeout()
{
    Seen seen;
    MllpOptions o;
    o.idleTimeoutSeconds = 1;
    auto server = startServer(seen, o);
    QVERIFY(server);
    QTcpSocket s;
    QVERIFY(connectTo(s, server->port()));
    QElapsedTimer t;
    t.start();
    QVERIFY(closedByServer(s));
    QVERIFY(t.elapsed() >= 800);
}

void MllpServerTest::portInUse()
{
    Seen seen;
    auto first = startServer(seen);
    QVERIFY(first);
    MllpOptions o;
    o.senders = {{"ris", {"127.0.0.1"}, "RIS", "HOSP"}};
    o.port = first->port();
    MllpServer second(o, nullptr);
    const auto status = second.start();
    QVERIFY(!status.ok());
    QCOMPARE(status.error().code, std::string("listen-failed"));
    QVERIFY(!second.running());
    MllpOptions bad = o;
    bad.listenAddress = "not an address";
    QCOMPARE(MllpServer(bad, nullptr).start().error().code, std::string("bad-address"));
}

void MllpServerTest::stopWithClientConnected()
{
    Seen seen;
    auto server = startServer(seen);
    QVERIFY(server);
    QTcpSocket s;
    QVERIFY(connectTo(s, server->port()));
    s.write("\x0bMSH|^~\\&|RIS|HOSP|");  // a frame left open
    QVERIFY(s.waitForBytesWritten(5000));
    const int port = server->port();
    QElapsedTimer t;
    t.start();
    server->stop();
    QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    QVERIFY(!server->running());
    QVERIFY(closedByServer(s));
    QTcpSocket again;  // the port is closed
    again.connectToHost("127.0.0.1", quint16(port));
    QVERIFY(!again.waitForConnected(2000));
}

QTEST_GUILESS_MAIN(MllpServerTest)
#include "test_mllp_server.moc"
