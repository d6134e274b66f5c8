#pragma once
// What an HL7 message means for the work queue, with its fields read as IHE Radiology Scheduled
// Workflow maps them (RAD-4 ORM^O01 v2.3.1, OMI^O23 v2.5.1; SIU appointments; ADT updates and
// merges):
//   patient PID-3 (ID .1, issuer .4), PID-5 name, PID-7 birth date, PID-8 sex
//   order control ORC-1 (NW new, XO change, CA/DC/OC cancel, SC with ORC-5 = CM performed),
//   placer ORC-2, filler ORC-3
//   accession OBR-18 (OMI: IPC-1), modality OBR-24 (OMI: IPC-5), Study Instance UID ZDS-1 (OMI: IPC-3)
//   scheduled start OBR-27.4, else TQ1-7 (OMI: TQ1-7 first); priority OBR-27.6 / TQ1-9
//   procedure OBR-44 (code, text), else OBR-4
//   SIU^S12..S15: SCH-1/SCH-2 numbers, AIS-4 or SCH-11.4 start, AIS-3 procedure; S15 cancels
//   ADT^A08/A31: new demographics; ADT^A40: MRG-1 (prior ID) merged into PID-3, for each
//   PID/MRG pair of the message (a message may merge several patients)
// A message that cannot be acted on gives the answer the sender must hear: AR for a type or event
// we do not take, AE (with the HL7 table 0357 code) for a missing or bad field.
#include "order.h"

#include "hl7_ack.h"
#include "hl7_message.h"
#include "result.h"

#include <variant>
#include <vector>

namespace lightbox::app {

struct PatientMerge {
    QString priorId, priorIssuer;          // MRG-1.1, MRG-1.4: the ID that goes
    QString survivingId, survivingIssuer;  // PID-3.1, PID-3.4 of the PID before it: the ID that stays
};

struct Hl7Event {
    enum class Kind { Order, Demographics, Merge } kind = Kind::Order;
    Order order;  // Order: the order; Demographics: patient fields only; Merge: the first PID
    std::vector<PatientMerge> merges;  // Merge: every PID/MRG pair, in the message's order
};

// The event, or the reply to send instead (AE/AR with its code and reason).
std::variant<Hl7Event, net::Hl7Reply> readHl7Event(const net::Hl7Message& message, const QString& sender);

}  // namespace lightbox::app
