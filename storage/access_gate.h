#pragma once
// Who may do what to the cache, and the record of what was done: the gate the one path of each job
// (open, in, delete) passes. The application installs one gate per process once someone is signed
// in (security/audit in app/); every Cache of the process then asks it. Without a gate (a
// machine with no Lightbox users, and the tests of this library) everything is allowed and
// nothing recorded.
#include "result.h"

#include <memory>
#include <string>
#include <vector>

namespace lightbox::storage {

// Backup: copying the whole cache elsewhere (an export of every study in it).
enum class CacheJob { Open, Import, Receive, Delete, Annotate, Backup };

struct StudyFacts {
    std::string patientId, patientName, studyUid;
    int instances = 0;
};

class AccessGate {
public:
    virtual ~AccessGate() = default;
    // Before the job: an error refuses it, with a message naming who and what.
    virtual Status allow(CacheJob job, const std::vector<StudyFacts>& studies) = 0;
    // After it: what was done (`detail`: where the instances came from, the reason of a failure).
    virtual void done(CacheJob job, const std::vector<StudyFacts>& studies, const Status& outcome, const std::string& detail) = 0;
    // Something arrived that is a risk to whoever opens it elsewhere (an executable preamble).
    virtual void securityFinding(const std::string& what, const StudyFacts& study) = 0;
};

void installAccessGate(std::shared_ptr<AccessGate> gate);
std::shared_ptr<AccessGate> accessGate();  // null when none is installed

}  // namespace lightbox::storage
