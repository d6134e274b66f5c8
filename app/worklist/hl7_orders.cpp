#include "hl7_orders.h"

#include "hl7_timestamp.h"

#include <QRegularExpression>

#include <vector>

namespace lightbox::app {

namespace {

using net::AckCode;
using net::Hl7Message;
using net::Hl7Reply;

QString q(const std::string& s) { return QString::fromStdString(s); }

Hl7Reply reject(int code, const std::string& text) { return {AckCode::Reject, text, code}; }
Hl7Reply error(int code, const std::string& text) { return {AckCode::Error, text, code}; }

// An identifier read strictly: an escape we cannot undo would change it.
std::variant<QString, Hl7Reply> identifier(const Hl7Message& m, const char* path)
{
    auto v = m.valueStrict(path);
    if (v) return q(*v);
    if (v.error().code == "absent") return QString();
    return error(102, std::string(path) + ": " + v.error().message);
}

// The first of `paths` that holds an identifier ("" when none does).
std::variant<QString, Hl7Reply> firstIdentifier(const Hl7Message& m, const std::vector<const char*>& paths)
{
    for (const char* path : paths) {
        auto v = identifier(m, path);
        if (std::holds_alternative<Hl7Reply>(v) || !std::get<QString>(v).isEmpty()) return v;
    }
    return QString();
}

// A DICOM person name from an HL7 XPN: family^given^middle^suffix^prefix -> family^given^middle^prefix^suffix.
QString personName(const Hl7Message& m, const char* field)
{
    const std::string base = field;
    QStringList parts;
    for (int c : {1, 2, 3, 5, 4}) parts << q(m.value(base + "." + std::to_string(c)));
    while (!parts.isEmpty() && parts.last().isEmpty()) parts.removeLast();
    return parts.join('^');
}

std::variant<QDateTime, Hl7Reply> timestamp(const Hl7Message& m, std::initializer_list<const char*> paths)
{
    for (const char* path : paths) {
        const std::string text = m.value(path);
        if (text.empty()) continue;
        auto t = net::parseHl7Timestamp(text);
        if (!t) return error(102, std::string(path) + ": " + t.error().message);
        return *t;
    }
    return QDateTime();
}

// PID: the patient of every message.
std::variant<Order, Hl7Reply> patient(const Hl7Message& m, const QString& sender)
{
    Order o;
    o.sender = sender;
    auto id = identifier(m, "PID-3.1");
    if (auto* r = std::get_if<Hl7Reply>(&id)) return *r;
    o.patientId = std::get<QString>(id);
    if (o.patientId.isEmpty()) return error(101, "PID-3 (patient ID) is missing");
    o.issuer = q(m.value("PID-3.4"));
    o.patientName = personName(m, "PID-5");
    o.birthDate = q(m.value("PID-7")).left(8);
    o.sex = q(m.value("PID-8"));
    return o;
}

std::variant<Hl7Event, Hl7Reply> fromOrder(const Hl7Message& m, Order o, bool omi)
{
    const std::string control = m.value("ORC-1");
    if (control == "CA" || control == "DC" || control == "OC") o.status = Order::Status::Cancelled;
    else if (control == "SC" && m.value("ORC-5") == "CM") o.status = Order::Status::Performed;
    else if (control != "NW" && control != "XO" && control != "SC" && !control.empty())
        return error(103, "ORC-1 order control " + control + " is not one Lightbox takes (NW, XO, SC, CA, DC, OC)");
    o.placer = q(m.value("ORC-2.1"));
    if (o.placer.isEmpty()) o.placer = q(m.value("OBR-2.1"));
    o.filler = q(m.value("ORC-3.1"));
    if (o.filler.isEmpty()) o.filler = q(m.value("OBR-3.1"));
    auto accession = firstIdentifier(m, omi ? std::vector<const char*>{"IPC-1.1", "OBR-18"} : std::vector<const char*>{"OBR-18"});
    if (auto* r = std::get_if<Hl7Reply>(&accession)) return *r;
    o.accession = std::get<QString>(accession);
    if (o.accession.isEmpty() && o.placer.isEmpty()) return error(101, omi ? "IPC-1 (accession) and ORC-2 (placer order) are missing" : "OBR-18 (accession) and ORC-2 (placer order) are missing");
    o.modality = q(m.value(omi ? "IPC-5.1" : "OBR-24"));
    if (o.modality.isEmpty()) o.modality = q(m.value("OBR-24"));
    auto uid = firstIdentifier(m, omi ? std::vector<const char*>{"IPC-3.1", "ZDS-1.1"} : std::vector<const char*>{"ZDS-1.1"});
    if (auto* r = std::get_if<Hl7Reply>(&uid)) return *r;
    o.studyUid = std::get<QString>(uid);
    if (!o.studyUid.isEmpty() && (o.studyUid.size() > 64 || o.studyUid.contains(QRegularExpression("[^0-9.]"))))
        return error(102, "the Study Instance UID " + o.studyUid.toStdString() + " is not a UID");
    auto when = omi ? timestamp(m, {"TQ1-7", "OBR-27.4"}) : timestamp(m, {"OBR-27.4", "TQ1-7"});
    if (auto* r = std::get_if<Hl7Reply>(&when)) return *r;
    o.scheduled = std::get<QDateTime>(when);
    o.priority = q(m.value(omi ? "TQ1-9" : "OBR-27.6"));
    if (o.priority.isEmpty()) o.priority = q(m.value(omi ? "OBR-27.6" : "TQ1-9"));
    o.procedureCode = q(m.value("OBR-44.1"));
    o.procedureText = q(m.value("OBR-44.2"));
    if (o.procedureCode.isEmpty()) o.procedureCode = q(m.value("OBR-4.1"));
    if (o.procedureText.isEmpty()) o.procedureText = q(m.value("OBR-4.2"));
    return Hl7Event{Hl7Event::Kind::Order, o, {}};
}

// ADT^A40: each MRG merges its ID into the PID that comes before it (a message may hold several
// PID/MRG pairs).
std::variant<Hl7Event, Hl7Reply> merges(const Hl7Message& m, const Order& first)
{
    Hl7Event e{Hl7Event::Kind::Merge, first, {}};
    const net::Hl7Segment* pid = nullptr;
    for (const net::Hl7Segment& seg : m.segments()) {
        if (seg.name() == "PID") pid = &seg;
        if (seg.name() != "MRG") continue;
        if (!pid) return error(100, "an MRG segment comes before any PID");
        auto prior = seg.valueStrict(1, 1, 1);
        auto surviving = pid->valueStrict(3, 1, 1);
        if (!prior && prior.error().code != "absent") return error(102, "MRG-1: " + prior.error().message);
        if (!surviving && surviving.error().code != "absent") return error(102, "PID-3: " + surviving.error().message);
        if (!prior || prior->empty()) return error(101, "MRG-1 (the prior patient ID) is missing");
        if (!surviving || surviving->empty()) return error(101, "PID-3 (patient ID) is missing");
        e.merges.push_back({q(*prior), q(seg.value(1, 1, 4)), q(*surviving), q(pid->value(3, 1, 4))});
    }
    if (e.merges.empty()) return error(101, "MRG-1 (the prior patient ID) is missing");
    return e;
}

std::variant<Hl7Event, Hl7Reply> fromAppointment(const Hl7Message& m, Order o, const std::string& trigger)
{
    o.placer = q(m.value("SCH-1.1"));
    o.filler = q(m.value("SCH-2.1"));
    if (o.placer.isEmpty() && o.filler.isEmpty()) return error(101, "SCH-1 and SCH-2 (appointment numbers) are missing");
    if (o.placer.isEmpty()) o.placer = o.filler;
    o.appointment = true;
    auto when = timestamp(m, {"AIS-4", "SCH-11.4"});
    if (auto* r = std::get_if<Hl7Reply>(&when)) return *r;
    o.scheduled = std::get<QDateTime>(when);
    o.procedureCode = q(m.value("AIS-3.1"));
    o.procedureText = q(m.value("AIS-3.2"));
    if (trigger == "S15") o.status = Order::Status::Cancelled;
    return Hl7Event{Hl7Event::Kind::Order, o, {}};
}

}  // namespace

std::variant<Hl7Event, net::Hl7Reply> readHl7Event(const net::Hl7Message& m, const QString& sender)
{
    if (m.usesCharsetSwitch()) return error(102, "ISO 2022 character set switches (\\C..\\, \\M..\\) are not supported");
    const std::string type = m.messageType(), trigger = m.triggerEvent();
    const bool order = type == "ORM" || type == "OMI", appointment = type == "SIU", adt = type == "ADT";
    if (!order && !appointment && !adt) return reject(200, "message type " + type + " is not one Lightbox takes (ORM, OMI, SIU, ADT)");
    if ((type == "ORM" && trigger != "O01") || (type == "OMI" && trigger != "O23") ||
        (appointment && trigger != "S12" && trigger != "S13" && trigger != "S14" && trigger != "S15") ||
        (adt && trigger != "A08" && trigger != "A31" && trigger != "A40"))
        return reject(201, "event " + type + "^" + trigger + " is not one Lightbox takes");
    auto who = patient(m, sender);
    if (auto* r = std::get_if<Hl7Reply>(&who)) return *r;
    Order o = std::get<Order>(who);
    if (order) return fromOrder(m, o, type == "OMI");
    if (appointment) return fromAppointment(m, o, trigger);
    if (trigger == "A40") return merges(m, o);
    return Hl7Event{Hl7Event::Kind::Demographics, o, {}};
}

}  // namespace lightbox::app
