#pragma once
// An order for a study to be read: what a RIS says is scheduled (HL7 ORM/OMI/SIU, or a DICOM
// Modality Worklist item), as the prefetch rules and the reading worklist use it.
#include <QDateTime>
#include <QString>

namespace lightbox::app {

struct Order {
    QString sender;          // the configured HL7 sender or worklist archive it came from
    QString placer, filler;  // order numbers (ORC-2/ORC-3)
    QString accession;
    QString patientId, issuer, patientName, birthDate, sex;
    QString modality;        // of the scheduled step
    QString procedureCode, procedureText;
    QString studyUid;        // when the RIS assigned one (ZDS-1, IPC-3)
    QDateTime scheduled;     // invalid: as soon as possible
    QString priority;        // "STAT", "ROUTINE", ...
    enum class Status { Scheduled, Performed, Cancelled } status = Status::Scheduled;
    bool appointment = false;  // from a scheduling message (SIU): its numbers are appointments'

    // What identifies the order for its sender across new, changed and cancelled messages: the
    // placer order (or appointment) number, which the RIS gives first; else the accession.
    QString key() const
    {
        if (!placer.isEmpty()) return (appointment ? "appt:" : "placer:") + placer;
        return "acc:" + accession;
    }
};

QString statusName(Order::Status s);

}  // namespace lightbox::app
