// HL7 v2 ACKs (netclient/hl7_ack.h): fields echoed and swapped, ERR from 2.5, escaping, the
// message's own delimiters and character set, ACKs for bytes that did not parse, unique control
// IDs; each read back by python3-hl7, an independent parser.
#include "hl7_ack.h"
#include "hl7_examples.h"
#include "python_hl7.h"

#include <QtTest>

#include <set>

using namespace lightbox::net;
using namespace lightbox::testing;

namespace {

// python3-hl7 reads an ACK: prints MSH-3, MSH-5, MSH-6, MSH-9, MSH-12, MSA-1, MSA-2, MSA-3
// unescaped and ERR-3 (or "-"), one a line.
QStringList pythonReadsAck(const std::string& ack, const char* encoding)
{
    const QString script = R"PY(
import sys, hl7
text = sys.stdin.buffer.read().decode(sys.argv[1])
m = hl7.parse(text.strip('\r'))
msa = m.segment('MSA')
err = [s for s in m if str(s[0]) == 'ERR']
print('\n'.join([str(m['MSH.F3']), str(m['MSH.F5']), str(m['MSH.F6']), str(m.segment('MSH')[9]), str(m['MSH.F12']),
                 str(msa[1]), str(msa[2]), m.unescape(str(msa[3])) if len(msa) > 3 else '', str(err[0][3]) if err else '-']))
)PY";
    const auto r = runPythonHl7(script, QByteArray::fromStdString(ack), {encoding});
    if (r.exitCode != 0) qWarning("python3-hl7 failed: %s", r.err.constData());
    return r.exitCode == 0 ? QString::fromUtf8(r.out).split('\n').mid(0, 9) : QStringList{};
}

}  // namespace

class Hl7AckTest : public QObject {
    Q_OBJECT
private slots:
    void ackFields();
    void ackError25();
    void ackEscapedAndLatin1();
    void ackOtherDelimiters();
    void ackUnparsed();
    void controlIdsUnique();
};

void Hl7AckTest::ackFields()
{
    const Hl7Message m = parsed(kOrm);
    const std::string ack = buildAck(m, {AckCode::Accept, "", 0}, {"LIGHTBOX", "RAD"});
    const Hl7Message a = parsed(ack);
    QCOMPARE(a.value("MSH-3"), std::string("LIGHTBOX"));
    QCOMPARE(a.value("MSH-4"), std::string("RAD"));
    QCOMPARE(a.value("MSH-5"), std::string("RIS"));
    QCOMPARE(a.value("MSH-6"), std::string("HOSP"));
    QCOMPARE(a.segments().front().rawField(9), std::string("ACK^O01^ACK"));
    QVERIFY(parseHl7Timestamp(a.value("MSH-7")).ok());
    QCOMPARE(a.value("MSH-7").size(), std::size_t(14));
    QVERIFY(a.controlId().rfind("LBX", 0) == 0);
    QCOMPARE(a.value("MSH-11"), std::string("P"));
    QCOMPARE(a.value("MSH-12"), std::string("2.3.1"));
    QCOMPARE(a.value("MSA-1"), std::string("AA"));
    QCOMPARE(a.value("MSA-2"), std::string("MSG0001"));
    QVERIFY(!a.segment("ERR"));
    // An error code before 2.5 has no ERR segment to go in.
    QVERIFY(!parsed(buildAck(m, {AckCode::Error, "missing", 101}, {})).segment("ERR"));

    const QStringList py = pythonReadsAck(ack, "utf-8");
    QCOMPARE(py, (QStringList{"LIGHTBOX", "RIS", "HOSP", "ACK^O01^ACK", "2.3.1", "AA", "MSG0001", "", "-"}));
}

void Hl7AckTest::ackError25()
{
    const Hl7Message m = parsed(kOmi);
    const std::string ack = buildAck(m, {AckCode::Error, "IPC-1 (accession) missing", 101}, {"LBX", "XRAY"});
    const Hl7Message a = parsed(ack);
    QCOMPARE(a.value("MSH-3"), std::string("LBX"));
    QCOMPARE(a.value("MSH-4"), std::string("XRAY"));
    QCOMPARE(a.value("MSH-12"), std::string("2.5.1"));
    QCOMPARE(a.value("MSH-18"), std::string("UNICODE UTF-8"));
    QCOMPARE(a.segments().front().rawField(9), std::string("ACK^O23^ACK"));
    QCOMPARE(a.value("MSA-1"), std::string("AE"));
    QCOMPARE(a.value("MSA-2"), std::string("MSG0002"));
    QCOMPARE(a.value("MSA-3"), std::string("IPC-1 (accession) missing"));
    QCOMPARE(a.value("ERR-3.1"), std::string("101"));
    QCOMPARE(a.value("ERR-3.2"), std::string("Required field missing"));
    QCOMPARE(a.value("ERR-3.3"), std::string("HL70357"));
    QCOMPARE(a.value("ERR-4"), std::string("E"));
    const QStringList py = pythonReadsAck(ack, "utf-8");
    QCOMPARE(py, (QStringList{"LBX", "RIS", "HOSP", "ACK^O23^ACK", "2.5.1", "AE", "MSG0002", "IPC-1 (accession) missing",
                              "101^Required field missing^HL70357"}));
    const Hl7Message reject = parsed(buildAck(m, {AckCode::Reject, "ORU not supported", 200}, {}));
    QCOMPARE(reject.value("MSA-1"), std::string("AR"));
    QCOMPARE(reject.value("ERR-3.2"), std::string("Unsupported message type"));
}

void Hl7AckTest::ackEscapedAndLatin1()
{
    const std::string raw = withPid("MSH|^~\\&|RIS|H\xD4PITAL|LIGHTBOX|RAD|20240315||ORM^O01|M\\F\\7|P|2.5||||||8859/1", "P1");
    const Hl7Message m = parsed(raw);
    QCOMPARE(m.controlId(), std::string("M|7"));
    const std::string text = "Müller: a|b^c~d&e\\f\nnext";
    const std::string ack = buildAck(m, {AckCode::Error, text, 102}, {});
    // Latin-1 on the wire: ü is one byte 0xFC, and no UTF-8.
    QVERIFY(ack.find("M\xFCller") != std::string::npos);
    QVERIFY(ack.find("Müller") == std::string::npos);
    QVERIFY(ack.find("H\xD4PITAL") != std::string::npos);
    const Hl7Message a = parsed(ack);
    QCOMPARE(a.value("MSH-18"), std::string("8859/1"));
    QCOMPARE(a.value("MSH-6"), std::string("HÔPITAL"));
    QCOMPARE(a.value("MSA-2"), std::string("M|7"));
    QCOMPARE(a.value("MSA-3"), text);
    QCOMPARE(a.segments().size(), std::size_t(3));
    const QStringList py = pythonReadsAck(ack, "latin-1");
    QCOMPARE(py.value(2), QString("HÔPITAL"));
    QCOMPARE(py.value(5), QString("AE"));
    QCOMPARE(py.value(6), QString("M\\F\\7"));  // python-hl7 leaves escapes to unescape()
    QCOMPARE(py.value(7), QString::fromStdString("Müller: a|b^c~d&e\\f\rnext"));  // python-hl7 reads \.br\ as CR
}

void Hl7AckTest::ackOtherDelimiters()
{
    const std::string raw = segments({"MSH#$*@%#RIS#HOSP#LIGHTBOX#RAD#20240315090000##ORM$O01#MSG9#P#2.5", "PID#1##A1"});
    const std::string ack = buildAck(parsed(raw), {AckCode::Error, "bad # and $", 102}, {});
    QVERIFY(ack.rfind("MSH#$*@%#", 0) == 0);
    const Hl7Message a = parsed(ack);
    QCOMPARE(a.value("MSA-2"), std::string("MSG9"));
    QCOMPARE(a.value("MSA-3"), std::string("bad # and $"));
    QCOMPARE(a.value("ERR-3.1"), std::string("102"));
    const QStringList py = pythonReadsAck(ack, "utf-8");
    QCOMPARE(py.value(5), QString("AE"));
    QCOMPARE(py.value(6), QString("MSG9"));
    QCOMPARE(py.value(7), QString("bad # and $"));
}

void Hl7AckTest::ackUnparsed()
{
    const std::string garbage = buildAckForUnparsed("hello\x01world", {AckCode::Reject, "not an HL7 message"}, {});
    const Hl7Message a = parsed(garbage);
    QCOMPARE(a.value("MSA-1"), std::string("AR"));
    QCOMPARE(a.value("MSA-2"), std::string());
    QCOMPARE(a.value("MSA-3"), std::string("not an HL7 message"));
    QCOMPARE(pythonReadsAck(garbage, "utf-8").mid(5, 3), (QStringList{"AR", "", "not an HL7 message"}));
    // An MSH that can be read in ASCII, in a character set we do not know: the sender is answered.
    const std::string koi = withPid("MSH|^~\\&|RIS|HOSP|LIGHTBOX|RAD|20240315||ADT^A08|MSG77|P|2.5||||||KOI8-R", "P1");
    auto failed = Hl7Message::parse(koi);
    QVERIFY(!failed.ok());
    const Hl7Message b = parsed(buildAckForUnparsed(koi, {AckCode::Reject, failed.error().message}, {}));
    QCOMPARE(b.value("MSA-1"), std::string("AR"));
    QCOMPARE(b.value("MSA-2"), std::string("MSG77"));
    QCOMPARE(b.value("MSA-3"), std::string("character set KOI8-R not supported"));
    QCOMPARE(b.value("MSH-5"), std::string("RIS"));
    QCOMPARE(b.value("MSH-12"), std::string("2.5"));
}

void Hl7AckTest::controlIdsUnique()
{
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) ids.insert(newControlId());
    QCOMPARE(ids.size(), std::size_t(1000));
    QVERIFY(newControlId().size() <= 20);
}

QTEST_GUILESS_MAIN(Hl7AckTest)
#include "test_hl7_ack.moc"
