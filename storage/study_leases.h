#pragma once
// Leases on studies in use, kept in the cache index so that every process on the machine sees
// them: a study shown in a viewer or a reading window, being received or being imported is held by
// a lease, and neither eviction (of any process, `lightbox cache evict` included) nor deletion
// touches it. A lease names its process (host, pid and the process's start time, which tells a
// reused pid apart) and carries a heartbeat; it is live while that process runs and its heartbeat
// is younger than kLeaseTtlMs. Leases of processes that died (SIGKILL, a crash) are removed by the
// next reader. One StudyLeases per database connection.
#include "sqlite_db.h"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace lightbox::storage {

inline constexpr std::int64_t kLeaseTtlMs = 120'000;       // a lease without a heartbeat this long is dead
inline constexpr std::int64_t kHeartbeatEveryMs = 30'000;  // how often holders renew theirs

struct LeaseRow {
    std::int64_t id = 0;
    std::string studyUid, host, purpose;
    std::int64_t pid = 0, processStart = 0, acquiredAt = 0, heartbeatAt = 0;
};

// This process, as leases name it.
struct ProcessIdentity {
    std::string host;
    std::int64_t pid = 0;
    std::int64_t start = 0;  // start time in clock ticks since boot (Linux), 0 where unknown
    static const ProcessIdentity& self();
};

class StudyLeases {
public:
    explicit StudyLeases(Database& db) : m_db(db) {}

    // A new lease of this process on the study ("viewing", "reading", "receiving", "importing"...).
    // Call outside a transaction (it writes and commits at once) or inside one of the caller's.
    Result<std::int64_t> acquire(const std::string& studyUid, const std::string& purpose);
    Status release(std::int64_t id);
    // Renews the heartbeat of every lease of this process.
    Status renewMine();
    // Removes every lease of this process (it is going away).
    Status releaseMine();

    // Leases that are live now; dead ones (process gone, or silent past the TTL) are deleted.
    std::vector<LeaseRow> live();
    // The live leases on one study (empty: nobody holds it). Call inside the transaction that
    // would delete the study, so that no lease can be taken between the check and the delete.
    std::vector<LeaseRow> holders(const std::string& studyUid);
    std::set<std::string> heldStudies();

    // True when a lease's process still runs and its heartbeat is recent.
    static bool isLive(const LeaseRow& row, std::int64_t nowMs);

private:
    std::vector<LeaseRow> select(const std::string& studyUid);
    Database& m_db;
};

// Purposes of leases taken while instances arrive (they keep eviction away, not the user's delete).
inline constexpr const char* kReceivingPurpose = "receiving";
inline constexpr const char* kImportingPurpose = "importing";
bool isArrivalPurpose(const std::string& purpose);

// "process 1234 (reading)", for messages.
std::string describeHolders(const std::vector<LeaseRow>& rows);

}  // namespace lightbox::storage
