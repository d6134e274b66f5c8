// The HL7 field map of orders (issue 12, point 1), on the IHE Scheduled Workflow examples: what an
// ORM^O01, an OMI^O23, an SIU^S12, an ADT^A08 and an ADT^A40 mean for the work queue, field by
// field as the profile maps them; the answers for what cannot be taken (AR for a type or event,
// AE with the HL7 table 0357 code for a missing or bad field); and the intake committing an order
// once, acknowledging a message sent again without processing it twice.
#include "../net/hl7_examples.h"
#include "hl7_orders.h"
#include "order_intake.h"
#include "test_support.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace lightbox;
using namespace lightbox::app;
using lightbox::testing::parsed;
using lightbox::testing::segments;

namespace {

Hl7Event hl7Event(const std::string& raw)
{
    auto e = readHl7Event(parsed(raw), "ris");
    if (auto* r = std::get_if<net::Hl7Reply>(&e)) qFatal("refused: %s", r->text.c_str());
    return std::get<Hl7Event>(e);
}

net::Hl7Reply refusal(const std::string& raw)
{
    auto e = readHl7Event(parsed(raw), "ris");
    if (!std::holds_alternative<net::Hl7Reply>(e)) return {net::AckCode::Accept, "taken", 0};
    return std::get<net::Hl7Reply>(e);
}

std::string replaced(std::string s, const std::string& from, const std::string& to)
{
    const auto at = s.find(from);
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
}

}  // namespace

class Hl7OrdersTest : public QObject {
    Q_OBJECT

private slots:
    void ormAsIheMapsIt();
    void omiReadsTheImagingProcedureControl();
    void siuAndAdtMessages();
    void whatCannotBeTakenIsAnswered();
    void theIntakeCommitsOnce();
    void aChangedOrderIsTheSameOrder();
    void aFailedTaskWaitsBeforeItsRetry();
};

void Hl7OrdersTest::ormAsIheMapsIt()
{
    const Hl7Event e = hl7Event(testing::kOrm);
    QCOMPARE(int(e.kind), int(Hl7Event::Kind::Order));
    const Order& o = e.order;
    QCOMPARE(o.patientId, QString("PAT001"));
    QCOMPARE(o.issuer, QString("HOSP"));
    QCOMPARE(o.patientName, QString("MÜLLER^ANNA"));
    QCOMPARE(o.birthDate, QString("19600101"));
    QCOMPARE(o.sex, QString("F"));
    QCOMPARE(o.placer, QString("ORD1001"));
    QCOMPARE(o.filler, QString("FIL1001"));
    QCOMPARE(o.accession, QString("ACC1001"));
    QCOMPARE(o.modality, QString("CT"));
    QCOMPARE(o.studyUid, QString("1.2.826.0.1.3680043.8.498.1001"));
    QCOMPARE(o.scheduled, QDateTime(QDate(2024, 3, 15), QTime(9, 30)));
    QCOMPARE(o.priority, QString("R"));
    QCOMPARE(o.procedureCode, QString("CTCHEST"));
    QCOMPARE(o.procedureText, QString("CT chest"));
    QCOMPARE(int(o.status), int(Order::Status::Scheduled));
    // Cancelled and performed orders.
    QCOMPARE(int(hl7Event(replaced(testing::kOrm, "ORC|NW|", "ORC|CA|")).order.status), int(Order::Status::Cancelled));
    QCOMPARE(int(hl7Event(replaced(testing::kOrm, "ORC|NW|ORD1001|FIL1001", "ORC|SC|ORD1001|FIL1001||CM")).order.status), int(Order::Status::Performed));
}

void Hl7OrdersTest::omiReadsTheImagingProcedureControl()
{
    const Order o = hl7Event(testing::kOmi).order;
    QCOMPARE(o.accession, QString("ACC1001"));  // IPC-1
    QCOMPARE(o.studyUid, QString("1.2.826.0.1.3680043.8.498.1001"));  // IPC-3
    QCOMPARE(o.modality, QString("CT"));  // IPC-5
    QCOMPARE(o.scheduled, QDateTime(QDate(2024, 3, 15), QTime(9, 30)));  // TQ1-7
    QCOMPARE(o.patientName, QString("MÜLLER^ANNA"));
}

void Hl7OrdersTest::siuAndAdtMessages()
{
    const Order siu = hl7Event(testing::kSiu).order;
    QCOMPARE(siu.placer, QString("APT1001"));
    QCOMPARE(siu.scheduled, QDateTime(QDate(2024, 3, 15), QTime(9, 30)));  // AIS-4
    QCOMPARE(siu.procedureText, QString("CT chest"));
    QCOMPARE(int(hl7Event(replaced(testing::kSiu, "SIU^S12", "SIU^S15")).order.status), int(Order::Status::Cancelled));
    const Hl7Event a08 = hl7Event(testing::kA08);
    QCOMPARE(int(a08.kind), int(Hl7Event::Kind::Demographics));
    QCOMPARE(a08.order.patientName, QString("MÜLLER-SCHMIDT^ANNA"));
    const Hl7Event a40 = hl7Event(testing::kA40);
    QCOMPARE(int(a40.kind), int(Hl7Event::Kind::Merge));
    QCOMPARE(a40.merges.size(), std::size_t(1));
    QCOMPARE(a40.merges[0].priorId, QString("PAT999"));
    QCOMPARE(a40.merges[0].priorIssuer, QString("HOSP"));
    QCOMPARE(a40.merges[0].survivingId, QString("PAT001"));
    QCOMPARE(a40.order.patientId, QString("PAT001"));
    // Two patients merged in one message: each MRG goes into the PID before it.
    const Hl7Event two = hl7Event(testing::segments({"MSH|^~\\&|ADT|HOSP|LIGHTBOX|RAD|20240315081000||ADT^A40^ADT_A39|MSG0006|P|2.5.1",
                                                     "EVN|A40|20240315081000", "PID|1||PAT001^^^HOSP^MR||MÜLLER^ANNA||19600101|F",
                                                     "MRG|PAT999^^^HOSP^MR", "PID|2||PAT002^^^CLINIC^MR||DOE^JOHN||19700101|M",
                                                     "MRG|PAT998^^^CLINIC^MR"}));
    QCOMPARE(two.merges.size(), std::size_t(2));
    QCOMPARE(two.merges[1].priorId, QString("PAT998"));
    QCOMPARE(two.merges[1].survivingId, QString("PAT002"));
    QCOMPARE(two.merges[1].survivingIssuer, QString("CLINIC"));
}

void Hl7OrdersTest::whatCannotBeTakenIsAnswered()
{
    const auto check = [](const std::string& raw, net::AckCode code, int error) {
        const net::Hl7Reply r = refusal(raw);
        QVERIFY2(int(r.code) == int(code), (raw + " -> " + r.text).c_str());
        QCOMPARE(r.errorCode, error);
    };
    check(replaced(testing::kOrm, "ORM^O01", "ORU^R01"), net::AckCode::Reject, 200);
    check(replaced(testing::kOrm, "ORM^O01", "ORM^O02"), net::AckCode::Reject, 201);
    check(replaced(testing::kOrm, "PAT001^^^HOSP^MR", ""), net::AckCode::Error, 101);
    check(replaced(replaced(replaced(testing::kOrm, "ACC1001", ""), "ORC|NW|ORD1001", "ORC|NW|"), "OBR|1|ORD1001|", "OBR|1||"), net::AckCode::Error, 101);
    check(replaced(testing::kOrm, "20240315093000", "2024-03-15"), net::AckCode::Error, 102);
    check(replaced(testing::kOrm, "1.2.826.0.1.3680043.8.498.1001", "not-a-uid"), net::AckCode::Error, 102);
    check(replaced(testing::kOrm, "ACC1001", "ACC\\Z\\1001"), net::AckCode::Error, 102);  // an escape nobody knows, in an identifier
    check(replaced(testing::kA40, "MRG|PAT999^^^HOSP^MR", "MRG|"), net::AckCode::Error, 101);
    // Damaged merges: an MRG before any PID; a second pair with an escape nobody knows in its ID.
    check(testing::segments({"MSH|^~\\&|ADT|HOSP|LIGHTBOX|RAD|20240315081000||ADT^A40^ADT_A39|MSG0007|P|2.5.1", "EVN|A40|20240315081000",
                             "MRG|PAT999^^^HOSP^MR", "PID|1||PAT001^^^HOSP^MR||A^B"}),
          net::AckCode::Error, 100);
    check(testing::segments({"MSH|^~\\&|ADT|HOSP|LIGHTBOX|RAD|20240315081000||ADT^A40^ADT_A39|MSG0008|P|2.5.1", "EVN|A40|20240315081000",
                             "PID|1||PAT001^^^HOSP^MR||A^B", "MRG|PAT999^^^HOSP^MR", "PID|2||PAT002^^^HOSP^MR||C^D", "MRG|PAT\\Z\\998^^^HOSP^MR"}),
          net::AckCode::Error, 102);
}

void Hl7OrdersTest::theIntakeCommitsOnce()
{
    QTemporaryDir dir;
    const QString cache = dir.path() + "/cache";
    QVERIFY(test::run(test::lightboxExe(), {"cache", "init", "--cache", cache}).ok());
    OrderIntake intake(cache);
    QStringList said;
    intake.setOnAccepted([&](const QString& s) { said << s; });
    QCOMPARE(int(intake.handle(parsed(testing::kOrm), "ris").code), int(net::AckCode::Accept));
    const net::Hl7Reply again = intake.handle(parsed(testing::kOrm), "ris");
    QCOMPARE(int(again.code), int(net::AckCode::Accept));
    QCOMPARE(again.text, std::string("already processed"));
    QCOMPARE(said.size(), 1);
    // The same control ID from another sender is another message.
    QCOMPARE(int(intake.handle(parsed(testing::kOrm), "ris-2").code), int(net::AckCode::Accept));
    QCOMPARE(said.size(), 2);
    // A merge moves the open orders of the prior ID.
    const std::string ofPat999 = replaced(replaced(replaced(testing::kOrm, "MSG0001", "MSG0009"), "PAT001", "PAT999"), "ACC1001", "ACC9999");
    const std::string ofPat999Order = replaced(replaced(ofPat999, "ORD1001", "ORD9999"), "ORD1001", "ORD9999");
    QCOMPARE(int(intake.handle(parsed(ofPat999Order), "ris").code), int(net::AckCode::Accept));
    QCOMPARE(int(intake.handle(parsed(testing::kA40), "ris").code), int(net::AckCode::Accept));
    auto queue = WorkQueue::open(cache);
    QVERIFY(queue);
    int ofPat001 = 0;
    for (const StoredOrder& o : (*queue)->orders()) ofPat001 += o.order.patientId == "PAT001";
    QCOMPARE(ofPat001, 3);
    QCOMPARE((*queue)->mergedInto("PAT001"), std::vector<QString>{"PAT999"});
    // One message merging two patients: both merges, one message processed.
    const std::string twoMerges = testing::segments({"MSH|^~\\&|ADT|HOSP|LIGHTBOX|RAD|20240315081000||ADT^A40^ADT_A39|MSG0010|P|2.5.1",
                                                     "EVN|A40|20240315081000", "PID|1||PAT100^^^HOSP^MR||A^B", "MRG|PAT101^^^HOSP^MR",
                                                     "PID|2||PAT200^^^HOSP^MR||C^D", "MRG|PAT201^^^HOSP^MR"});
    QCOMPARE(int(intake.handle(parsed(twoMerges), "ris").code), int(net::AckCode::Accept));
    QCOMPARE((*queue)->mergedInto("PAT100"), std::vector<QString>{"PAT101"});
    QCOMPARE((*queue)->mergedInto("PAT200"), std::vector<QString>{"PAT201"});
    QVERIFY(*(*queue)->seen("ris", "MSG0010"));
}

// NW without an accession, then XO with one (the RIS assigned it later), then CA: one order, by its
// placer number, ending cancelled.
void Hl7OrdersTest::aChangedOrderIsTheSameOrder()
{
    QTemporaryDir dir;
    const QString cache = dir.path() + "/cache";
    QVERIFY(test::run(test::lightboxExe(), {"cache", "init", "--cache", cache}).ok());
    OrderIntake intake(cache);
    const std::string noAccession = replaced(testing::kOrm, "ACC1001", "");
    QCOMPARE(int(intake.handle(parsed(noAccession), "ris").code), int(net::AckCode::Accept));
    const std::string changed = replaced(replaced(testing::kOrm, "MSG0001", "MSG0002"), "ORC|NW|", "ORC|XO|");
    QCOMPARE(int(intake.handle(parsed(changed), "ris").code), int(net::AckCode::Accept));
    const std::string cancelled = replaced(replaced(testing::kOrm, "MSG0001", "MSG0003"), "ORC|NW|", "ORC|CA|");
    QCOMPARE(int(intake.handle(parsed(cancelled), "ris").code), int(net::AckCode::Accept));
    auto queue = WorkQueue::open(cache);
    QVERIFY(queue);
    const auto orders = (*queue)->orders();
    QCOMPARE(orders.size(), std::size_t(1));
    QCOMPARE(orders[0].order.accession, QString("ACC1001"));
    QCOMPARE(int(orders[0].order.status), int(Order::Status::Cancelled));
    QVERIFY((*queue)->orders(true).empty());
}

// A retrieve that failed is not taken again at once (the archive may be down), and a cancelled
// run costs no attempt; tasks of a cancelled order are never taken.
void Hl7OrdersTest::aFailedTaskWaitsBeforeItsRetry()
{
    QTemporaryDir dir;
    const QString cache = dir.path() + "/cache";
    QVERIFY(test::run(test::lightboxExe(), {"cache", "init", "--cache", cache}).ok());
    auto queue = WorkQueue::open(cache);
    QVERIFY(queue);
    Order o = hl7Event(testing::kOrm).order;
    auto id = (*queue)->recordOrder(o, "M1");
    QVERIFY(id);
    PrefetchTask t;
    t.orderId = *id;
    t.kind = "prior";
    t.studyUid = "1.2.3";
    t.archive = "pacs";
    t.rank = 1;
    QVERIFY((*queue)->addTask(t));
    QCOMPARE(*(*queue)->addTask(t), false);  // never twice
    auto claimed = (*queue)->claimNext();
    QVERIFY(claimed);
    QCOMPARE(claimed->attempts, 1);
    QVERIFY((*queue)->retryLater(claimed->id, "cancelled", 0, false));
    claimed = (*queue)->claimNext();  // a cancelled run: taken again at once, still its first attempt
    QVERIFY(claimed);
    QCOMPARE(claimed->attempts, 1);
    QVERIFY((*queue)->retryLater(claimed->id, "connection refused", 0));
    QVERIFY(!(*queue)->claimNext());  // a minute at least
    QCOMPARE(stateName((*queue)->tasks(*id).front().state), QString("queued"));
    // The order cancelled: its waiting task is dropped.
    o.status = Order::Status::Cancelled;
    QVERIFY((*queue)->recordOrder(o, "M2"));
    QCOMPARE(stateName((*queue)->tasks(*id).front().state), QString("skipped"));
}

QTEST_GUILESS_MAIN(Hl7OrdersTest)
#include "test_hl7_orders.moc"
