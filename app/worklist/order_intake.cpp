#include "order_intake.h"

#include "hl7_orders.h"

namespace lightbox::app {

namespace {

net::Hl7Reply internalError(const std::string& why) { return {net::AckCode::Error, why, 207}; }

}  // namespace

net::Hl7Reply OrderIntake::handle(const net::Hl7Message& m, const std::string& senderName)
{
    const QString sender = QString::fromStdString(senderName), controlId = QString::fromStdString(m.controlId());
    if (controlId.isEmpty()) return {net::AckCode::Error, "MSH-10 (message control ID) is missing", 101};
    if (!m_queue) {
        auto queue = WorkQueue::open(m_cacheDir);
        // Not acknowledged: the sender keeps the message and sends it again.
        if (!queue) return internalError("the work queue cannot be opened: " + queue.error().message);
        m_queue = std::move(*queue);
    }
    auto seen = m_queue->seen(sender, controlId);
    if (!seen) return internalError(seen.error().message);
    if (*seen) return {net::AckCode::Accept, "already processed", 0};
    auto event = readHl7Event(m, sender);
    if (auto* reply = std::get_if<net::Hl7Reply>(&event)) return *reply;
    const Hl7Event& e = std::get<Hl7Event>(event);
    QString said;
    switch (e.kind) {
    case Hl7Event::Kind::Order: {
        auto id = m_queue->recordOrder(e.order, controlId);
        if (!id) return internalError(id.error().message);
        said = QString("order %1 (%2) for %3: %4 %5").arg(e.order.accession.isEmpty() ? e.order.key() : e.order.accession, statusName(e.order.status), e.order.patientId, e.order.modality,
                                                        e.order.scheduled.toString(Qt::ISODate));
        break;
    }
    case Hl7Event::Kind::Demographics: {
        auto n = m_queue->updatePatient(sender, controlId, e.order);
        if (!n) return internalError(n.error().message);
        said = QString("patient %1 updated in %2 orders").arg(e.order.patientId).arg(*n);
        break;
    }
    case Hl7Event::Kind::Merge: {
        std::vector<WorkQueue::Merge> merges;
        QStringList what;
        for (const PatientMerge& x : e.merges) {
            merges.push_back({x.priorId, x.priorIssuer, x.survivingId, x.survivingIssuer});
            what << x.priorId + " into " + x.survivingId;
        }
        auto n = m_queue->mergePatients(sender, controlId, merges);
        if (!n) return internalError(n.error().message);
        said = QString("patient merged: %1 (%2 orders)").arg(what.join(", ")).arg(*n);
        break;
    }
    }
    if (m_onAccepted) m_onAccepted(said);
    return {net::AckCode::Accept, {}, 0};
}

}  // namespace lightbox::app
