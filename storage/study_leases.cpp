#include "study_leases.h"

#include <cerrno>
#include <chrono>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <unistd.h>

namespace lightbox::storage {

namespace {

std::int64_t now()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. The command
// name (field 2) may hold spaces and parentheses: count from the last ')'.
std::int64_t processStartTime(std::int64_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return 0;
    const auto close = line.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(line.substr(close + 1));
    std::string field;
    for (int i = 3; i <= 22 && rest >> field; ++i)
        if (i == 22) return std::atoll(field.c_str());
    return 0;
}

std::string hostName()
{
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
    return name;
}

bool processRuns(std::int64_t pid, std::int64_t start)
{
    if (pid <= 0) return false;
    if (::kill(pid_t(pid), 0) != 0 && errno != EPERM) return false;
    // A pid that was reused by another process is not the lease's holder.
    const std::int64_t actual = processStartTime(pid);
    return start == 0 || actual == 0 || actual == start;
}

}  // namespace

const ProcessIdentity& ProcessIdentity::self()
{
    static const ProcessIdentity me{hostName(), std::int64_t(::getpid()), processStartTime(::getpid())};
    return me;
}

bool StudyLeases::isLive(const LeaseRow& row, std::int64_t nowMs)
{
    const ProcessIdentity& me = ProcessIdentity::self();
    if (row.host == me.host && row.pid == me.pid && row.processStart == me.start) return true;  // ours: we run
    if (nowMs - row.heartbeatAt > kLeaseTtlMs) return false;
    if (row.host != ProcessIdentity::self().host) return true;  // another machine sharing the cache: the heartbeat decides
    return processRuns(row.pid, row.processStart);
}

Result<std::int64_t> StudyLeases::acquire(const std::string& studyUid, const std::string& purpose)
{
    const ProcessIdentity& me = ProcessIdentity::self();
    const std::int64_t t = now();
    auto st = m_db.cached(
        "INSERT INTO study_leases (study_uid, host, pid, process_start, purpose, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    st->bind(1, studyUid).bind(2, me.host).bind(3, me.pid).bind(4, me.start).bind(5, purpose).bind(6, t).bind(7, t);
    if (auto s = st->run(); !s) return makeError("lease", "the study cannot be marked as in use: " + s.error().message);
    return m_db.lastInsertId();
}

Status StudyLeases::release(std::int64_t id)
{
    auto st = m_db.cached("DELETE FROM study_leases WHERE id = ?");
    st->bind(1, id);
    return st->run();
}

Status StudyLeases::renewMine()
{
    const ProcessIdentity& me = ProcessIdentity::self();
    auto st = m_db.cached("UPDATE study_leases SET heartbeat_at = ? WHERE host = ? AND pid = ? AND process_start = ?");
    st->bind(1, now()).bind(2, me.host).bind(3, me.pid).bind(4, me.start);
    return st->run();
}

Status StudyLeases::releaseMine()
{
    const ProcessIdentity& me = ProcessIdentity::self();
    auto st = m_db.cached("DELETE FROM study_leases WHERE host = ? AND pid = ? AND process_start = ?");
    st->bind(1, me.host).bind(2, me.pid).bind(3, me.start);
    return st->run();
}

std::vector<LeaseRow> StudyLeases::select(const std::string& studyUid)
{
    std::vector<LeaseRow> rows;
    auto st = m_db.cached(studyUid.empty()
                              ? "SELECT id, study_uid, host, pid, process_start, purpose, acquired_at, heartbeat_at FROM study_leases ORDER BY id"
                              : "SELECT id, study_uid, host, pid, process_start, purpose, acquired_at, heartbeat_at FROM study_leases WHERE "
                                "study_uid = ? ORDER BY id");
    if (!studyUid.empty()) st->bind(1, studyUid);
    while (st->step())
        rows.push_back({st->integer(0), st->text(1), st->text(2), st->text(5), st->integer(3), st->integer(4), st->integer(6), st->integer(7)});
    return rows;
}

std::vector<LeaseRow> StudyLeases::holders(const std::string& studyUid)
{
    std::vector<LeaseRow> liveRows;
    const std::int64_t t = now();
    for (LeaseRow& r : select(studyUid)) {
        if (isLive(r, t)) liveRows.push_back(std::move(r));
        else release(r.id);  // its process is gone: nobody will release it
    }
    return liveRows;
}

std::vector<LeaseRow> StudyLeases::live() { return holders({}); }

std::set<std::string> StudyLeases::heldStudies()
{
    std::set<std::string> out;
    for (const LeaseRow& r : live()) out.insert(r.studyUid);
    return out;
}

bool isArrivalPurpose(const std::string& purpose) { return purpose == kReceivingPurpose || purpose == kImportingPurpose; }

std::string describeHolders(const std::vector<LeaseRow>& rows)
{
    std::string out;
    for (const LeaseRow& r : rows) {
        if (!out.empty()) out += ", ";
        const ProcessIdentity& me = ProcessIdentity::self();
        if (r.host == me.host && r.pid == me.pid) out += "this Lightbox";
        else out += "Lightbox process " + std::to_string(r.pid) + (r.host != me.host ? " on " + r.host : std::string());
        out += " (" + r.purpose + ")";
    }
    return out;
}

}  // namespace lightbox::storage
