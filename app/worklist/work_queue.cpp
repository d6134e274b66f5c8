#include "work_queue.h"

#include "durable_file.h"
#include "study_leases.h"

#include <QDateTime>

namespace lightbox::app {

namespace {


std::int64_t nowMs() { return std::int64_t(QDateTime::currentMSecsSinceEpoch()); }
std::string s(const QString& q) { return q.toStdString(); }
QString q(const std::string& s) { return QString::fromStdString(s); }

Order::Status statusFrom(const std::string& name)
{
    if (name == "performed") return Order::Status::Performed;
    if (name == "cancelled") return Order::Status::Cancelled;
    return Order::Status::Scheduled;
}

PrefetchTask::State stateFrom(const std::string& name)
{
    if (name == "running") return PrefetchTask::State::Running;
    if (name == "done") return PrefetchTask::State::Done;
    if (name == "failed") return PrefetchTask::State::Failed;
    if (name == "skipped") return PrefetchTask::State::Skipped;
    return PrefetchTask::State::Queued;
}

constexpr const char* kOrderColumns =
    "id, sender, placer, filler, accession, patient_id, issuer, patient_name, birth_date, sex, modality, procedure_code, "
    "procedure_text, study_uid, scheduled_ms, priority, status, received_at, updated_at, planned_at";

StoredOrder orderFrom(storage::Statement& st)
{
    StoredOrder o;
    o.id = st.integer(0);
    Order& r = o.order;
    r.sender = q(st.text(1));
    r.placer = q(st.text(2));
    r.filler = q(st.text(3));
    r.accession = q(st.text(4));
    r.patientId = q(st.text(5));
    r.issuer = q(st.text(6));
    r.patientName = q(st.text(7));
    r.birthDate = q(st.text(8));
    r.sex = q(st.text(9));
    r.modality = q(st.text(10));
    r.procedureCode = q(st.text(11));
    r.procedureText = q(st.text(12));
    r.studyUid = q(st.text(13));
    if (!st.isNull(14)) r.scheduled = QDateTime::fromMSecsSinceEpoch(st.integer(14));
    r.priority = q(st.text(15));
    r.status = statusFrom(st.text(16));
    o.receivedAt = st.integer(17);
    o.updatedAt = st.integer(18);
    o.plannedAt = st.integer(19);
    return o;
}

constexpr const char* kTaskColumns = "id, order_id, kind, study_uid, archive, reason, rank, state, attempts, instances, last_error, finished_at, not_before";

PrefetchTask taskFrom(storage::Statement& st)
{
    PrefetchTask t;
    t.id = st.integer(0);
    t.orderId = st.integer(1);
    t.kind = q(st.text(2));
    t.studyUid = q(st.text(3));
    t.archive = q(st.text(4));
    t.reason = q(st.text(5));
    t.rank = int(st.integer(6));
    t.state = stateFrom(st.text(7));
    t.attempts = int(st.integer(8));
    t.instances = int(st.integer(9));
    t.lastError = q(st.text(10));
    t.finishedAt = st.integer(11);
    t.notBefore = st.integer(12);
    return t;
}

Error dbError(storage::Database& db, const char* what) { return makeError("worklist-db", std::string(what) + ": " + db.lastError()); }

constexpr const char* kSchema = R"SQL(
CREATE TABLE orders (
  id INTEGER PRIMARY KEY, sender TEXT NOT NULL, order_key TEXT NOT NULL,
  placer TEXT, filler TEXT, accession TEXT, patient_id TEXT NOT NULL, issuer TEXT, patient_name TEXT,
  birth_date TEXT, sex TEXT, modality TEXT, procedure_code TEXT, procedure_text TEXT, study_uid TEXT,
  scheduled_ms INTEGER, priority TEXT, status TEXT NOT NULL CHECK (status IN ('scheduled', 'performed', 'cancelled')),
  received_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, planned_at INTEGER NOT NULL DEFAULT 0,
  UNIQUE (sender, order_key));
CREATE INDEX orders_patient ON orders (patient_id);
CREATE TABLE messages (sender TEXT NOT NULL, control_id TEXT NOT NULL, received_at INTEGER NOT NULL, PRIMARY KEY (sender, control_id));
CREATE TABLE merges (prior_id TEXT NOT NULL, surviving_id TEXT NOT NULL, merged_at INTEGER NOT NULL, PRIMARY KEY (prior_id, surviving_id));
CREATE TABLE tasks (
  id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('current', 'prior')), study_uid TEXT NOT NULL, archive TEXT NOT NULL, reason TEXT,
  rank INTEGER NOT NULL, state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'skipped')),
  attempts INTEGER NOT NULL DEFAULT 0, not_before INTEGER NOT NULL DEFAULT 0, instances INTEGER NOT NULL DEFAULT 0, last_error TEXT,
  owner_host TEXT, owner_pid INTEGER, owner_start INTEGER, heartbeat_at INTEGER, finished_at INTEGER NOT NULL DEFAULT 0,
  UNIQUE (order_id, study_uid));
)SQL";

// Version 2, the readers' side (app/worklist/reading_log.h): current state per item, and every change.
constexpr const char* kReadings = R"SQL(
CREATE TABLE readings (
  item_key TEXT PRIMARY KEY, study_uid TEXT,
  state TEXT NOT NULL DEFAULT '' CHECK (state IN ('', 'in progress', 'read', 'reported')), user TEXT, at INTEGER NOT NULL DEFAULT 0,
  assigned_to TEXT NOT NULL DEFAULT '', first_opened_at INTEGER NOT NULL DEFAULT 0);
CREATE TABLE reading_events (id INTEGER PRIMARY KEY, item_key TEXT NOT NULL, study_uid TEXT, event TEXT NOT NULL, user TEXT, at INTEGER NOT NULL);
CREATE INDEX reading_events_at ON reading_events (at);
)SQL";

}  // namespace

QString stateName(PrefetchTask::State s)
{
    switch (s) {
    case PrefetchTask::State::Queued: return "queued";
    case PrefetchTask::State::Running: return "running";
    case PrefetchTask::State::Done: return "done";
    case PrefetchTask::State::Failed: return "failed";
    case PrefetchTask::State::Skipped: return "skipped";
    }
    return {};
}

Result<std::unique_ptr<WorkQueue>> WorkQueue::open(const QString& cacheDir)
{
    // The queue holds patient names and IDs: sealed whenever the index is (durable_file.h).
    auto db = openDurableFile(cacheDir, "worklist.sqlite", {kSchema, kReadings});
    if (!db) return db.error();
    std::unique_ptr<WorkQueue> queue(new WorkQueue(std::move(*db)));
    return queue;
}

Result<bool> WorkQueue::seen(const QString& sender, const QString& controlId)
{
    auto st = m_db.cached("SELECT 1 FROM messages WHERE sender = ? AND control_id = ?");
    st->bind(1, s(sender)).bind(2, s(controlId));
    const bool found = st->step();
    if (st->error()) return *st->error();
    return found;
}

namespace {

Status insertMessage(storage::Database& db, const QString& sender, const QString& controlId)
{
    if (controlId.isEmpty()) return Done{};
    auto st = db.cached("INSERT OR IGNORE INTO messages (sender, control_id, received_at) VALUES (?, ?, ?)");
    st->bind(1, s(sender)).bind(2, s(controlId)).bind(3, nowMs());
    return st->run();
}

}  // namespace

Status WorkQueue::recordMessage(const QString& sender, const QString& controlId)
{
    storage::Transaction tx(m_db);
    if (!tx.ok()) return tx.error();
    if (Status st = insertMessage(m_db, sender, controlId); !st) return st;
    return tx.commit();
}

Result<std::int64_t> WorkQueue::recordOrder(const Order& o, const QString& controlId)
{
    storage::Transaction tx(m_db);
    if (!tx.ok()) return tx.error();
    const std::int64_t t = nowMs();
    auto st = m_db.cached(
        "INSERT INTO orders (sender, order_key, placer, filler, accession, patient_id, issuer, patient_name, birth_date, sex, modality, "
        "procedure_code, procedure_text, study_uid, scheduled_ms, priority, status, received_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (sender, order_key) DO UPDATE SET placer = excluded.placer, filler = excluded.filler, accession = excluded.accession, "
        "patient_id = excluded.patient_id, issuer = excluded.issuer, patient_name = excluded.patient_name, birth_date = excluded.birth_date, "
        "sex = excluded.sex, modality = excluded.modality, procedure_code = excluded.procedure_code, procedure_text = excluded.procedure_text, "
        "study_uid = COALESCE(NULLIF(excluded.study_uid, ''), orders.study_uid), scheduled_ms = excluded.scheduled_ms, "
        "priority = excluded.priority, status = excluded.status, updated_at = excluded.updated_at, planned_at = 0");
    st->bind(1, s(o.sender)).bind(2, s(o.key())).bind(3, s(o.placer)).bind(4, s(o.filler)).bind(5, s(o.accession)).bind(6, s(o.patientId));
    st->bind(7, s(o.issuer)).bind(8, s(o.patientName)).bind(9, s(o.birthDate)).bind(10, s(o.sex)).bind(11, s(o.modality));
    st->bind(12, s(o.procedureCode)).bind(13, s(o.procedureText)).bind(14, s(o.studyUid));
    if (o.scheduled.isValid()) st->bind(15, std::int64_t(o.scheduled.toMSecsSinceEpoch()));
    else st->bindNull(15);
    st->bind(16, s(o.priority)).bind(17, s(statusName(o.status))).bind(18, t).bind(19, t);
    if (Status r = st->run(); !r) return r.error();
    auto id = m_db.cached("SELECT id FROM orders WHERE sender = ? AND order_key = ?");
    id->bind(1, s(o.sender)).bind(2, s(o.key()));
    if (!id->step()) return dbError(m_db, "the order just written is not there");
    const std::int64_t orderId = id->integer(0);
    if (o.status != Order::Status::Scheduled) {
        // Nothing more to fetch for an order cancelled or done.
        auto drop = m_db.cached("UPDATE tasks SET state = 'skipped', last_error = ?, finished_at = ? WHERE order_id = ? AND state = 'queued'");
        drop->bind(1, "order " + s(statusName(o.status))).bind(2, nowMs()).bind(3, orderId);
        if (Status r = drop->run(); !r) return r.error();
    }
    if (Status r = insertMessage(m_db, o.sender, controlId); !r) return r.error();
    if (Status r = tx.commit(); !r) return r.error();
    return orderId;
}

Result<int> WorkQueue::mergePatient(const QString& sender, const QString& controlId, const QString& priorId, const QString& priorIssuer,
                                    const QString& survivingId, const QString& survivingIssuer)
{
    return mergePatients(sender, controlId, {{priorId, priorIssuer, survivingId, survivingIssuer}});
}

Result<int> WorkQueue::mergePatients(const QString& sender, const QString& controlId, const std::vector<Merge>& merges)
{
    storage::Transaction tx(m_db);
    if (!tx.ok()) return tx.error();
    int moved = 0;
    for (const Merge& x : merges) {
        auto move = m_db.cached("UPDATE orders SET patient_id = ?, issuer = CASE WHEN ? = '' THEN issuer ELSE ? END, updated_at = ? "
                                "WHERE patient_id = ? AND (issuer = '' OR ? = '' OR issuer = ?)");
        move->bind(1, s(x.survivingId)).bind(2, s(x.survivingIssuer)).bind(3, s(x.survivingIssuer)).bind(4, nowMs()).bind(5, s(x.priorId));
        move->bind(6, s(x.priorIssuer)).bind(7, s(x.priorIssuer));
        if (Status r = move->run(); !r) return r.error();
        moved += m_db.changes();
        auto merge = m_db.cached("INSERT OR IGNORE INTO merges (prior_id, surviving_id, merged_at) VALUES (?, ?, ?)");
        merge->bind(1, s(x.priorId)).bind(2, s(x.survivingId)).bind(3, nowMs());
        if (Status r = merge->run(); !r) return r.error();
        // What was merged into the prior ID before follows it.
        auto chain = m_db.cached("UPDATE OR IGNORE merges SET surviving_id = ? WHERE surviving_id = ?");
        chain->bind(1, s(x.survivingId)).bind(2, s(x.priorId));
        if (Status r = chain->run(); !r) return r.error();
    }
    if (Status r = insertMessage(m_db, sender, controlId); !r) return r.error();
    if (Status r = tx.commit(); !r) return r.error();
    return moved;
}

Result<int> WorkQueue::updatePatient(const QString& sender, const QString& controlId, const Order& d)
{
    storage::Transaction tx(m_db);
    if (!tx.ok()) return tx.error();
    auto st = m_db.cached("UPDATE orders SET patient_name = ?, birth_date = ?, sex = ?, updated_at = ? "
                          "WHERE patient_id = ? AND (issuer = '' OR ? = '' OR issuer = ?) AND status = 'scheduled'");
    st->bind(1, s(d.patientName)).bind(2, s(d.birthDate)).bind(3, s(d.sex)).bind(4, nowMs()).bind(5, s(d.patientId));
    st->bind(6, s(d.issuer)).bind(7, s(d.issuer));
    if (Status r = st->run(); !r) return r.error();
    const int changed = m_db.changes();
    if (Status r = insertMessage(m_db, sender, controlId); !r) return r.error();
    if (Status r = tx.commit(); !r) return r.error();
    return changed;
}

std::vector<QString> WorkQueue::mergedInto(const QString& patientId)
{
    std::vector<QString> out;
    auto st = m_db.cached("SELECT prior_id FROM merges WHERE surviving_id = ? ORDER BY merged_at");
    st->bind(1, s(patientId));
    while (st->step()) out.push_back(q(st->text(0)));
    return out;
}

std::vector<StoredOrder> WorkQueue::orders(bool openOnly)
{
    std::vector<StoredOrder> out;
    const std::string sql = std::string("SELECT ") + kOrderColumns + " FROM orders" + (openOnly ? " WHERE status = 'scheduled'" : "") +
                            " ORDER BY scheduled_ms IS NULL, scheduled_ms, id";
    auto st = m_db.cached(sql);
    while (st->step()) out.push_back(orderFrom(*st));
    return out;
}

std::optional<StoredOrder> WorkQueue::order(std::int64_t id)
{
    auto st = m_db.cached(std::string("SELECT ") + kOrderColumns + " FROM orders WHERE id = ?");
    st->bind(1, id);
    if (!st->step()) return std::nullopt;
    return orderFrom(*st);
}

std::optional<StoredOrder> WorkQueue::order(const QString& sender, const QString& key)
{
    auto st = m_db.cached(std::string("SELECT ") + kOrderColumns + " FROM orders WHERE sender = ? AND order_key = ?");
    st->bind(1, s(sender)).bind(2, s(key));
    if (!st->step()) return std::nullopt;
    return orderFrom(*st);
}

Status WorkQueue::markPlanned(std::int64_t orderId)
{
    auto st = m_db.cached("UPDATE orders SET planned_at = ? WHERE id = ?");
    st->bind(1, nowMs()).bind(2, orderId);
    return st->run();
}

Result<bool> WorkQueue::addTask(const PrefetchTask& t)
{
    auto st = m_db.cached(
        "INSERT OR IGNORE INTO tasks (order_id, kind, study_uid, archive, reason, rank, state, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    const bool finished = t.state != PrefetchTask::State::Queued;
    st->bind(1, t.orderId).bind(2, s(t.kind)).bind(3, s(t.studyUid)).bind(4, s(t.archive)).bind(5, s(t.reason)).bind(6, t.rank);
    st->bind(7, s(stateName(t.state))).bind(8, finished ? nowMs() : 0);
    if (Status r = st->run(); !r) return r.error();
    return m_db.changes() > 0;
}

std::optional<PrefetchTask> WorkQueue::claimNext()
{
    storage::Transaction tx(m_db);
    if (!tx.ok()) return std::nullopt;
    std::optional<PrefetchTask> task;
    {
        auto st = m_db.cached(std::string("SELECT ") + "t.id, t.order_id, t.kind, t.study_uid, t.archive, t.reason, t.rank, t.state, t.attempts, "
                                                       "t.instances, t.last_error, t.finished_at, t.not_before FROM tasks t JOIN orders o ON o.id = t.order_id "
                                                       "WHERE t.state = 'queued' AND o.status = 'scheduled' AND t.not_before <= ? ORDER BY t.kind = 'current' DESC, o.scheduled_ms IS NULL, "
                                                       "o.scheduled_ms, t.rank, t.id LIMIT 1");
        st->bind(1, nowMs());
        if (st->step()) task = taskFrom(*st);
    }
    if (!task) return std::nullopt;
    const storage::ProcessIdentity& me = storage::ProcessIdentity::self();
    auto claim = m_db.cached("UPDATE tasks SET state = 'running', attempts = attempts + 1, owner_host = ?, owner_pid = ?, owner_start = ?, "
                             "heartbeat_at = ? WHERE id = ? AND state = 'queued'");
    claim->bind(1, me.host).bind(2, me.pid).bind(3, me.start).bind(4, nowMs()).bind(5, task->id);
    if (!claim->run() || m_db.changes() != 1 || !tx.commit()) return std::nullopt;
    task->state = PrefetchTask::State::Running;
    ++task->attempts;
    return task;
}

Status WorkQueue::heartbeat(std::int64_t taskId)
{
    auto st = m_db.cached("UPDATE tasks SET heartbeat_at = ? WHERE id = ?");
    st->bind(1, nowMs()).bind(2, taskId);
    return st->run();
}

Status WorkQueue::finish(std::int64_t taskId, PrefetchTask::State state, const QString& error, int instances)
{
    auto st = m_db.cached("UPDATE tasks SET state = ?, last_error = ?, instances = ?, finished_at = ?, owner_pid = NULL WHERE id = ?");
    st->bind(1, s(stateName(state))).bind(2, s(error)).bind(3, instances).bind(4, state == PrefetchTask::State::Queued ? 0 : nowMs()).bind(5, taskId);
    return st->run();
}

Status WorkQueue::retryLater(std::int64_t taskId, const QString& error, int instances, bool countAttempt)
{
    // 1, 2, 4, 8 minutes... after each failed attempt: an archive that is down is not hammered.
    auto st = m_db.cached("UPDATE tasks SET state = 'queued', last_error = ?, instances = ?, owner_pid = NULL, "
                          "attempts = attempts - ?, not_before = CASE WHEN ? THEN ? + 60000 * (1 << MIN(MAX(attempts - 1, 0), 6)) ELSE 0 END "
                          "WHERE id = ?");
    // A run that was only cancelled costs no attempt and waits for nothing.
    const int uncount = countAttempt ? 0 : 1;
    st->bind(1, s(error)).bind(2, instances).bind(3, uncount).bind(4, countAttempt ? 1 : 0).bind(5, nowMs()).bind(6, taskId);
    return st->run();
}

Status WorkQueue::retryFailed(std::int64_t taskId)
{
    auto st = m_db.cached("UPDATE tasks SET state = 'queued', attempts = 0, not_before = 0, finished_at = 0 WHERE id = ? AND state = 'failed'");
    st->bind(1, taskId);
    if (Status r = st->run(); !r) return r;
    if (m_db.changes() != 1) return makeError("not-failed", "only a failed prefetch can be tried again");
    return Done{};
}

std::vector<PrefetchTask> WorkQueue::tasks(std::int64_t orderId)
{
    std::vector<PrefetchTask> out;
    auto st = m_db.cached(std::string("SELECT ") + kTaskColumns + " FROM tasks WHERE ? = 0 OR order_id = ? ORDER BY order_id, kind = 'current' DESC, rank, id");
    st->bind(1, orderId).bind(2, orderId);
    while (st->step()) out.push_back(taskFrom(*st));
    return out;
}

int WorkQueue::requeueAbandoned()
{
    std::vector<std::int64_t> dead;
    {
        auto st = m_db.cached("SELECT id, owner_host, owner_pid, owner_start, heartbeat_at FROM tasks WHERE state = 'running'");
        while (st->step())
            if (ownerGone(st->text(1), st->integer(2), st->integer(3), st->integer(4))) dead.push_back(st->integer(0));
    }
    int n = 0;
    for (std::int64_t id : dead) {
        auto st = m_db.cached("UPDATE tasks SET state = 'queued', owner_pid = NULL WHERE id = ? AND state = 'running'");
        st->bind(1, id);
        if (st->run()) n += m_db.changes();
    }
    return n;
}

}  // namespace lightbox::app
