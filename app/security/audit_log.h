#pragma once
// The local audit trail: append-only, each record chained to the one before by SHA-256 and sealed
// with a key that changes after every record (K(n+1) = SHA-256("evolve" | K(n)), the old key
// overwritten): whoever takes the machine later holds only the current key and cannot rewrite a
// past record undetected. The first key (the verification key) is written once beside the log
// for the administrator to take away (`lightbox audit key --take`); `verify` walks the keys from
// it and names every removed, changed, reordered or truncated record.
//
// Files in the security folder: audit.log (one JSON record per line), audit.seal (the next
// sequence number, its key and the last record's hash; replaced atomically), audit.lock
// (flock: one writer at a time across processes), audit-verification.key (until taken).
#include "result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lightbox::security {

// What a record says, besides its DICOM audit message: the fields `show` filters on.
struct AuditEntry {
    std::string time;        // UTC, ISO 8601 with milliseconds
    std::string user;        // who acted (Lightbox user, or the OS user on a machine without users)
    std::string event;       // e.g. "Study Deleted", "User Authentication"
    std::string outcome;     // "success" or the failure's reason
    std::string patientId, patientName, studyUid;
    std::string xml;         // the DICOM PS3.15 A.5 audit message
};

struct AuditRecord {
    std::int64_t seq = 0;
    AuditEntry entry;
    std::string prev, hash, seal;  // hex
};

struct AuditFinding {
    std::int64_t seq = 0;  // the record concerned (0: the log as a whole)
    std::string what;
};

class AuditLog {
public:
    explicit AuditLog(std::string securityDir);

    // Appends the entries in order as one write, flushed to the disk before it returns.
    Status append(const std::vector<AuditEntry>& entries);
    // Every readable record in file order (damaged lines are skipped; verify names them).
    Result<std::vector<AuditRecord>> read() const;
    // Checks the whole log with the verification key (hex); no findings: not altered.
    Result<std::vector<AuditFinding>> verify(const std::string& verificationKeyHex) const;
    // The verification key while it is still beside the log.
    std::optional<std::string> verificationKey() const;
    // Removes the verification key from this machine (after the administrator took a copy).
    Status forgetVerificationKey() const;

    std::string logPath() const { return m_dir + "/audit.log"; }

private:
    std::string m_dir;
};

}  // namespace lightbox::security
