#include "annotation_store.h"

#include "access_gate.h"

namespace lightbox::storage {

namespace {

Status check(const Statement& st)
{
    if (const Error* e = st.error()) return *e;
    return Done{};
}

}  // namespace

// Measurements, annotations and key images are the reader's own: whoever may annotate.
Status mayAnnotate(const std::string& studyUid)
{
    const auto gate = accessGate();
    return gate ? gate->allow(CacheJob::Annotate, {{{}, {}, studyUid, 0}}) : Status(Done{});
}

Status saveAnnotation(Database& db, const AnnotationRow& r)
{
    if (Status allowed = mayAnnotate(r.studyUid); !allowed) return allowed;
    if (r.id.empty() || r.studyUid.empty()) return makeError("annotation", "an annotation needs an id and a study");
    auto st = db.cached(
        "INSERT INTO annotations(id, study_uid, series_uid, sop_instance_uid, frame, kind, data, author, created_at, modified_at) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "ON CONFLICT(id) DO UPDATE SET series_uid = ?3, sop_instance_uid = ?4, frame = ?5, kind = ?6, data = ?7, modified_at = ?10");
    if (!st) return makeError("sqlite", db.lastError());
    st->bind(1, r.id).bind(2, r.studyUid).bind(3, r.seriesUid).bind(4, r.sopInstanceUid).bind(5, r.frame).bind(6, r.kind);
    st->bind(7, r.data).bind(8, r.author).bind(9, r.createdAt).bind(10, r.modifiedAt);
    return st->run();
}

Status deleteAnnotation(Database& db, const std::string& id)
{
    if (Status allowed = mayAnnotate({}); !allowed) return allowed;
    auto st = db.cached("DELETE FROM annotations WHERE id = ?1");
    if (!st) return makeError("sqlite", db.lastError());
    st->bind(1, id);
    return st->run();
}

Status deleteStudyAnnotations(Database& db, const std::string& studyUid)
{
    auto st = db.cached("DELETE FROM annotations WHERE study_uid = ?1");
    if (!st) return makeError("sqlite", db.lastError());
    st->bind(1, studyUid);
    return st->run();
}

Result<std::vector<AnnotationRow>> studyAnnotations(Database& db, const std::string& studyUid)
{
    auto st = db.cached(
        "SELECT id, study_uid, series_uid, sop_instance_uid, frame, kind, data, author, created_at, modified_at "
        "FROM annotations WHERE study_uid = ?1 ORDER BY created_at, id");
    if (!st) return makeError("sqlite", db.lastError());
    st->bind(1, studyUid);
    std::vector<AnnotationRow> out;
    while (st->step()) {
        AnnotationRow r;
        r.id = st->text(0);
        r.studyUid = st->text(1);
        r.seriesUid = st->text(2);
        r.sopInstanceUid = st->text(3);
        r.frame = int(st->integer(4));
        r.kind = st->text(5);
        r.data = st->text(6);
        r.author = st->text(7);
        r.createdAt = st->integer(8);
        r.modifiedAt = st->integer(9);
        out.push_back(std::move(r));
    }
    if (auto s = check(*st); !s) return s.error();
    return out;
}

}  // namespace lightbox::storage
