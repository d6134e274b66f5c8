#include "study_index.h"

#include "text_search.h"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace lightbox::storage {

namespace {

std::string patientKey(const InstanceRecord& r)
{
    if (!r.patientId.empty()) return r.issuerOfPatientId + '\x1f' + r.patientId;
    return "name\x1f" + r.patientName + '\x1f' + r.patientBirthDate;
}

std::vector<std::string> splitList(const std::string& s, char separator = '\\')
{
    std::vector<std::string> out;
    size_t start = 0;
    while (!s.empty()) {
        const size_t end = s.find(separator, start);
        out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

bool hasWildcard(const std::string& s) { return s.find_first_of("*?") != std::string::npos; }

// A GLOB pattern for exact-case identifiers (patient ID, accession): only * and ? are special.
std::string identifierGlob(const std::string& pattern)
{
    std::string g;
    for (char c : pattern) {
        if (c == '[' || c == ']') {
            g += '[';
            g += c;
            g += ']';
        } else {
            g += c;
        }
    }
    return g;
}

constexpr const char* kStudyColumns =
    "s.study_uid, s.patient_name, p.patient_id, CASE WHEN s.patient_birth_date <> '' THEN s.patient_birth_date ELSE p.birth_date END, p.sex, s.study_date, s.study_time, s.accession, s.description, "
    "s.referring_physician, s.body_parts, s.modalities, s.series_count, s.instance_count, s.problems, s.size_bytes, s.arrived_at, "
    "coalesce(s.last_opened, 0), s.pinned, s.patient_age, "
    "(SELECT coalesce(group_concat(h.holder, ','), '') FROM study_holds h WHERE h.study_uid = s.study_uid AND "
    "(h.until = 0 OR h.until > CAST(strftime('%s', 'now') AS INTEGER) * 1000))";

StudyRow readStudy(const Statement& st)
{
    StudyRow r;
    r.studyUid = st.text(0);
    r.patientName = st.text(1);
    r.patientId = st.text(2);
    r.patientBirthDate = st.text(3);
    r.patientSex = st.text(4);
    r.studyDate = st.text(5);
    r.studyTime = st.text(6);
    r.accession = st.text(7);
    r.description = st.text(8);
    r.referringPhysician = st.text(9);
    r.bodyParts = st.text(10);
    r.modalities = splitList(st.text(11));
    r.seriesCount = int(st.integer(12));
    r.instanceCount = int(st.integer(13));
    r.problems = int(st.integer(14));
    r.sizeBytes = st.integer(15);
    r.arrivedAt = st.integer(16);
    r.lastOpened = st.integer(17);
    r.pinned = st.integer(18) != 0;
    r.patientAge = st.text(19);
    r.heldBy = splitList(st.text(20), ',');
    return r;
}

constexpr const char* kInstanceColumns =
    "i.sop_instance_uid, se.series_uid, s.study_uid, i.sop_class_uid, i.transfer_syntax, i.image_type, i.view_position, i.laterality, "
    "i.image_position, i.image_orientation, i.pixel_spacing, i.frame_of_reference, i.instance_number, i.rows, i.columns, i.frames, "
    "i.slice_thickness, i.file_size, i.sha256, i.status";

std::optional<std::int64_t> optInt(const Statement& st, int c) { return st.isNull(c) ? std::nullopt : std::optional<std::int64_t>(st.integer(c)); }

InstanceRow readInstance(const Statement& st)
{
    InstanceRow r;
    r.sopInstanceUid = st.text(0);
    r.seriesUid = st.text(1);
    r.studyUid = st.text(2);
    r.sopClassUid = st.text(3);
    r.transferSyntax = st.text(4);
    r.imageType = st.text(5);
    r.viewPosition = st.text(6);
    r.laterality = st.text(7);
    r.imagePosition = st.text(8);
    r.imageOrientation = st.text(9);
    r.pixelSpacing = st.text(10);
    r.frameOfReference = st.text(11);
    r.instanceNumber = optInt(st, 12);
    r.rows = optInt(st, 13);
    r.columns = optInt(st, 14);
    r.frames = optInt(st, 15);
    if (!st.isNull(16)) r.sliceThickness = st.real(16);
    r.fileSize = st.integer(17);
    const std::string blob = st.blob(18);
    if (blob.size() == r.sha256.size()) std::memcpy(r.sha256.data(), blob.data(), blob.size());
    r.status = int(st.integer(19));
    return r;
}

struct Where {
    std::string from = " FROM studies s JOIN patients p ON p.id = s.patient_ref";
    std::string sql;
    std::vector<std::string> args;
    bool byModalityDate = false;  // driven by study_modalities in date order
};

bool literalRun(const std::string& glob, size_t n)
{
    size_t run = 0;
    for (char c : glob) {
        run = (c == '*' || c == '?' || c == '[' || c == ']') ? 0 : run + 1;
        if (run >= n) return true;
    }
    return false;
}

Where buildWhere(const StudyQuery& q)
{
    Where w;
    const bool dateSort = q.sort == StudyQuery::Sort::DateNewest || q.sort == StudyQuery::Sort::DateOldest;
    if (!q.modality.empty()) {
        std::string m = q.modality;
        std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return char(std::toupper(c)); });
        if (dateSort) {
            // Walk the (modality, date) index in order: no sort of every study of the modality.
            w.from = " FROM study_modalities m JOIN studies s ON s.id = m.study_ref JOIN patients p ON p.id = s.patient_ref";
            w.sql += " AND m.modality = ?";
            w.args.push_back(m);
            w.byModalityDate = true;
            if (!q.fromDate.empty()) {
                w.sql += " AND m.study_when >= ?";
                w.args.push_back(q.fromDate);
            }
            if (!q.toDate.empty()) {
                w.sql += " AND m.study_when <> '' AND m.study_when < ?";
                w.args.push_back(q.toDate + "~");  // any time on the last day
            }
        } else {
            w.sql += " AND s.id IN (SELECT study_ref FROM study_modalities WHERE modality = ?)";
            w.args.push_back(m);
        }
    }
    if (!q.patientName.empty()) {
        const std::string glob = toGlob(q.patientName, true);
        if (!hasLiteralPrefix(glob) && literalRun(glob, 3)) {
            w.sql += " AND s.id IN (SELECT study_ref FROM study_names WHERE id IN (SELECT rowid FROM study_name_trigrams WHERE name GLOB ?))";
        } else {
            w.sql += " AND s.id IN (SELECT study_ref FROM study_names WHERE name GLOB ?)";
        }
        w.args.push_back(glob);
    }
    if (!q.patientId.empty()) {
        w.sql += hasWildcard(q.patientId) ? " AND p.patient_id GLOB ?" : " AND p.patient_id = ?";
        w.args.push_back(hasWildcard(q.patientId) ? identifierGlob(q.patientId) : q.patientId);
    }
    if (!q.accession.empty()) {
        w.sql += hasWildcard(q.accession) ? " AND s.accession GLOB ?" : " AND s.accession = ?";
        w.args.push_back(hasWildcard(q.accession) ? identifierGlob(q.accession) : q.accession);
    }
    if (!q.description.empty()) {
        w.sql += " AND s.description_search GLOB ?";
        w.args.push_back(toGlob(q.description, false));
    }
    if (!w.byModalityDate && !q.fromDate.empty()) {
        w.sql += " AND s.study_date >= ?";
        w.args.push_back(q.fromDate);
    }
    if (!w.byModalityDate && !q.toDate.empty()) {
        w.sql += " AND s.study_date <> '' AND s.study_date <= ?";
        w.args.push_back(q.toDate);
    }
    if (!q.studyUid.empty()) {
        w.sql += " AND s.study_uid = ?";
        w.args.push_back(q.studyUid);
    }
    return w;
}

const char* orderBy(StudyQuery::Sort s, bool byModalityDate)
{
    if (byModalityDate)
        return s == StudyQuery::Sort::DateOldest ? " ORDER BY m.study_when ASC, m.study_ref ASC" : " ORDER BY m.study_when DESC, m.study_ref DESC";
    switch (s) {
    case StudyQuery::Sort::DateOldest: return " ORDER BY s.study_date ASC, s.study_time ASC, s.id ASC";
    case StudyQuery::Sort::PatientName: return " ORDER BY s.patient_name COLLATE NOCASE ASC";
    case StudyQuery::Sort::Arrived: return " ORDER BY s.arrived_at DESC, s.id DESC";
    case StudyQuery::Sort::LastOpened: return " ORDER BY coalesce(s.last_opened, 0) DESC, s.id DESC";
    case StudyQuery::Sort::DateNewest:
    default: return " ORDER BY s.study_date DESC, s.study_time DESC, s.id DESC";
    }
}

}  // namespace

bool StudyIndex::hasInstance(const std::string& sop)
{
    auto st = m_db.cached("SELECT 1 FROM instances WHERE sop_instance_uid = ?");
    if (!st) return false;
    st->bind(1, sop);
    return st->step();
}

Result<std::int64_t> StudyIndex::upsertPatient(const InstanceRecord& r)
{
    const std::string key = patientKey(r);
    auto find = m_db.cached("SELECT id FROM patients WHERE patient_key = ?");
    find->bind(1, key);
    if (find->step()) {
        const std::int64_t id = find->integer(0);
        auto fill = m_db.cached(
            "UPDATE patients SET name = CASE WHEN name = '' THEN ?1 ELSE name END, birth_date = CASE WHEN birth_date = '' THEN ?2 ELSE "
            "birth_date END, sex = CASE WHEN sex = '' THEN ?3 ELSE sex END WHERE id = ?4");
        fill->bind(1, r.patientName).bind(2, r.patientBirthDate).bind(3, r.patientSex).bind(4, id);
        if (auto s = fill->run(); !s) return s.error();
        return id;
    }
    auto ins = m_db.cached("INSERT INTO patients (patient_key, patient_id, issuer, name, birth_date, sex) VALUES (?, ?, ?, ?, ?, ?)");
    ins->bind(1, key).bind(2, r.patientId).bind(3, r.issuerOfPatientId).bind(4, r.patientName).bind(5, r.patientBirthDate).bind(6, r.patientSex);
    if (auto s = ins->run(); !s) return s.error();
    return m_db.lastInsertId();
}

Result<std::int64_t> StudyIndex::upsertStudy(const InstanceRecord& r, std::int64_t patient, bool* created)
{
    *created = false;
    auto find = m_db.cached("SELECT id FROM studies WHERE study_uid = ?");
    find->bind(1, r.studyUid);
    std::int64_t id;
    if (find->step()) {
        id = find->integer(0);
    } else {
        auto ins = m_db.cached(
            "INSERT INTO studies (patient_ref, study_uid, study_date, study_time, description, accession, referring_physician, study_id, "
            "patient_name, patient_age, source, arrived_at, description_search, patient_birth_date) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        ins->bind(1, patient).bind(2, r.studyUid).bind(3, r.studyDate).bind(4, r.studyTime).bind(5, r.studyDescription).bind(6, r.accession);
        ins->bind(7, r.referringPhysician).bind(8, r.studyId).bind(9, r.patientName).bind(10, r.patientAge).bind(11, r.source);
        ins->bind(12, r.arrivedAt).bind(13, normalizeForSearch(r.studyDescription)).bind(14, r.patientBirthDate);
        if (auto s = ins->run(); !s) return s.error();
        id = m_db.lastInsertId();
        *created = true;
    }
    // Every name the study's files carry is searchable (names differ between modalities).
    auto name = m_db.cached("INSERT OR IGNORE INTO study_names (name, study_ref) VALUES (?, ?)");
    for (const std::string& g : personNameGroups(r.patientName)) {
        name->reset();
        name->bind(1, g).bind(2, id);
        if (auto s = name->run(); !s) return s.error();
    }
    return id;
}

Result<std::int64_t> StudyIndex::upsertSeries(const InstanceRecord& r, std::int64_t study, bool* created)
{
    *created = false;
    auto find = m_db.cached("SELECT id FROM series WHERE series_uid = ?");
    find->bind(1, r.seriesUid);
    if (find->step()) return find->integer(0);
    auto ins = m_db.cached(
        "INSERT INTO series (study_ref, series_uid, series_number, description, modality, body_part, laterality, series_date, series_time, "
        "frame_of_reference) VALUES (?,?,?,?,?,?,?,?,?,?)");
    ins->bind(1, study).bind(2, r.seriesUid).bind(3, r.seriesNumber).bind(4, r.seriesDescription).bind(5, r.modality).bind(6, r.bodyPart);
    ins->bind(7, r.seriesLaterality.empty() ? r.imageLaterality : r.seriesLaterality).bind(8, r.seriesDate).bind(9, r.seriesTime);
    ins->bind(10, r.frameOfReference);
    if (auto s = ins->run(); !s) return s.error();
    *created = true;
    return m_db.lastInsertId();
}

Result<StudyIndex::Added> StudyIndex::addInstance(const InstanceRecord& r)
{
    if (hasInstance(r.sopInstanceUid)) return Added::AlreadyPresent;
    auto patient = upsertPatient(r);
    if (!patient) return patient.error();
    bool newStudy = false, newSeries = false;
    auto study = upsertStudy(r, *patient, &newStudy);
    if (!study) return study.error();
    auto series = upsertSeries(r, *study, &newSeries);
    if (!series) return series.error();

    auto ins = m_db.cached(
        "INSERT INTO instances (series_ref, sop_instance_uid, sop_class_uid, instance_number, image_type, view_position, laterality, "
        "image_position, image_orientation, pixel_spacing, slice_thickness, frame_of_reference, rows, columns, frames, transfer_syntax, "
        "file_size, sha256, source, arrived_at, safety) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    ins->bind(1, *series).bind(2, r.sopInstanceUid).bind(3, r.sopClassUid).bind(4, r.instanceNumber).bind(5, r.imageType);
    ins->bind(6, r.viewPosition).bind(7, r.imageLaterality).bind(8, r.imagePosition).bind(9, r.imageOrientation).bind(10, r.pixelSpacing);
    ins->bind(11, r.sliceThickness).bind(12, r.frameOfReference).bind(13, r.rows).bind(14, r.columns).bind(15, r.frames);
    ins->bind(16, r.transferSyntax).bind(17, r.fileSize).bindBlob(18, r.sha256.data(), int(r.sha256.size())).bind(19, r.source);
    ins->bind(20, r.arrivedAt).bind(21, r.safety);
    if (auto s = ins->run(); !s) return s.error();

    auto seriesCount = m_db.cached("UPDATE series SET instance_count = instance_count + 1 WHERE id = ?");
    seriesCount->bind(1, *series);
    if (auto s = seriesCount->run(); !s) return s.error();
    auto studyCount = m_db.cached(
        "UPDATE studies SET instance_count = instance_count + 1, size_bytes = size_bytes + ?1, series_count = series_count + ?2 WHERE id = ?3");
    studyCount->bind(1, r.fileSize).bind(2, newSeries ? 1 : 0).bind(3, *study);
    if (auto s = studyCount->run(); !s) return s.error();

    if (!r.modality.empty()) {
        auto known = m_db.cached("SELECT 1 FROM study_modalities WHERE modality = ? AND study_ref = ?");
        known->bind(1, r.modality).bind(2, *study);
        if (!known->step()) {
            auto mod = m_db.cached(
                "INSERT INTO study_modalities (modality, study_when, study_ref) SELECT ?1, study_date || study_time, id FROM studies WHERE id = ?2");
            mod->bind(1, r.modality).bind(2, *study);
            if (auto s = mod->run(); !s) return s.error();
            auto list = m_db.cached(
                "UPDATE studies SET modalities = (SELECT group_concat(modality, '\\') FROM (SELECT modality FROM study_modalities WHERE "
                "study_ref = ?1 ORDER BY modality)) WHERE id = ?1");
            list->bind(1, *study);
            if (auto s = list->run(); !s) return s.error();
        }
    }
    if (!r.bodyPart.empty()) {
        auto part = m_db.cached(
            "UPDATE studies SET body_parts = CASE WHEN body_parts = '' THEN ?1 ELSE body_parts || '\\' || ?1 END WHERE id = ?2 AND "
            "instr('\\' || body_parts || '\\', '\\' || ?1 || '\\') = 0");
        part->bind(1, r.bodyPart).bind(2, *study);
        if (auto s = part->run(); !s) return s.error();
    }
    return Added::Inserted;
}

Result<std::vector<StudyRow>> StudyIndex::searchStudies(const StudyQuery& q)
{
    const Where w = buildWhere(q);
    const std::string sql = std::string("SELECT ") + kStudyColumns + w.from + " WHERE 1" + w.sql + orderBy(q.sort, w.byModalityDate) +
                            " LIMIT ? OFFSET ?";
    auto st = m_db.cached(sql);
    if (!st) return makeError("sqlite", m_db.lastError());
    int i = 1;
    for (const std::string& a : w.args) st->bind(i++, a);
    st->bind(i++, std::int64_t(std::max(0, q.limit)));
    st->bind(i++, std::int64_t(std::max(0, q.offset)));
    std::vector<StudyRow> rows;
    while (st->step()) rows.push_back(readStudy(*st));
    if (st->error()) return *st->error();
    return rows;
}

Result<std::int64_t> StudyIndex::countStudies(const StudyQuery& q)
{
    const Where w = buildWhere(q);
    auto st = m_db.cached("SELECT count(*)" + w.from + " WHERE 1" + w.sql);
    if (!st) return makeError("sqlite", m_db.lastError());
    int i = 1;
    for (const std::string& a : w.args) st->bind(i++, a);
    if (!st->step()) return st->error() ? Result<std::int64_t>(*st->error()) : Result<std::int64_t>(std::int64_t(0));
    return st->integer(0);
}

std::optional<StudyRow> StudyIndex::study(const std::string& studyUid)
{
    StudyQuery q;
    q.studyUid = studyUid;
    q.limit = 1;
    auto rows = searchStudies(q);
    if (!rows || rows->empty()) return std::nullopt;
    return rows->front();
}

std::vector<SeriesRow> StudyIndex::seriesOf(const std::string& studyUid)
{
    std::vector<SeriesRow> out;
    auto st = m_db.cached(
        "SELECT se.series_uid, s.study_uid, se.description, se.modality, se.body_part, se.laterality, se.frame_of_reference, se.series_number, "
        "se.instance_count FROM series se JOIN studies s ON s.id = se.study_ref WHERE s.study_uid = ? ORDER BY se.series_number IS NULL, "
        "se.series_number, se.id");
    st->bind(1, studyUid);
    while (st->step()) {
        SeriesRow r;
        r.seriesUid = st->text(0);
        r.studyUid = st->text(1);
        r.description = st->text(2);
        r.modality = st->text(3);
        r.bodyPart = st->text(4);
        r.laterality = st->text(5);
        r.frameOfReference = st->text(6);
        r.seriesNumber = optInt(*st, 7);
        r.instanceCount = int(st->integer(8));
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<InstanceRow> StudyIndex::instancesOfStudy(const std::string& studyUid)
{
    std::vector<InstanceRow> out;
    auto st = m_db.cached(std::string("SELECT ") + kInstanceColumns +
                                " FROM instances i JOIN series se ON se.id = i.series_ref JOIN studies s ON s.id = se.study_ref WHERE "
                                "s.study_uid = ? ORDER BY se.series_number, se.id, i.instance_number, i.id");
    st->bind(1, studyUid);
    while (st->step()) out.push_back(readInstance(*st));
    return out;
}

std::vector<StudyIndex::SafetyFinding> StudyIndex::safetyFindings()
{
    std::vector<SafetyFinding> out;
    auto st = m_db.cached("SELECT i.sop_instance_uid, s.study_uid, p.patient_id, i.safety FROM instances i JOIN series se ON se.id = i.series_ref "
                          "JOIN studies s ON s.id = se.study_ref JOIN patients p ON p.id = s.patient_ref WHERE i.safety <> '' ORDER BY i.id");
    while (st->step()) out.push_back({st->text(0), st->text(1), st->text(2), st->text(3)});
    return out;
}

std::vector<std::string> StudyIndex::sourcesOfStudy(const std::string& studyUid)
{
    std::vector<std::string> out;
    auto st = m_db.cached("SELECT DISTINCT i.source FROM instances i JOIN series se ON se.id = i.series_ref JOIN studies s ON s.id = se.study_ref "
                          "WHERE s.study_uid = ? ORDER BY 1");
    st->bind(1, studyUid);
    while (st->step()) out.push_back(st->text(0));
    return out;
}

std::vector<InstanceRow> StudyIndex::instancesOfSeries(const std::string& seriesUid)
{
    std::vector<InstanceRow> out;
    auto st = m_db.cached(std::string("SELECT ") + kInstanceColumns +
                                " FROM instances i JOIN series se ON se.id = i.series_ref JOIN studies s ON s.id = se.study_ref WHERE "
                                "se.series_uid = ? ORDER BY i.instance_number, i.id");
    st->bind(1, seriesUid);
    while (st->step()) out.push_back(readInstance(*st));
    return out;
}

Status StudyIndex::forEachInstance(const std::function<bool(const InstanceRow&)>& visit)
{
    auto st = m_db.prepare(std::string("SELECT ") + kInstanceColumns +
                           " FROM instances i JOIN series se ON se.id = i.series_ref JOIN studies s ON s.id = se.study_ref ORDER BY i.id");
    if (!st) return st.error();
    while (st->step())
        if (!visit(readInstance(*st))) break;
    if (st->error()) return *st->error();
    return Done{};
}

Result<std::vector<std::string>> StudyIndex::deleteStudy(const std::string& studyUid)
{
    std::vector<std::string> sops;
    auto list = m_db.cached(
        "SELECT i.sop_instance_uid FROM instances i JOIN series se ON se.id = i.series_ref JOIN studies s ON s.id = se.study_ref WHERE "
        "s.study_uid = ?");
    list->bind(1, studyUid);
    while (list->step()) sops.push_back(list->text(0));
    auto patient = m_db.cached("SELECT patient_ref FROM studies WHERE study_uid = ?");
    patient->bind(1, studyUid);
    if (!patient->step()) return makeError("not-found", "study " + studyUid + " is not in the cache");
    const std::int64_t patientRef = patient->integer(0);
    auto del = m_db.cached("DELETE FROM studies WHERE study_uid = ?");
    del->bind(1, studyUid);
    if (auto s = del->run(); !s) return s.error();
    auto orphan = m_db.cached("DELETE FROM patients WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM studies WHERE patient_ref = ?1)");
    orphan->bind(1, patientRef);
    if (auto s = orphan->run(); !s) return s.error();
    return sops;
}

Status StudyIndex::markOpened(const std::string& studyUid, std::int64_t whenMs)
{
    auto st = m_db.cached("UPDATE studies SET last_opened = ? WHERE study_uid = ?");
    st->bind(1, whenMs).bind(2, studyUid);
    return st->run();
}

Status StudyIndex::setPinned(const std::string& studyUid, bool pinned)
{
    auto st = m_db.cached("UPDATE studies SET pinned = ? WHERE study_uid = ?");
    st->bind(1, pinned ? 1 : 0).bind(2, studyUid);
    if (auto s = st->run(); !s) return s;
    if (m_db.changes() == 0) return makeError("not-found", "study " + studyUid + " is not in the cache");
    return Done{};
}

Status StudyIndex::setInstanceStatus(const std::string& sop, int status)
{
    auto st = m_db.cached("UPDATE instances SET status = ? WHERE sop_instance_uid = ?");
    st->bind(1, status).bind(2, sop);
    return st->run();
}

Status StudyIndex::refreshProblemCounts()
{
    return m_db.exec(
        "UPDATE studies SET problems = (SELECT count(*) FROM instances i JOIN series se ON se.id = i.series_ref WHERE se.study_ref = "
        "studies.id AND i.status <> 0)");
}

CacheStats StudyIndex::stats()
{
    CacheStats c;
    auto st = m_db.prepare(
        "SELECT (SELECT count(*) FROM patients), (SELECT count(*) FROM studies), (SELECT count(*) FROM series), (SELECT count(*) FROM "
        "instances), (SELECT coalesce(sum(size_bytes), 0) FROM studies), (SELECT count(*) FROM studies WHERE pinned), (SELECT count(*) "
        "FROM studies WHERE problems > 0)");
    if (st && st->step()) {
        c.patients = st->integer(0);
        c.studies = st->integer(1);
        c.series = st->integer(2);
        c.instances = st->integer(3);
        c.bytes = st->integer(4);
        c.pinnedStudies = st->integer(5);
        c.problemStudies = st->integer(6);
    }
    return c;
}

std::optional<std::string> StudyIndex::studyOfSeries(const std::string& seriesUid)
{
    auto st = m_db.cached("SELECT s.study_uid FROM series se JOIN studies s ON s.id = se.study_ref WHERE se.series_uid = ?");
    st->bind(1, seriesUid);
    if (!st->step()) return std::nullopt;
    return st->text(0);
}

std::int64_t StudyIndex::totalBytes()
{
    auto st = m_db.cached("SELECT coalesce(sum(size_bytes), 0) FROM studies");
    return st->step() ? st->integer(0) : 0;
}

std::vector<EvictionCandidate> StudyIndex::evictionOrder()
{
    std::vector<EvictionCandidate> out;
    auto st = m_db.cached(
        "SELECT study_uid, size_bytes, coalesce(last_opened, arrived_at) AS used FROM studies s WHERE pinned = 0 AND NOT EXISTS (SELECT 1 FROM "
        "study_holds h WHERE h.study_uid = s.study_uid AND (h.until = 0 OR h.until > ?)) ORDER BY used ASC, id ASC");
    st->bind(1, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    while (st->step()) out.push_back({st->text(0), st->integer(1), st->integer(2)});
    return out;
}

std::optional<std::string> StudyIndex::setting(const std::string& key)
{
    auto st = m_db.cached("SELECT value FROM settings WHERE key = ?");
    st->bind(1, key);
    if (!st->step()) return std::nullopt;
    return st->text(0);
}

Status StudyIndex::setSetting(const std::string& key, const std::string& value)
{
    auto st = m_db.cached("INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2");
    st->bind(1, key).bind(2, value);
    return st->run();
}

}  // namespace lightbox::storage
