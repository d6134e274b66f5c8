// lightbox audit verify|show|export|key: the audit trail, for whoever may read it. Reading it is
// itself recorded (Audit Log Used).
#include "cli_args.h"
#include "cli_session.h"
#include "cli_output.h"
#include "commands.h"

#include "audit_forwarder.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTextStream>

namespace lightbox::app {

namespace {

struct Filter {
    QString from, to, user, patient;
    bool accepts(const security::AuditEntry& e) const
    {
        const QString time = QString::fromStdString(e.time);
        if (!from.isEmpty() && time.left(from.size()) < from) return false;
        if (!to.isEmpty() && time.left(to.size()) > to) return false;
        if (!user.isEmpty() && QString::fromStdString(e.user).section(' ', 0, 0) != user) return false;
        if (!patient.isEmpty() && QString::fromStdString(e.patientId) != patient) return false;
        return true;
    }
};

QString csvField(const std::string& s)
{
    QString v = QString::fromStdString(s);
    if (v.contains(',') || v.contains('"') || v.contains('\n')) v = '"' + v.replace("\"", "\"\"") + '"';
    return v;
}

int verify(const CliArgs& a, security::AuditLog& log)
{
    std::string key;
    bool local = false;
    if (auto k = a.value("--key")) key = k->trimmed().toStdString();
    else if (auto f = a.value("--key-file")) {
        QFile file(*f);
        if (!file.open(QIODevice::ReadOnly)) return fail("cannot read " + *f);
        key = file.readAll().trimmed().toStdString();
    } else if (auto k = log.verificationKey()) {
        key = *k;
        local = true;
    } else {
        return fail("the verification key is not on this machine: give it with --key HEX or --key-file FILE", 2);
    }
    auto findings = log.verify(key);
    commandAuditor().auditLogUsed("verify", findings ? Status(Done{}) : Status(findings.error()));
    if (!findings) return fail(QString::fromStdString(findings.error().message), 2);
    const auto records = log.read();
    if (findings->empty()) {
        out() << "audit trail intact: " << (records ? records->size() : 0) << " records"
              << (local ? " (checked with the key still on this machine: take it away with 'lightbox audit key --take')" : "") << '\n';
        return 0;
    }
    for (const auto& f : *findings) out() << "ALTERED: " << QString::fromStdString(f.what) << '\n';
    return 1;
}

int show(const CliArgs& a, security::AuditLog& log, const QString& sub)
{
    const Filter filter{a.value("--from").value_or(""), a.value("--to").value_or(""), a.value("--user").value_or(""), a.value("--patient").value_or("")};
    const QString format = a.value("--format").value_or(sub == "export" ? "csv" : "text");
    auto records = log.read();
    commandAuditor().auditLogUsed(sub.toStdString(), records ? Status(Done{}) : Status(records.error()));
    if (!records) return fail(QString::fromStdString(records.error().message));
    QFile file;
    QTextStream* stream = &out();
    QTextStream fileStream;
    if (auto path = a.value("--out")) {
        file.setFileName(*path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) return fail("cannot write " + *path);
        file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);  // patient data
        fileStream.setDevice(&file);
        stream = &fileStream;
    }
    QTextStream& s = *stream;
    if (format == "csv") s << "seq,time,user,event,outcome,patient_id,patient_name,study_uid\n";
    if (format == "dicom-xml") s << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AuditMessages>\n";
    QJsonArray json;
    for (const auto& r : *records) {
        const auto& e = r.entry;
        if (!filter.accepts(e)) continue;
        if (format == "csv")
            s << r.seq << ',' << csvField(e.time) << ',' << csvField(e.user) << ',' << csvField(e.event) << ',' << csvField(e.outcome) << ','
              << csvField(e.patientId) << ',' << csvField(e.patientName) << ',' << csvField(e.studyUid) << '\n';
        else if (format == "dicom-xml") {
            QString xml = QString::fromStdString(e.xml);
            xml.remove(QRegularExpression("^<\\?xml[^>]*\\?>\\s*"));
            s << xml << '\n';
        } else if (format == "json")
            json.append(QJsonObject{{"seq", double(r.seq)}, {"time", QString::fromStdString(e.time)}, {"user", QString::fromStdString(e.user)},
                                    {"event", QString::fromStdString(e.event)}, {"outcome", QString::fromStdString(e.outcome)},
                                    {"patientId", QString::fromStdString(e.patientId)}, {"patientName", QString::fromStdString(e.patientName)},
                                    {"studyUid", QString::fromStdString(e.studyUid)}, {"xml", QString::fromStdString(e.xml)}});
        else
            s << r.seq << "  " << QString::fromStdString(e.time) << "  " << QString::fromStdString(e.user) << "  " << QString::fromStdString(e.event)
              << (e.patientId.empty() ? "" : "  patient " + QString::fromStdString(e.patientId)) << "  " << QString::fromStdString(e.outcome) << '\n';
    }
    if (format == "dicom-xml") s << "</AuditMessages>\n";
    if (format == "json") s << QJsonDocument(json).toJson(QJsonDocument::Indented);
    return 0;
}

}  // namespace

// lightbox audit repository HOST:PORT --ca FILE [--cert FILE --key-file FILE] | --off
int setRepository(const CliArgs& a)
{
    security::RepositorySettings s;
    const QString where = a.positional().value(1);
    if (!a.flag("--off")) {
        const int colon = int(where.lastIndexOf(':'));
        if (where.isEmpty() || colon <= 0 || !a.value("--ca"))
            return fail("usage: lightbox audit repository HOST:PORT --ca CA.pem [--cert CERT.pem --key-file KEY.pem] | --off", 2);
        s.host = where.left(colon).toStdString();
        s.port = where.mid(colon + 1).toInt();
        s.caFile = QFileInfo(*a.value("--ca")).absoluteFilePath().toStdString();
        if (auto c = a.value("--cert")) s.certFile = QFileInfo(*c).absoluteFilePath().toStdString();
        if (auto k = a.value("--key-file")) s.keyFile = QFileInfo(*k).absoluteFilePath().toStdString();
    }
    const Status saved = security::saveRepository(commandAuditor().securityDir(), s);
    commandAuditor().securityAlert(security::alert::securityConfiguration,
                                   s.configured() ? "audit repository set to " + where.toStdString() : "audit repository removed", saved);
    if (!saved) return fail(QString::fromStdString(saved.error().message));
    out() << (s.configured() ? "audit records go to " + where + " (syslog over TLS)" : QString("no audit repository")) << '\n';
    return 0;
}

int forwardNow()
{
    commandAuditor().flush();
    auto r = security::forwardAudit(commandAuditor().securityDir(), 10000);
    if (!r) return fail(QString::fromStdString(r.error().message));
    if (r->busy) out() << "another Lightbox process is forwarding the trail\n";
    else out() << "sent " << r->sent << "; the repository has every record up to " << r->upTo << '\n';
    return 0;
}

int runAudit(const QStringList& args)
{
    CliArgs a(args, {"--from", "--to", "--user", "--patient", "--format", "--out", "--key", "--key-file", "--ca", "--cert"}, {"--take", "--off"});
    if (!a.ok()) return fail(a.error(), 2);
    security::AuditLog log(commandAuditor().securityDir());
    const QString sub = a.positional().value(0);
    if (sub == "verify") return verify(a, log);
    if (sub == "show" || sub == "export") {
        const QString format = a.value("--format").value_or("");
        if (!format.isEmpty() && format != "csv" && format != "dicom-xml" && format != "json" && format != "text")
            return fail("--format is csv, dicom-xml, json or text", 2);
        return show(a, log, sub);
    }
    if (sub == "repository") return setRepository(a);
    if (sub == "forward") return forwardNow();
    if (sub == "key") {
        const auto key = log.verificationKey();
        commandAuditor().auditLogUsed(a.flag("--take") ? "verification key taken" : "verification key shown", Done{});
        if (!key) return fail("the verification key is not on this machine (taken already)");
        out() << QString::fromStdString(*key) << '\n';
        if (a.flag("--take")) {
            if (Status s = log.forgetVerificationKey(); !s) return fail(QString::fromStdString(s.error().message));
            QTextStream(stderr) << "lightbox: the verification key was removed from this machine; keep the copy above safe: without it the trail cannot be verified\n";
        }
        return 0;
    }
    return fail("usage: lightbox audit verify|show|export|key|repository|forward (see README)", 2);
}

}  // namespace lightbox::app
