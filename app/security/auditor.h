#pragma once
// The signed-in user's conscience: checks permissions where each job runs and writes the DICOM
// audit message (PS3.15 A.5.3) of everything done, to the local sealed trail. Installed as the
// process's storage::AccessGate, so that opening, importing, receiving and deleting studies are
// checked and recorded in their one path, whoever calls them.
#include "access_gate.h"
#include "accounts.h"
#include "audit_log.h"
#include "audit_message.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

namespace lightbox::security {

// The folder of accounts, keys and the audit trail: $LIGHTBOX_SECURITY_DIR, else
// $XDG_DATA_HOME/lightbox/security (~/.local/share/lightbox/security).
std::string securityDir();
std::string machineName();
// The operating-system user running Lightbox.
std::string systemUser();

struct PeerFacts {
    std::string name, aeTitle, host;  // an archive entry's name, its AE title and host (or URL)
};

class Auditor : public storage::AccessGate {
public:
    Auditor(std::string securityDir, Identity who, std::string application);
    // Writes what is still queued before it goes.
    ~Auditor() override;
    Auditor(const Auditor&) = delete;
    Auditor& operator=(const Auditor&) = delete;

    // Records are written by a background writer (in batches, each flushed to the disk), so that
    // no job waits for the disk on its account; flush() waits until every record so far is written.
    void flush();

    const Identity& identity() const { return m_who; }
    std::string securityDir() const { return m_dir; }

    // Whether the signed-in user may; a refusal is recorded (Security Alert, Use of Restricted
    // Function) and returned as an error naming the user, the role and what was refused.
    Status require(Permission permission, const std::string& what);

    // Application Activity: a command or the GUI starting and stopping.
    void applicationActivity(bool start, const Status& outcome = Done{});
    // User Authentication: sign-in (or its failure), sign-out, lock and unlock.
    void authentication(const std::string& user, const std::string& what, const Status& outcome);
    void query(const PeerFacts& peer, const std::string& keys, const Status& outcome);
    // Begin Transferring (a retrieve or a send starting) and DICOM Instances Transferred (done).
    void transferStarted(bool toPeer, const PeerFacts& peer, const storage::StudyFacts& study);
    void transferred(bool toPeer, const PeerFacts& peer, const storage::StudyFacts& study, const Status& outcome);
    // Export (media, files), Security Alert (settings, users, break-glass), Audit Log Used.
    void exported(const storage::StudyFacts& study, const std::string& destination, const Status& outcome);
    void securityAlert(const AuditCode& type, const std::string& what, const Status& outcome);
    void auditLogUsed(const std::string& how, const Status& outcome);

    // storage::AccessGate
    Status allow(storage::CacheJob job, const std::vector<storage::StudyFacts>& studies) override;
    void done(storage::CacheJob job, const std::vector<storage::StudyFacts>& studies, const Status& outcome, const std::string& detail) override;
    void securityFinding(const std::string& what, const storage::StudyFacts& study) override;

    // The last error writing the trail (empty when every record was written).
    std::string lastWriteError() const;

private:
    AuditMessage message(const AuditCode& event, const std::string& action, const Status& outcome) const;
    void write(std::vector<AuditEntry> entries);  // each entry carries its message as XML
    AuditEntry entry(const AuditMessage& m, const std::string& event, const Status& outcome, const storage::StudyFacts* study) const;

    void writerLoop();
    AuditMessage exportMessage(const storage::StudyFacts& study, const std::string& destination, const Status& outcome) const;

    std::string m_dir;
    Identity m_who;
    std::string m_application, m_machine;
    AuditLog m_log;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake, m_idle;
    std::vector<AuditEntry> m_queue;
    bool m_writing = false, m_stopping = false;
    std::string m_lastError;
    std::thread m_writer;
};

// The process's auditor (also installed as storage's access gate); null before sign-in.
void installAuditor(std::shared_ptr<Auditor> auditor);
std::shared_ptr<Auditor> currentAuditor();

// Security Alert types (DICOM CID 403).
namespace alert {
extern const AuditCode objectSecurityAttributes, networkConfiguration, securityConfiguration, softwareConfiguration, restrictedFunction, userSecurityAttributes,
    securityRolesChanged, emergencyOverrideStarted, emergencyOverrideStopped, nodeAuthentication;
}

}  // namespace lightbox::security
