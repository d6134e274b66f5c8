#include "schema.h"

#include <string>

namespace lightbox::storage {

namespace {

// Migration N takes the schema from version N-1 to N. Never edit a released migration: add one.
const char* const kMigrations[] = {
    // 1: patients, studies, series, instances; search helpers; settings.
    R"sql(
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE patients (
  id INTEGER PRIMARY KEY,
  patient_key TEXT NOT NULL UNIQUE,
  patient_id TEXT NOT NULL DEFAULT '',
  issuer TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  birth_date TEXT NOT NULL DEFAULT '',
  sex TEXT NOT NULL DEFAULT ''
);
CREATE INDEX patients_patient_id ON patients(patient_id);
CREATE TABLE studies (
  id INTEGER PRIMARY KEY,
  patient_ref INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  study_uid TEXT NOT NULL UNIQUE,
  study_date TEXT NOT NULL DEFAULT '',
  study_time TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  accession TEXT NOT NULL DEFAULT '',
  referring_physician TEXT NOT NULL DEFAULT '',
  study_id TEXT NOT NULL DEFAULT '',
  patient_name TEXT NOT NULL DEFAULT '',
  patient_age TEXT NOT NULL DEFAULT '',
  modalities TEXT NOT NULL DEFAULT '',
  body_parts TEXT NOT NULL DEFAULT '',
  series_count INTEGER NOT NULL DEFAULT 0,
  instance_count INTEGER NOT NULL DEFAULT 0,
  size_bytes INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL DEFAULT '',
  arrived_at INTEGER NOT NULL,
  last_opened INTEGER,
  pinned INTEGER NOT NULL DEFAULT 0,
  problems INTEGER NOT NULL DEFAULT 0,
  description_search TEXT NOT NULL DEFAULT ''
);
CREATE INDEX studies_patient ON studies(patient_ref);
CREATE INDEX studies_date ON studies(study_date, study_time);
CREATE INDEX studies_accession ON studies(accession);
CREATE INDEX studies_name ON studies(patient_name COLLATE NOCASE);
CREATE TABLE study_names (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  study_ref INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  UNIQUE (name, study_ref)
);
CREATE INDEX study_names_study ON study_names(study_ref);
-- Substring search (patterns starting with a wildcard) through a trigram index, kept in step
-- with study_names by triggers.
CREATE VIRTUAL TABLE study_name_trigrams USING fts5(name, content = 'study_names', content_rowid = 'id', tokenize = 'trigram');
CREATE TRIGGER study_names_insert AFTER INSERT ON study_names BEGIN
  INSERT INTO study_name_trigrams (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER study_names_delete AFTER DELETE ON study_names BEGIN
  INSERT INTO study_name_trigrams (study_name_trigrams, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TABLE study_modalities (
  modality TEXT NOT NULL,
  study_when TEXT NOT NULL,
  study_ref INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  PRIMARY KEY (modality, study_when, study_ref)
) WITHOUT ROWID;
CREATE INDEX study_modalities_study ON study_modalities(study_ref);
CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  study_ref INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  series_uid TEXT NOT NULL UNIQUE,
  series_number INTEGER,
  description TEXT NOT NULL DEFAULT '',
  modality TEXT NOT NULL DEFAULT '',
  body_part TEXT NOT NULL DEFAULT '',
  laterality TEXT NOT NULL DEFAULT '',
  series_date TEXT NOT NULL DEFAULT '',
  series_time TEXT NOT NULL DEFAULT '',
  frame_of_reference TEXT NOT NULL DEFAULT '',
  instance_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX series_study ON series(study_ref);
CREATE TABLE instances (
  id INTEGER PRIMARY KEY,
  series_ref INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  sop_instance_uid TEXT NOT NULL UNIQUE,
  sop_class_uid TEXT NOT NULL DEFAULT '',
  instance_number INTEGER,
  image_type TEXT NOT NULL DEFAULT '',
  view_position TEXT NOT NULL DEFAULT '',
  laterality TEXT NOT NULL DEFAULT '',
  image_position TEXT NOT NULL DEFAULT '',
  image_orientation TEXT NOT NULL DEFAULT '',
  pixel_spacing TEXT NOT NULL DEFAULT '',
  slice_thickness REAL,
  frame_of_reference TEXT NOT NULL DEFAULT '',
  rows INTEGER,
  columns INTEGER,
  frames INTEGER,
  transfer_syntax TEXT NOT NULL DEFAULT '',
  file_size INTEGER NOT NULL,
  sha256 BLOB NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  arrived_at INTEGER NOT NULL,
  status INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX instances_series ON instances(series_ref);
)sql",
    // 2: measurements and annotations, kept by study UID (they outlive eviction of the images:
    // the study may come back from the archive).
    R"sql(
CREATE TABLE annotations (
  id TEXT PRIMARY KEY,
  study_uid TEXT NOT NULL,
  series_uid TEXT NOT NULL DEFAULT '',
  sop_instance_uid TEXT NOT NULL DEFAULT '',
  frame INTEGER NOT NULL DEFAULT 0,
  kind TEXT NOT NULL,
  data TEXT NOT NULL,
  author TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL
);
CREATE INDEX annotations_study ON annotations(study_uid);
)sql",
    // 3: the patient's birth date as each study recorded it. Studies are grouped under one patient
    // by ID (and issuer); priors must also agree on the birth date, which a reused or mistyped ID
    // does not.
    R"sql(
ALTER TABLE studies ADD COLUMN patient_birth_date TEXT NOT NULL DEFAULT '';
)sql",
    // 4: leases on studies in use (shown, being received or imported) by any process on this
    // machine; eviction and deletion leave a study alone while a live lease holds it. A lease is
    // live while its process runs (pid and start time, on this host) and its heartbeat is recent.
    R"sql(
CREATE TABLE study_leases (
  id INTEGER PRIMARY KEY,
  study_uid TEXT NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  process_start INTEGER NOT NULL,
  purpose TEXT NOT NULL,
  acquired_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);
CREATE INDEX study_leases_study ON study_leases(study_uid);
CREATE INDEX study_leases_process ON study_leases(host, pid, process_start);
)sql",
    // 5: what the way in changed or found in a file for safety (an executable preamble zeroed, the
    // meta information rewritten), one line, empty when nothing.
    R"sql(
ALTER TABLE instances ADD COLUMN safety TEXT NOT NULL DEFAULT '';
CREATE INDEX instances_safety ON instances(safety) WHERE safety <> '';
)sql",
    // 6: holds on studies that must stay although nobody has them open (prefetched for an order
    // until it is read, made available offline), by study UID whether or not it is cached yet.
    R"sql(
CREATE TABLE study_holds (
  study_uid TEXT NOT NULL,
  holder TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  patient_id TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  until INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (study_uid, holder)
);
CREATE INDEX study_holds_holder ON study_holds(holder);
)sql",
};

}  // namespace

static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion, "one migration per schema version");

namespace {

// The schema version; the statement is finished at once, so that no read transaction stays open
// (a stale read snapshot could not then become the write transaction of a migration).
Result<int> schemaVersion(Database& db)
{
    auto v = db.prepare("PRAGMA user_version");
    if (!v) return v.error();
    return v->step() ? int(v->integer(0)) : 0;
}

}  // namespace

Status migrate(Database& db)
{
    const int latest = int(sizeof(kMigrations) / sizeof(kMigrations[0]));
    auto version = schemaVersion(db);
    if (!version) return version.error();
    if (*version > latest)
        return makeError("schema", "the cache index has schema version " + std::to_string(*version) + "; this Lightbox knows up to " +
                                       std::to_string(latest) + " (use a newer Lightbox)");
    while (*version < latest) {
        Transaction t(db);
        if (!t.ok()) return t.error();
        // Read again under the write lock: another process may have migrated meanwhile.
        version = schemaVersion(db);
        if (!version) return version.error();
        if (*version >= latest) break;
        const int next = *version + 1;
        if (auto s = db.exec(kMigrations[next - 1]); !s) return makeError("schema", "migration " + std::to_string(next) + ": " + s.error().message);
        if (auto s = db.exec("PRAGMA user_version = " + std::to_string(next)); !s) return s.error();
        if (auto s = t.commit(); !s) return s.error();
        version = next;
    }
    return Done{};
}

}  // namespace lightbox::storage
