#pragma once
// What the audit trail is told about archives and studies the services work with.
#include "app_config.h"
#include "auditor.h"
#include "study_index.h"

#include <string>

namespace lightbox::app {

security::PeerFacts peerFacts(const ArchiveEntry& archive);
// The study as the cache's index describes it (only its UID when it is not cached).
storage::StudyFacts cachedStudyFacts(const QString& cacheDir, const std::string& studyUid);
// The search keys that were sent, as one line ("PatientName=DOE*, Modality=CT").
std::string describeQuery(const storage::StudyQuery& query);
// The storage listener refused an association because of who asked: a Security Alert (Node
// Authentication, failure) naming the caller, its address and the reason. Returns the one line said.
std::string auditRefusedCaller(const net::RefusedCaller& caller);
// The listener's settings from the node's own and the peers allowed to call it.
net::ListenerOptions listenerOptions(const AppConfig& config);

}  // namespace lightbox::app
