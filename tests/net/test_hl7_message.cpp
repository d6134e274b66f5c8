// HL7 v2 parsing (netclient/hl7_message.h): the IHE SWF fields of the design's example messages,
// delimiters from MSH, every escape, character sets (GB18030 trail bytes equal to '|' and '\'),
// paths and time stamps. ACKs: test_hl7_ack.cpp.
#include "hl7_examples.h"
#include "hl7_message.h"

#include <QTimeZone>
#include <QtTest>

using namespace lightbox::net;
using namespace lightbox::testing;

class Hl7MessageTest : public QObject {
    Q_OBJECT
private slots:
    void ihe_fields_data();
    void ihe_fields();
    void mshNumbering();
    void a40_groups();
    void otherDelimiters();
    void segmentEndings();
    void repetitionsAndSubcomponents();
    void escapes_data();
    void escapes();
    void strictEscapes();
    void hexEscapeInCharset();
    void latin1Message();
    void defaultCharset();
    void gb18030TrailBytes();
    void unknownCharset();
    void notHl7();
    void paths();
    void timestamps_data();
    void timestamps();
};

void Hl7MessageTest::ihe_fields_data()
{
    QTest::addColumn<QString>("which");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("expected");
    const QList<QStringList> rows = {
        {"ORM", "PID-3.1", "PAT001"}, {"ORM", "PID-3.4", "HOSP"}, {"ORM", "PID-5.1", "MÜLLER"}, {"ORM", "ORC-1", "NW"},
        {"ORM", "OBR-18", "ACC1001"}, {"ORM", "OBR-19", "RP1001"}, {"ORM", "OBR-24", "CT"}, {"ORM", "OBR-27.4", "20240315093000"},
        {"ORM", "OBR-27.6", "R"}, {"ORM", "OBR-44.1", "CTCHEST"}, {"ORM", "OBR-4.2", "CT chest"},
        {"ORM", "ZDS-1.1", "1.2.826.0.1.3680043.8.498.1001"}, {"ORM", "MSH-9.2", "O01"},
        {"OMI", "TQ1-7", "20240315093000"}, {"OMI", "IPC-1", "ACC1001"}, {"OMI", "IPC-3", "1.2.826.0.1.3680043.8.498.1001"},
        {"OMI", "IPC-5", "CT"}, {"OMI", "IPC-9", "LIGHTBOX"}, {"OMI", "PID-5.1", "MÜLLER"}, {"OMI", "MSH-9.3", "OMI_O23"},
        {"SIU", "SCH-11.4", "20240315093000"}, {"SIU", "SCH-1.1", "APT1001"}, {"SIU", "AIS-4", "20240315093000"},
        {"SIU", "AIS-3.2", "CT chest"}, {"A08", "PID-5.1", "MÜLLER-SCHMIDT"}, {"A08", "EVN-1", "A08"},
        {"A40", "MRG-1.1", "PAT999"}, {"A40", "MRG-1.4", "HOSP"}, {"A40", "PID-3.1", "PAT001"},
    };
    for (const QStringList& r : rows) QTest::newRow(qPrintable(r[0] + " " + r[1])) << r[0] << r[1] << r[2];
}

void Hl7MessageTest::ihe_fields()
{
    QFETCH(QString, which);
    QFETCH(QString, path);
    QFETCH(QString, expected);
    const std::map<QString, std::string> messages = {{"ORM", kOrm}, {"OMI", kOmi}, {"SIU", kSiu}, {"A08", kA08}, {"A40", kA40}};
    const Hl7Message m = parsed(messages.at(which));
    QCOMPARE(QString::fromStdString(m.value(path.toStdString())), expected);
    auto strict = m.valueStrict(path.toStdString());
    QVERIFY(strict.ok());
    QCOMPARE(QString::fromStdString(*strict), expected);
}

void Hl7MessageTest::mshNumbering()
{
    const Hl7Message m = parsed(kOmi);
    QCOMPARE(m.value("MSH-1"), std::string("|"));
    QCOMPARE(m.value("MSH-2"), std::string("^~\\&"));
    QCOMPARE(m.value("MSH-3"), std::string("RIS"));
    QCOMPARE(m.value("MSH-4"), std::string("HOSP"));
    QCOMPARE(m.value("MSH-5"), std::string("LIGHTBOX"));
    QCOMPARE(m.messageType(), std::string("OMI"));
    QCOMPARE(m.triggerEvent(), std::string("O23"));
    QCOMPARE(m.controlId(), std::string("MSG0002"));
    QCOMPARE(m.processingId(), std::string("P"));
    QCOMPARE(m.version(), std::string("2.5.1"));
    QCOMPARE(m.value("MSH-18"), std::string("UNICODE UTF-8"));
    QCOMPARE(m.charset().dicomTerm, std::string("ISO_IR 192"));
    QCOMPARE(m.segments().size(), std::size_t(6));
    QCOMPARE(m.segments().front().rawField(9), std::string("OMI^O23^OMI_O23"));
}

void Hl7MessageTest::a40_groups()
{
    const std::string raw = kA40 + segments({"PID|1||PAT002^^^HOSP^MR||X^Y", "MRG|PAT998^^^HOSP^MR"});
    const Hl7Message m = parsed(raw);
    QCOMPARE(m.segments("MRG").size(), std::size_t(2));
    QCOMPARE(m.segments("MRG")[1]->value(1, 1, 1), std::string("PAT998"));
    QCOMPARE(m.value("PID(2)-3.1"), std::string("PAT002"));
    QCOMPARE(m.value("MRG(2)-1.1"), std::string("PAT998"));
    QVERIFY(m.segment("MRG", 3) == nullptr);
    QCOMPARE(m.value("MRG(3)-1"), std::string());
}

void Hl7MessageTest::otherDelimiters()
{
    // Field '#', component '$', repetition '*', escape '@', subcomponent '%'.
    const std::string raw = segments({"MSH#$*@%#RIS#HOSP#LIGHTBOX#RAD#20240315090000##ORM$O01#MSG9#P#2.3.1",
                                       "PID#1##A1$$$HOSP%1.2.3%ISO*B2$$$OTHER##M@F@LLER$A@S@B##19600101",
                                       "OBR#1#ORD|1#F^1#X~Y&Z\\W"});
    const Hl7Message m = parsed(raw);
    QCOMPARE(m.delimiters().field, '#');
    QCOMPARE(m.delimiters().escape, '@');
    QCOMPARE(m.value("MSH-1"), std::string("#"));
    QCOMPARE(m.value("MSH-2"), std::string("$*@%"));
    QCOMPARE(m.value("MSH-3"), std::string("RIS"));
    QCOMPARE(m.triggerEvent(), std::string("O01"));
    QCOMPARE(m.value("PID-3.4.2"), std::string("1.2.3"));
    QCOMPARE(m.value("PID-3[2].1"), std::string("B2"));
    QCOMPARE(m.value("PID-3[2].4"), std::string("OTHER"));
    QCOMPARE(m.value("PID-5.1"), std::string("M#LLER"));
    QCOMPARE(m.value("PID-5.2"), std::string("A$B"));
    QCOMPARE(m.value("PID-7"), std::string("19600101"));
    // The standard delimiters are plain text here.
    QCOMPARE(m.value("OBR-2"), std::string("ORD|1"));
    QCOMPARE(m.value("OBR-3"), std::string("F^1"));
    QCOMPARE(m.value("OBR-4"), std::string("X~Y&Z\\W"));
}

void Hl7MessageTest::segmentEndings()
{
    for (const char* end : {"\r", "\r\n", "\n"}) {
        std::string raw;
        for (const char* l : {"MSH|^~\\&|RIS|HOSP|||20240315||ORM^O01|M1|P|2.3.1", "PID|1||P1", "OBR|1|||||||||||||||||ACC9"})
            raw += std::string(l) + end;
        const Hl7Message m = parsed(raw);
        QCOMPARE(m.segments().size(), std::size_t(3));
        QCOMPARE(m.version(), std::string("2.3.1"));
        QCOMPARE(m.value("PID-3"), std::string("P1"));
        QCOMPARE(m.value("OBR-18"), std::string("ACC9"));
    }
}

void Hl7MessageTest::repetitionsAndSubcomponents()
{
    const Hl7Message m = parsed(withPid("MSH|^~\\&|RIS|HOSP|||20240315||ADT^A08|M1|P|2.5", "A1^^^HOSP&1.2.3&ISO^MR~B2^^^OTHER~C3"));
    const Hl7Segment* pid = m.segment("PID");
    QVERIFY(pid);
    QCOMPARE(pid->repetitions(3), 3);
    QCOMPARE(pid->repetitions(4), 0);
    QCOMPARE(pid->value(3, 1, 4), std::string("HOSP"));
    QCOMPARE(pid->value(3, 1, 4, 2), std::string("1.2.3"));
    QCOMPARE(pid->value(3, 1, 4, 3), std::string("ISO"));
    QCOMPARE(pid->value(3, 2, 4), std::string("OTHER"));
    QCOMPARE(pid->value(3, 3, 1), std::string("C3"));
    QCOMPARE(pid->value(3, 4, 1), std::string());
    QCOMPARE(pid->value(30), std::string());
    QCOMPARE(m.value("PID-3[3]"), std::string("C3"));
    QCOMPARE(pid->rawField(3), std::string("A1^^^HOSP&1.2.3&ISO^MR~B2^^^OTHER~C3"));
}

void Hl7MessageTest::escapes_data()
{
    QTest::addColumn<QString>("msh2");
    QTest::addColumn<QString>("written");
    QTest::addColumn<QString>("expected");
    QTest::newRow("F") << "^~\\&" << "A\\F\\B" << "A|B";
    QTest::newRow("S") << "^~\\&" << "A\\S\\B" << "A^B";
    QTest::newRow("T") << "^~\\&" << "A\\T\\B" << "A&B";
    QTest::newRow("R") << "^~\\&" << "A\\R\\B" << "A~B";
    QTest::newRow("E") << "^~\\&" << "A\\E\\B" << "A\\B";
    QTest::newRow("P 2.7") << "^~\\&#" << "A\\P\\B" << "A#B";
    QTest::newRow("P other truncation") << "^~\\&!" << "A\\P\\B" << "A!B";
    QTest::newRow(".br") << "^~\\&" << "line1\\.br\\line2" << "line1\nline2";
    QTest::newRow("H N") << "^~\\&" << "\\H\\bold\\N\\ text" << "bold text";
    QTest::newRow("X ascii") << "^~\\&" << "\\X4D55\\LLER" << "MULLER";
    QTest::newRow("X utf-8") << "^~\\&" << "M\\XC39C\\LLER" << "MÜLLER";
    QTest::newRow("several") << "^~\\&" << "\\E\\\\F\\\\S\\" << "\\|^";
    QTest::newRow("other escape char") << "^~@&" << "A@F@B\\C" << "A|B\\C";
    QTest::newRow("unknown dropped") << "^~\\&" << "A\\Q\\B" << "AB";
    QTest::newRow("charset switch dropped") << "^~\\&" << "A\\C2842\\B" << "AB";
    QTest::newRow("M switch dropped") << "^~\\&" << "A\\M2442AB\\B" << "AB";
}

void Hl7MessageTest::escapes()
{
    QFETCH(QString, msh2);
    QFETCH(QString, written);
    QFETCH(QString, expected);
    const std::string msh = "MSH|" + msh2.toStdString() + "|RIS|HOSP|||20240315||ADT^A08|M1|P|2.7||||||UNICODE UTF-8";
    const Hl7Message m = parsed(withPid(msh, "P1", written.toStdString()));
    QCOMPARE(QString::fromStdString(m.value("PID-5")), expected);
}

void Hl7MessageTest::strictEscapes()
{
    const std::string msh = "MSH|^~\\&|RIS|HOSP|||20240315||ADT^A08|M1|P|2.5";
    const Hl7Message unknown = parsed(withPid(msh, "PAT\\Q\\1", "A\\F\\B"));
    QCOMPARE(unknown.value("PID-3"), std::string("PAT1"));  // lenient: dropped
    auto strict = unknown.valueStrict("PID-3");
    QVERIFY(!strict.ok());
    QCOMPARE(strict.error().code, std::string("bad-escape"));
    QVERIFY(QString::fromStdString(strict.error().message).contains("\\Q\\"));
    QVERIFY(unknown.valueStrict("PID-5").ok());
    QVERIFY(!unknown.usesCharsetSwitch());

    const Hl7Message unclosed = parsed(withPid(msh, "PAT\\F1"));
    QCOMPARE(unclosed.valueStrict("PID-3").error().code, std::string("bad-escape"));

    const Hl7Message switched = parsed(withPid(msh, "P1", "\\C2842\\YAMADA"));
    QVERIFY(switched.usesCharsetSwitch());
    QCOMPARE(switched.valueStrict("PID-5").error().code, std::string("charset-switch"));
    QVERIFY(!parsed(kOrm).usesCharsetSwitch());

    QCOMPARE(unknown.valueStrict("ZZZ-1").error().code, std::string("absent"));
    QCOMPARE(unknown.valueStrict("PID3").error().code, std::string("bad-path"));
}

void Hl7MessageTest::hexEscapeInCharset()
{
    // \X..\ spells bytes of the message's own character set: 0xDC is Ü in Latin-1.
    const Hl7Message latin1 = parsed(withPid("MSH|^~\\&|RIS|HOSP|||20240315||ADT^A08|M1|P|2.5||||||8859/1", "P1", "M\\XDC\\LLER"));
    QCOMPARE(latin1.value("PID-5"), std::string("MÜLLER"));
    const Hl7Message utf8 = parsed(withPid("MSH|^~\\&|RIS|HOSP|||20240315||ADT^A08|M1|P|2.5||||||UNICODE UTF-8", "P1", "M\\XC39C\\LLER"));
    QCOMPARE(utf8.value("PID-5"), std::string("MÜLLER"));
    const Hl7Message odd = parsed(withPid("MSH|^~\\&|RIS|HOSP|||20240315||ADT^A08|M1|P|2.5", "\\XC3\\9\\X4\\"));
    QCOMPARE(odd.valueStrict("PID-3").error().code, std::string("bad-escape"));
}

void Hl7MessageTest::latin1Message()
{
    const std::string raw = withPid("MSH|^~\\&|RIS|HOSP|||20240315||ADT^A08|M1|P|2.5||||||8859/1", "P1", "M\xDCLLER^J\xD6RG") +
                            segments({"OBX|1|ST|||Preis 5 \xA4"});
    const Hl7Message m = parsed(raw);
    QCOMPARE(m.charset().dicomTerm, std::string("ISO_IR 100"));
    QCOMPARE(m.value("PID-5.1"), std::string("MÜLLER"));
    QCOMPARE(m.value("PID-5.2"), std::string("JÖRG"));
    QCOMPARE(m.value("OBX-5"), std::string("Preis 5 ¤"));
    const Hl7Message latin9 = parsed(std::string("MSH|^~\\&|RIS|HOSP|||20240315||ADT^A08|M1|P|2.5||||||8859/15\rOBX|1|ST|||5 \xA4\r"));
    QCOMPARE(latin9.charset().dicomTerm, std::string("ISO_IR 203"));
    QCOMPARE(latin9.value("OBX-5"), std::string("5 €"));
    const Hl7Message cyrillic = parsed(std::string("MSH|^~\\&|RIS|HOSP|||20240315||ADT^A08|M1|P|2.5||||||8859/5\rPID|1||P1||\xB8\xD2\xD0\xDD\r"));
    QCOMPARE(cyrillic.charset().dicomTerm, std::string("ISO_IR 144"));
    QCOMPARE(cyrillic.value("PID-5"), std::string("Иван"));
}

void Hl7MessageTest::defaultCharset()
{
    const std::string raw = withPid("MSH|^~\\&|RIS|HOSP|||20240315||ADT^A08|M1|P|2.5", "P1", "M\xDCLLER");
    // No MSH-18 and no default: invalid UTF-8 is read as Latin-1.
    QCOMPARE(parsed(raw).value("PID-5"), std::string("MÜLLER"));
    QCOMPARE(parsed(raw).charset().dicomTerm, std::string("ISO_IR 6"));
    const Hl7Message greek = parsed(raw, "8859/7");  // the sender's configured set: 0xDC is Ü in Latin-1, ά in Greek
    QCOMPARE(greek.charset().dicomTerm, std::string("ISO_IR 126"));
    QCOMPARE(greek.value("PID-5"), std::string("MάLLER"));
    // MSH-18 wins over the default.
    const Hl7Message named = parsed(withPid("MSH|^~\\&|RIS|HOSP|||20240315||ADT^A08|M1|P|2.5||||||8859/1", "P1", "M\xDCLLER"), "8859/7");
    QCOMPARE(named.value("PID-5"), std::string("MÜLLER"));
    QCOMPARE(parsed(withPid("MSH|^~\\&|RIS|HOSP|||20240315||ADT^A08|M1|P|2.5", "P1", "MÜLLER"), "UNICODE UTF-8").value("PID-5"),
             std::string("MÜLLER"));
}

void Hl7MessageTest::gb18030TrailBytes()
{
    // 亅 U+4E85 is 0x81 0x7C ('|' as trail byte), 乗 U+4E57 is 0x81 0x5C ('\' as trail byte) in
    // GB18030 (python3: '亅'.encode('gb18030')). Split before decoding, the name would break PID.
    const std::string kJue = "\x81\x7C", kJou = "\x81\x5C";
    const std::string raw = "MSH|^~\\&|RIS|" + kJue + "|LIGHTBOX|RAD|20240315||ADT^A08|M1|P|2.5||||||GB 18030-2000\r" +
                            "PID|1||PAT001^^^HOSP||" + kJue + kJou + "^" + kJou + "||19600101|F\r";
    const Hl7Message m = parsed(raw);
    QCOMPARE(m.charset().dicomTerm, std::string("GB18030"));
    QCOMPARE(m.value("MSH-4"), std::string("亅"));
    QCOMPARE(m.value("MSH-5"), std::string("LIGHTBOX"));
    QCOMPARE(m.value("PID-5.1"), std::string("亅乗"));
    QCOMPARE(m.value("PID-5.2"), std::string("乗"));
    QVERIFY(m.valueStrict("PID-5.1").ok());
    QCOMPARE(m.value("PID-7"), std::string("19600101"));
    QCOMPARE(m.value("PID-8"), std::string("F"));
}

void Hl7MessageTest::unknownCharset()
{
    auto m = Hl7Message::parse(withPid("MSH|^~\\&|RIS|HOSP|||20240315||ADT^A08|M1|P|2.5||||||KOI8-R", "P1"));
    QVERIFY(!m.ok());
    QCOMPARE(m.error().code, std::string("unsupported-charset"));
    QCOMPARE(m.error().message, std::string("character set KOI8-R not supported"));
    auto badDefault = Hl7Message::parse(withPid("MSH|^~\\&|RIS|HOSP|||20240315||ADT^A08|M1|P|2.5", "P1"), "EBCDIC");
    QCOMPARE(badDefault.error().code, std::string("unsupported-charset"));
}

void Hl7MessageTest::notHl7()
{
    for (const std::string& raw : {std::string(), std::string("hello world"), std::string("MSH|^~|RIS\r"), std::string("MSHA^~\\&|X\r"),
                                  std::string("MSH|^~\\&|RIS|HOSP\rP|1\r")}) {
        auto m = Hl7Message::parse(raw);
        QVERIFY2(!m.ok(), raw.c_str());
        QCOMPARE(m.error().code, std::string("not-hl7"));
    }
}

void Hl7MessageTest::paths()
{
    auto p = parseHl7Path("PID(2)-3[4].5.6");
    QVERIFY(p.ok());
    QCOMPARE(p->segment, std::string("PID"));
    QCOMPARE(p->occurrence, 2);
    QCOMPARE(p->field, 3);
    QCOMPARE(p->repetition, 4);
    QCOMPARE(p->component, 5);
    QCOMPARE(p->subcomponent, 6);
    auto simple = parseHl7Path("OBR-18");
    QVERIFY(simple.ok());
    QCOMPARE(simple->repetition, 1);
    QCOMPARE(simple->component, 1);
    for (const char* bad : {"PID", "PID-", "PID-0", "pid-3", "PID-3.", "PID-3[0]", "PID-3.1.1.1", "PID-3x", "PID(0)-3"})
        QVERIFY2(!parseHl7Path(bad).ok(), bad);
}

void Hl7MessageTest::timestamps_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QDateTime>("expected");  // invalid = refused
    const QDate d(2024, 3, 15);
    QTest::newRow("year") << "2024" << QDateTime(QDate(2024, 1, 1), QTime(0, 0), Qt::LocalTime);
    QTest::newRow("month") << "202403" << QDateTime(QDate(2024, 3, 1), QTime(0, 0), Qt::LocalTime);
    QTest::newRow("day") << "20240315" << QDateTime(d, QTime(0, 0), Qt::LocalTime);
    QTest::newRow("minutes") << "202403150930" << QDateTime(d, QTime(9, 30), Qt::LocalTime);
    QTest::newRow("seconds") << "20240315093005" << QDateTime(d, QTime(9, 30, 5), Qt::LocalTime);
    QTest::newRow("fraction") << "20240315093005.1234" << QDateTime(d, QTime(9, 30, 5, 123), Qt::LocalTime);
    QTest::newRow("fraction 1") << "20240315093005.5" << QDateTime(d, QTime(9, 30, 5, 500), Qt::LocalTime);
    QTest::newRow("zone +") << "20240315093000+0100" << QDateTime(d, QTime(8, 30), QTimeZone::utc());
    QTest::newRow("zone -") << "202403150930-0530" << QDateTime(d, QTime(15, 0), QTimeZone::utc());
    QTest::newRow("day zone") << "20240315+0000" << QDateTime(d, QTime(0, 0), QTimeZone::utc());
    for (const char* bad : {"", "202", "2024031", "20241315", "20240230", "20240315250000", "20240315096000", "20240315093000+01",
                            "2024x315", "20240315093000.12345", "20240315093000.", "202403150930.5", "20240315093000+1500",
                            "2024-03-15", "20240315093000+0100Z", " 20240315"})
        QTest::newRow(bad[0] ? bad : "empty") << QString(bad) << QDateTime();
}

void Hl7MessageTest::timestamps()
{
    QFETCH(QString, text);
    QFETCH(QDateTime, expected);
    auto t = parseHl7Timestamp(text.toStdString());
    if (!expected.isValid()) {
        QVERIFY2(!t.ok(), qPrintable(text));
        QCOMPARE(t.error().code, std::string("bad-timestamp"));
        return;
    }
    QVERIFY2(t.ok(), qPrintable(text));
    QCOMPARE(t->toUTC(), expected.toUTC());
    if (expected.timeSpec() == Qt::LocalTime) QCOMPARE(t->timeSpec(), Qt::LocalTime);
}

QTEST_GUILESS_MAIN(Hl7MessageTest)
#include "test_hl7_message.moc"
