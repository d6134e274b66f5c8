#include "audit_message.h"

#include <QString>
#include <QXmlStreamWriter>

namespace lightbox::security {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

void writeCode(QXmlStreamWriter& w, const char* element, const AuditCode& c)
{
    w.writeEmptyElement(element);
    w.writeAttribute("csd-code", q(c.code));
    w.writeAttribute("codeSystemName", q(c.system));
    w.writeAttribute("originalText", q(c.meaning));
}

void writeParticipant(QXmlStreamWriter& w, const AuditParticipant& p)
{
    w.writeStartElement("ActiveParticipant");
    w.writeAttribute("UserID", q(p.userId));
    if (!p.alternativeUserId.empty()) w.writeAttribute("AlternativeUserID", q(p.alternativeUserId));
    if (!p.userName.empty()) w.writeAttribute("UserName", q(p.userName));
    w.writeAttribute("UserIsRequestor", p.requestor ? "true" : "false");
    if (!p.networkAccessPointId.empty()) {
        w.writeAttribute("NetworkAccessPointID", q(p.networkAccessPointId));
        w.writeAttribute("NetworkAccessPointTypeCode", QString::number(p.networkAccessPointType));
    }
    for (const AuditCode& r : p.roles) writeCode(w, "RoleIDCode", r);
    w.writeEndElement();
}

void writeObject(QXmlStreamWriter& w, const AuditObject& o)
{
    w.writeStartElement("ParticipantObjectIdentification");
    w.writeAttribute("ParticipantObjectID", q(o.id));
    w.writeAttribute("ParticipantObjectTypeCode", QString::number(o.type));
    w.writeAttribute("ParticipantObjectTypeCodeRole", QString::number(o.role));
    if (o.lifeCycle) w.writeAttribute("ParticipantObjectDataLifeCycle", QString::number(*o.lifeCycle));
    writeCode(w, "ParticipantObjectIDTypeCode", o.idType);
    if (!o.queryBase64.empty()) w.writeTextElement("ParticipantObjectQuery", q(o.queryBase64));
    else if (!o.name.empty()) w.writeTextElement("ParticipantObjectName", q(o.name));
    for (const auto& [type, value] : o.details) {
        w.writeEmptyElement("ParticipantObjectDetail");
        w.writeAttribute("type", q(type));
        w.writeAttribute("value", QString::fromLatin1(QByteArray::fromStdString(value).toBase64()));
    }
    if (!o.description.empty()) w.writeTextElement("ParticipantObjectDescription", q(o.description));
    w.writeEndElement();
}

}  // namespace

std::string AuditMessage::toXml() const
{
    QString out;
    QXmlStreamWriter w(&out);
    w.writeStartDocument();
    w.writeStartElement("AuditMessage");
    w.writeStartElement("EventIdentification");
    if (!action.empty()) w.writeAttribute("EventActionCode", q(action));
    w.writeAttribute("EventDateTime", q(dateTime));
    w.writeAttribute("EventOutcomeIndicator", QString::number(outcome));
    writeCode(w, "EventID", eventId);
    for (const AuditCode& t : eventTypes) writeCode(w, "EventTypeCode", t);
    if (!outcomeDescription.empty()) w.writeTextElement("EventOutcomeDescription", q(outcomeDescription));
    w.writeEndElement();
    for (const AuditParticipant& p : participants) writeParticipant(w, p);
    w.writeStartElement("AuditSourceIdentification");
    if (!enterpriseSiteId.empty()) w.writeAttribute("AuditEnterpriseSiteID", q(enterpriseSiteId));
    w.writeAttribute("AuditSourceID", q(sourceId));
    writeCode(w, "AuditSourceTypeCode", {"1", "DCM", "End-user display device, diagnostic display"});
    w.writeEndElement();
    for (const AuditObject& o : objects) writeObject(w, o);
    w.writeEndElement();
    w.writeEndDocument();
    return out.toStdString();
}

}  // namespace lightbox::security
