#include "auditor.h"

#include <QByteArray>
#include <QDateTime>
#include <QStandardPaths>

#include <cstdio>

#include <pwd.h>
#include <unistd.h>

namespace lightbox::security {

namespace {

const AuditCode kApplicationActivity{"110100", "DCM", "Application Activity"};
const AuditCode kAuditLogUsed{"110101", "DCM", "Audit Log Used"};
const AuditCode kBeginTransferring{"110102", "DCM", "Begin Transferring DICOM Instances"};
const AuditCode kInstancesAccessed{"110103", "DCM", "DICOM Instances Accessed"};
const AuditCode kInstancesTransferred{"110104", "DCM", "DICOM Instances Transferred"};
const AuditCode kStudyDeleted{"110105", "DCM", "DICOM Study Deleted"};
const AuditCode kExport{"110106", "DCM", "Export"};
const AuditCode kImport{"110107", "DCM", "Import"};
const AuditCode kQuery{"110112", "DCM", "Query"};
const AuditCode kSecurityAlert{"110113", "DCM", "Security Alert"};
const AuditCode kUserAuthentication{"110114", "DCM", "User Authentication"};
const AuditCode kApplicationStart{"110120", "DCM", "Application Start"};
const AuditCode kApplicationStop{"110121", "DCM", "Application Stop"};
const AuditCode kLogin{"110122", "DCM", "Login"};
const AuditCode kLogout{"110123", "DCM", "Logout"};
const AuditCode kApplicationRole{"110150", "DCM", "Application"};
const AuditCode kLauncherRole{"110151", "DCM", "Application Launcher"};
const AuditCode kDestinationRole{"110152", "DCM", "Destination Role ID"};
const AuditCode kSourceRole{"110153", "DCM", "Source Role ID"};
const AuditCode kSourceMediaRole{"110155", "DCM", "Source Media"};
const AuditCode kPatientNumber{"2", "RFC-3881", "Patient Number"};
const AuditCode kStudyUid{"110180", "DCM", "Study Instance UID"};
const AuditCode kSopClassUid{"110181", "DCM", "SOP Class UID"};
const AuditCode kUserIdentifier{"11", "RFC-3881", "User Identifier"};
const AuditCode kUri{"12", "RFC-3881", "URI"};

std::string utcNow() { return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toStdString(); }

AuditObject patientObject(const storage::StudyFacts& s)
{
    AuditObject o;
    o.id = s.patientId.empty() ? "(no patient ID)" : s.patientId;
    o.type = 1;
    o.role = 1;
    o.idType = kPatientNumber;
    o.name = s.patientName;
    return o;
}

AuditObject studyObject(const storage::StudyFacts& s, std::optional<int> lifeCycle)
{
    AuditObject o;
    o.id = s.studyUid;
    o.type = 2;
    o.role = 3;
    o.lifeCycle = lifeCycle;
    o.idType = kStudyUid;
    if (s.instances > 0) o.description = std::to_string(s.instances) + " instance(s)";
    return o;
}

std::string outcomeText(const Status& s) { return s ? "success" : s.error().message; }

// The archive at the other end; `toPeer`: it receives (destination) and we send (source).
void addPeer(AuditMessage& m, const PeerFacts& peer, bool toPeer)
{
    AuditParticipant other;
    other.userId = peer.aeTitle.empty() ? peer.name : peer.aeTitle;
    other.alternativeUserId = "archive=" + peer.name;
    other.networkAccessPointId = peer.host;
    other.roles = {toPeer ? kDestinationRole : kSourceRole};
    m.participants[1].roles = {toPeer ? kSourceRole : kDestinationRole};
    m.participants.push_back(other);
}

}  // namespace

namespace alert {
const AuditCode objectSecurityAttributes{"110135", "DCM", "Object Security Attributes Changed"};
const AuditCode networkConfiguration{"110128", "DCM", "Network Configuration"};
const AuditCode securityConfiguration{"110129", "DCM", "Security Configuration"};
const AuditCode softwareConfiguration{"110131", "DCM", "Software Configuration"};
const AuditCode restrictedFunction{"110132", "DCM", "Use of Restricted Function"};
const AuditCode securityRolesChanged{"110136", "DCM", "Security Roles Changed"};
const AuditCode userSecurityAttributes{"110137", "DCM", "User Security Attributes Changed"};
const AuditCode emergencyOverrideStarted{"110127", "DCM", "Emergency Override Started"};
const AuditCode emergencyOverrideStopped{"110138", "DCM", "Emergency Override Stopped"};
const AuditCode nodeAuthentication{"110126", "DCM", "Node Authentication"};
}  // namespace alert

// One auditor per process, kept as storage's access gate (one place, one lock).
void installAuditor(std::shared_ptr<Auditor> auditor) { storage::installAccessGate(std::move(auditor)); }

std::shared_ptr<Auditor> currentAuditor() { return std::dynamic_pointer_cast<Auditor>(storage::accessGate()); }

std::string securityDir()
{
    const QByteArray env = qgetenv("LIGHTBOX_SECURITY_DIR");
    if (!env.isEmpty()) return env.toStdString();
    return (QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + "/lightbox/security").toStdString();
}

std::string machineName()
{
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) return "localhost";
    return host;
}

std::string systemUser()
{
    if (const passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
    return "uid" + std::to_string(::getuid());
}

Auditor::Auditor(std::string dir, Identity who, std::string application)
    : m_dir(std::move(dir)), m_who(std::move(who)), m_application(std::move(application)), m_machine(machineName()), m_log(m_dir)
{
    m_writer = std::thread([this] { writerLoop(); });
}

Auditor::~Auditor()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_writer.join();
}

void Auditor::writerLoop()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return !m_queue.empty() || m_stopping; });
        if (m_queue.empty()) return;  // stopping, nothing left
        std::vector<AuditEntry> batch;
        batch.swap(m_queue);
        m_writing = true;
        lock.unlock();
        const Status s = m_log.append(batch);
        if (!s) std::fprintf(stderr, "lightbox: the audit trail could not be written: %s\n", s.error().message.c_str());
        lock.lock();
        m_writing = false;
        if (!s) m_lastError = s.error().message;
        m_idle.notify_all();
    }
}

void Auditor::flush()
{
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return m_queue.empty() && !m_writing; });
}

AuditMessage Auditor::message(const AuditCode& event, const std::string& action, const Status& outcome) const
{
    AuditMessage m;
    m.eventId = event;
    m.action = action;
    m.dateTime = utcNow();
    m.outcome = outcome ? 0 : 4;
    if (!outcome) m.outcomeDescription = outcome.error().message;
    AuditParticipant person;
    person.userId = m_who.user;
    person.userName = m_who.user + (m_who.signedIn ? "" : " (operating-system user)") + (m_who.breakGlass ? " (break-glass)" : "");
    person.alternativeUserId = roleName(m_who.role);
    person.requestor = true;
    person.networkAccessPointId = m_machine;
    AuditParticipant app;
    app.userId = m_application;
    app.alternativeUserId = "pid=" + std::to_string(::getpid());
    app.networkAccessPointId = m_machine;
    app.roles = {kApplicationRole};
    m.participants = {person, app};
    m.sourceId = "Lightbox@" + m_machine;
    return m;
}

AuditEntry Auditor::entry(const AuditMessage& m, const std::string& event, const Status& outcome, const storage::StudyFacts* study) const
{
    AuditEntry e;
    e.time = m.dateTime;
    e.user = m_who.user + (m_who.breakGlass ? " (break-glass)" : "");
    e.event = event;
    e.outcome = outcomeText(outcome);
    if (study) {
        e.patientId = study->patientId;
        e.patientName = study->patientName;
        e.studyUid = study->studyUid;
    }
    e.xml = m.toXml();
    return e;
}

void Auditor::write(std::vector<AuditEntry> entries)
{
    {
        std::lock_guard lock(m_mutex);
        for (AuditEntry& e : entries) m_queue.push_back(std::move(e));
    }
    m_wake.notify_one();
}

std::string Auditor::lastWriteError() const
{
    std::lock_guard lock(m_mutex);
    return m_lastError;
}

Status Auditor::require(Permission permission, const std::string& what)
{
    if (m_who.may(permission)) return Done{};
    const Status refused = makeError("not-permitted", m_who.user + " (" + roleName(m_who.role) + ") may not " + permissionName(permission) +
                                                          (what.empty() ? "" : ": " + what));
    securityAlert(alert::restrictedFunction, "refused: " + permissionName(permission) + (what.empty() ? "" : " (" + what + ")"), refused);
    return refused;
}

void Auditor::applicationActivity(bool start, const Status& outcome)
{
    AuditMessage m = message(kApplicationActivity, "E", outcome);
    m.eventTypes = {start ? kApplicationStart : kApplicationStop};
    m.participants[0].roles = {kLauncherRole};
    m.participants[0].requestor = true;
    write({entry(m, start ? "Application Start" : "Application Stop", outcome, nullptr)});
}

void Auditor::authentication(const std::string& user, const std::string& what, const Status& outcome)
{
    AuditMessage m = message(kUserAuthentication, "E", outcome);
    m.eventTypes = {what == "sign-out" || what == "lock" ? kLogout : kLogin};
    m.participants[0].userId = user;
    m.participants[0].userName = user + " (" + what + ")";
    AuditEntry e = entry(m, "User Authentication: " + what, outcome, nullptr);
    e.user = user;
    write({e});
}

void Auditor::query(const PeerFacts& peer, const std::string& keys, const Status& outcome)
{
    AuditMessage m = message(kQuery, "E", outcome);
    m.participants[0].roles = {kSourceRole};
    addPeer(m, peer, true);
    AuditObject q;
    q.id = "1.2.840.10008.5.1.4.1.2.2.1";  // Study Root Query/Retrieve Information Model - FIND
    q.type = 2;
    q.role = 24;
    q.idType = kSopClassUid;
    q.queryBase64 = QByteArray::fromStdString(keys).toBase64().toStdString();
    q.description = keys;
    m.objects = {q};
    write({entry(m, "Query " + peer.name, outcome, nullptr)});
}

void Auditor::transferStarted(bool toPeer, const PeerFacts& peer, const storage::StudyFacts& study)
{
    AuditMessage m = message(kBeginTransferring, "E", Done{});
    addPeer(m, peer, toPeer);
    m.objects = {studyObject(study, std::nullopt), patientObject(study)};
    write({entry(m, std::string(toPeer ? "Send to " : "Retrieve from ") + peer.name + " started", Done{}, &study)});
}

void Auditor::transferred(bool toPeer, const PeerFacts& peer, const storage::StudyFacts& study, const Status& outcome)
{
    AuditMessage m = message(kInstancesTransferred, toPeer ? "R" : "C", outcome);
    addPeer(m, peer, toPeer);
    m.objects = {studyObject(study, toPeer ? std::nullopt : std::optional<int>(1)), patientObject(study)};
    write({entry(m, std::string(toPeer ? "Sent to " : "Retrieved from ") + peer.name, outcome, &study)});
}

AuditMessage Auditor::exportMessage(const storage::StudyFacts& study, const std::string& destination, const Status& outcome) const
{
    AuditMessage m = message(kExport, "R", outcome);
    m.participants[1].roles = {kSourceRole};
    AuditParticipant media;
    media.userId = destination;
    media.roles = {{"110154", "DCM", "Destination Media"}};
    m.participants.push_back(media);
    m.objects = {studyObject(study, 9), patientObject(study)};
    return m;
}

void Auditor::exported(const storage::StudyFacts& study, const std::string& destination, const Status& outcome)
{
    write({entry(exportMessage(study, destination, outcome), "Export to " + destination, outcome, &study)});
}

void Auditor::securityAlert(const AuditCode& type, const std::string& what, const Status& outcome)
{
    AuditMessage m = message(kSecurityAlert, "E", outcome);
    m.eventTypes = {type};
    AuditObject o;
    o.id = m_application;
    o.type = 2;
    o.role = 13;
    o.idType = kUri;
    o.description = what;
    m.objects = {o};
    write({entry(m, "Security Alert: " + type.meaning + ": " + what, outcome, nullptr)});
}

// An arrival that was a risk (an executable preamble, now zeroed): a Security Alert naming the
// object, its study and patient.
void Auditor::securityFinding(const std::string& what, const storage::StudyFacts& study)
{
    AuditMessage m = message(kSecurityAlert, "E", Done{});
    m.eventTypes = {alert::objectSecurityAttributes};
    m.objects = {studyObject(study, std::nullopt), patientObject(study)};
    m.objects[0].description = what;
    write({entry(m, "Security Alert: " + what, Done{}, &study)});
}

void Auditor::auditLogUsed(const std::string& how, const Status& outcome)
{
    AuditMessage m = message(kAuditLogUsed, "R", outcome);
    AuditObject o;
    o.id = "file://" + m_log.logPath();
    o.type = 2;
    o.role = 13;
    o.idType = kUri;
    o.name = "Security Audit Log";
    o.description = how;
    m.objects = {o};
    write({entry(m, "Audit Log Used: " + how, outcome, nullptr)});
}

Status Auditor::allow(storage::CacheJob job, const std::vector<storage::StudyFacts>& studies)
{
    const std::string what = studies.size() != 1 ? std::to_string(studies.size()) + " studies" : studies[0].studyUid.empty() ? "" : "study " + studies[0].studyUid;
    switch (job) {
    case storage::CacheJob::Open: return require(Permission::Read, what);
    case storage::CacheJob::Import:
    case storage::CacheJob::Receive: return require(Permission::Import, what);
    case storage::CacheJob::Delete: return require(Permission::Delete, what);
    case storage::CacheJob::Annotate: return require(Permission::Annotate, what);
    case storage::CacheJob::Backup: return require(Permission::Configure, "back up the cache");
    }
    return Done{};
}

void Auditor::done(storage::CacheJob job, const std::vector<storage::StudyFacts>& studies, const Status& outcome, const std::string& detail)
{
    // A retrieve names its own transfer (Begin Transferring, then DICOM Instances Transferred with
    // its outcome): what its receiver stored is not told twice.
    if (job == storage::CacheJob::Receive && (detail.rfind("retrieve:", 0) == 0 || detail.rfind("move:", 0) == 0)) return;
    // One message per study: a message names a single patient (PS3.15 A.5.3).
    std::vector<AuditEntry> records;
    for (const storage::StudyFacts& s : studies) {
        AuditMessage m;
        std::string event;
        switch (job) {
        case storage::CacheJob::Open:
            m = message(kInstancesAccessed, "R", outcome);
            m.objects = {studyObject(s, 6), patientObject(s)};
            event = "Study opened (" + detail + ")";
            break;
        case storage::CacheJob::Import: {
            m = message(kImport, "C", outcome);
            m.participants[1].roles = {kDestinationRole};
            AuditParticipant media;
            media.userId = detail;
            media.roles = {kSourceMediaRole};
            m.participants.push_back(media);
            m.objects = {studyObject(s, 1), patientObject(s)};
            event = "Import";
            break;
        }
        case storage::CacheJob::Receive: {
            m = message(kInstancesTransferred, "C", outcome);
            m.participants[0].requestor = false;
            m.participants[1].roles = {kDestinationRole};
            AuditParticipant source;
            source.userId = detail;
            source.requestor = true;
            source.roles = {kSourceRole};
            m.participants.push_back(source);
            m.objects = {studyObject(s, 1), patientObject(s)};
            event = "Received (" + detail + ")";
            break;
        }
        case storage::CacheJob::Annotate: return;  // the reader's own notes: checked, not a patient-data event
        case storage::CacheJob::Backup:
            m = exportMessage(s, detail, outcome);
            event = "Backup to " + detail;
            break;
        case storage::CacheJob::Delete:
            m = message(kStudyDeleted, "D", outcome);
            m.objects = {studyObject(s, 14), patientObject(s)};
            event = "Study Deleted";
            break;
        }
        records.push_back(entry(m, event, outcome, &s));
    }
    if (studies.empty() && !outcome) {  // a job that failed before any study was known
        AuditMessage m = message(job == storage::CacheJob::Receive ? kInstancesTransferred : kImport, "C", outcome);
        records.push_back(entry(m, job == storage::CacheJob::Receive ? "Received (" + detail + ")" : "Import", outcome, nullptr));
    }
    write(std::move(records));
}

}  // namespace lightbox::security
