#pragma once
// Forwarding the audit trail to an Audit Record Repository: each record as an RFC 5424 syslog
// message (MSGID IHE+RFC-3881, the DICOM audit message as its body, the record's number and chain
// hash as structured data, so that the repository holds the chain head too) over TLS (RFC 5425,
// octet-counted frames). The trail itself is the queue: audit.forwarded says up to which record
// the repository has it; records wait on the disk while it is down and go, in order, when it is
// back. One process forwards at a time (flock).
#include "result.h"

#include <cstdint>
#include <string>

namespace lightbox::security {

struct RepositorySettings {
    std::string host;
    int port = 6514;
    std::string caFile;              // the repository's certificate is checked against it (required)
    std::string certFile, keyFile;   // our client certificate, when the repository asks for one
    bool configured() const { return !host.empty(); }
};

// Where the repository is: repository.json in the security folder (absent: none).
Result<RepositorySettings> loadRepository(const std::string& securityDir);
Status saveRepository(const std::string& securityDir, const RepositorySettings& settings);

struct ForwardResult {
    int sent = 0;             // records sent by this call
    std::int64_t upTo = 0;    // the repository has every record up to this one
    bool busy = false;        // another process was forwarding
};

// Sends the records the repository does not have yet; gives up after `timeoutMs`.
Result<ForwardResult> forwardAudit(const std::string& securityDir, int timeoutMs = 5000);

}  // namespace lightbox::security
