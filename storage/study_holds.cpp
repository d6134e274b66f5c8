#include "study_holds.h"

#include <chrono>

namespace lightbox::storage {

namespace {

std::int64_t now()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

constexpr const char* kColumns = "study_uid, holder, reason, patient_id, created_by, created_at, until";

}  // namespace

Status StudyHolds::hold(const HoldRow& row)
{
    if (row.studyUid.empty() || row.holder.empty()) return makeError("bad-hold", "a hold needs a study and a holder");
    auto st = m_db.cached(
        "INSERT INTO study_holds (study_uid, holder, reason, patient_id, created_by, created_at, until) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
        "ON CONFLICT(study_uid, holder) DO UPDATE SET reason = ?3, patient_id = ?4, created_by = ?5, "
        "until = CASE WHEN until = 0 OR ?7 = 0 THEN 0 ELSE max(until, ?7) END");
    st->bind(1, row.studyUid).bind(2, row.holder).bind(3, row.reason).bind(4, row.patientId).bind(5, row.createdBy);
    st->bind(6, row.createdAt > 0 ? row.createdAt : now()).bind(7, row.until);
    if (auto s = st->run(); !s) return makeError("hold", "the study cannot be kept in the cache: " + s.error().message);
    return Done{};
}

Result<int> StudyHolds::release(const std::string& holder, const std::string& studyUid)
{
    auto st = m_db.cached(studyUid.empty() ? "DELETE FROM study_holds WHERE holder = ?1" : "DELETE FROM study_holds WHERE holder = ?1 AND study_uid = ?2");
    st->bind(1, holder);
    if (!studyUid.empty()) st->bind(2, studyUid);
    if (auto s = st->run(); !s) return s.error();
    return m_db.changes();
}

Result<int> StudyHolds::releaseStudy(const std::string& studyUid)
{
    auto st = m_db.cached("DELETE FROM study_holds WHERE study_uid = ?");
    st->bind(1, studyUid);
    if (auto s = st->run(); !s) return s.error();
    return m_db.changes();
}

Result<int> StudyHolds::releasePatient(const std::string& holder, const std::string& patientId)
{
    auto st = m_db.cached("DELETE FROM study_holds WHERE holder = ? AND patient_id = ?");
    st->bind(1, holder).bind(2, patientId);
    if (auto s = st->run(); !s) return s.error();
    return m_db.changes();
}

std::vector<HoldRow> StudyHolds::holds(const std::string& studyUid, bool inForceOnly)
{
    std::vector<HoldRow> out;
    const std::string sql = std::string("SELECT ") + kColumns + " FROM study_holds" + (studyUid.empty() ? "" : " WHERE study_uid = ?") +
                            " ORDER BY created_at DESC, study_uid, holder";
    auto st = m_db.cached(sql);
    if (!studyUid.empty()) st->bind(1, studyUid);
    const std::int64_t t = now();
    while (st->step()) {
        HoldRow r{st->text(0), st->text(1), st->text(2), st->text(3), st->text(4), st->integer(5), st->integer(6)};
        if (!inForceOnly || r.inForce(t)) out.push_back(std::move(r));
    }
    return out;
}

int StudyHolds::purgeExpired()
{
    auto st = m_db.cached("DELETE FROM study_holds WHERE until > 0 AND until <= ?");
    st->bind(1, now());
    if (!st->run()) return 0;
    return m_db.changes();
}

}  // namespace lightbox::storage
