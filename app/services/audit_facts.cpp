#include "audit_facts.h"

#include "cache.h"

namespace lightbox::app {

security::PeerFacts peerFacts(const ArchiveEntry& archive)
{
    return {archive.name.toStdString(), archive.aeTitle.toStdString(), archive.hasDimse() ? archive.host.toStdString() : archive.url.toStdString()};
}

storage::StudyFacts cachedStudyFacts(const QString& cacheDir, const std::string& studyUid)
{
    storage::StudyFacts facts{{}, {}, studyUid, 0};
    if (auto cache = storage::Cache::open(cacheDir.toStdString()))
        if (auto row = (*cache)->index().study(studyUid)) facts = {row->patientId, row->patientName, studyUid, row->instanceCount};
    return facts;
}

std::string describeQuery(const storage::StudyQuery& q)
{
    std::string out;
    auto add = [&](const char* key, const std::string& value) {
        if (!value.empty()) out += (out.empty() ? "" : ", ") + std::string(key) + "=" + value;
    };
    add("StudyInstanceUID", q.studyUid);
    add("PatientName", q.patientName);
    add("PatientID", q.patientId);
    add("AccessionNumber", q.accession);
    add("ModalitiesInStudy", q.modality);
    add("StudyDescription", q.description);
    add("StudyDateFrom", q.fromDate);
    add("StudyDateTo", q.toDate);
    return out.empty() ? "(all studies)" : out;
}

std::string auditRefusedCaller(const net::RefusedCaller& caller)
{
    const std::string line = "association from " + (caller.callingAeTitle.empty() ? std::string("(no AE title)") : caller.callingAeTitle) + " at " +
                             caller.address + " to " + caller.calledAeTitle + " refused: " + caller.reason;
    if (const auto auditor = security::currentAuditor()) auditor->securityAlert(security::alert::nodeAuthentication, line, makeError("refused", caller.reason));
    return line;
}

net::ListenerOptions listenerOptions(const AppConfig& config)
{
    net::ListenerOptions lo;
    lo.aeTitle = config.local.aeTitle.toStdString();
    lo.port = config.local.port;
    lo.tls = config.local.listenerTls();
    lo.peers = config.listenerPeers();
    return lo;
}

}  // namespace lightbox::app
