#include "outbox.h"

#include "durable_file.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace lightbox::app {

namespace {

constexpr int kMaxRefusals = 5;

std::int64_t nowMs() { return std::int64_t(QDateTime::currentMSecsSinceEpoch()); }
std::string s(const QString& q) { return q.toStdString(); }
QString q(const std::string& s) { return QString::fromStdString(s); }

OutboxItem::State stateFrom(const std::string& name)
{
    if (name == "sending") return OutboxItem::State::Sending;
    if (name == "sent") return OutboxItem::State::Sent;
    if (name == "failed") return OutboxItem::State::Failed;
    if (name == "cancelled") return OutboxItem::State::Cancelled;
    return OutboxItem::State::Queued;
}

constexpr const char* kColumns = "id, sop_uid, study_uid, series_uid, file, archive, origin, method, state, attempts, checks, not_before, last_try, "
                                 "created_at, done_at, last_error, note";

OutboxItem itemFrom(storage::Statement& st)
{
    OutboxItem i;
    i.id = st.integer(0);
    i.sopUid = q(st.text(1));
    i.studyUid = q(st.text(2));
    i.seriesUid = q(st.text(3));
    i.file = q(st.text(4));
    i.archive = q(st.text(5));
    i.origin = q(st.text(6));
    i.stow = st.text(7) == "stow";
    i.state = stateFrom(st.text(8));
    i.attempts = int(st.integer(9));
    i.check = st.integer(10) != 0;
    i.notBefore = st.integer(11);
    i.lastTry = st.integer(12);
    i.createdAt = st.integer(13);
    i.doneAt = st.integer(14);
    i.lastError = q(st.text(15));
    i.note = q(st.text(16));
    return i;
}

constexpr const char* kSchema = R"SQL(
CREATE TABLE items (
  id INTEGER PRIMARY KEY, sop_uid TEXT NOT NULL, study_uid TEXT NOT NULL, series_uid TEXT NOT NULL, file TEXT NOT NULL,
  archive TEXT NOT NULL, origin TEXT NOT NULL, method TEXT NOT NULL CHECK (method IN ('store', 'stow')),
  state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0, refusals INTEGER NOT NULL DEFAULT 0, checks INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL DEFAULT 0, last_try INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, done_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '', owner_host TEXT, owner_pid INTEGER, owner_start INTEGER);
CREATE UNIQUE INDEX items_waiting ON items (sop_uid, archive) WHERE state IN ('queued', 'sending');
CREATE INDEX items_due ON items (state, not_before);
CREATE TABLE contacts (archive TEXT PRIMARY KEY, last_reached INTEGER NOT NULL DEFAULT 0, last_failure INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '');
)SQL";

}  // namespace

QString stateName(OutboxItem::State s)
{
    switch (s) {
    case OutboxItem::State::Queued: return "queued";
    case OutboxItem::State::Sending: return "sending";
    case OutboxItem::State::Sent: return "sent";
    case OutboxItem::State::Failed: return "failed";
    case OutboxItem::State::Cancelled: return "cancelled";
    }
    return {};
}

QString outboxSpool(const QString& cacheDir) { return QDir(cacheDir).absolutePath() + "/outbox-spool"; }

void Outbox::dropSpooled(std::int64_t id)
{
    auto st = m_db.cached("SELECT file FROM items WHERE id = ?");
    st->bind(1, id);
    if (!st->step()) return;
    const QString file = q(st->text(0));
    if (QFileInfo(file).absolutePath() == m_spool) QFile::remove(file);
}

Result<std::unique_ptr<Outbox>> Outbox::open(const QString& cacheDir)
{
    auto db = openDurableFile(cacheDir, "outbox.sqlite", {kSchema});
    if (!db) return db.error();
    std::unique_ptr<Outbox> box(new Outbox(std::move(*db), outboxSpool(cacheDir)));
    return box;
}

Result<int> Outbox::add(const std::vector<OutboxItem>& items)
{
    storage::Transaction tx(m_db);
    if (!tx.ok()) return tx.error();
    int added = 0;
    const std::int64_t t = nowMs();
    for (const OutboxItem& i : items) {
        auto st = m_db.cached("INSERT OR IGNORE INTO items (sop_uid, study_uid, series_uid, file, archive, origin, method, state, created_at) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?)");
        st->bind(1, s(i.sopUid)).bind(2, s(i.studyUid)).bind(3, s(i.seriesUid)).bind(4, s(i.file)).bind(5, s(i.archive)).bind(6, s(i.origin));
        st->bind(7, i.stow ? "stow" : "store").bind(8, t);
        if (Status r = st->run(); !r) return r.error();
        added += m_db.changes();
    }
    if (Status r = tx.commit(); !r) return r.error();
    return added;
}

std::optional<OutboxItem> Outbox::claimNext(const QString& archive, const storage::ProcessIdentity& owner)
{
    storage::Transaction tx(m_db);
    if (!tx.ok()) return std::nullopt;
    std::optional<OutboxItem> item;
    {
        auto st = m_db.cached(std::string("SELECT ") + kColumns +
                              " FROM items WHERE state = 'queued' AND not_before <= ? AND (? = '' OR archive = ?) ORDER BY id LIMIT 1");
        st->bind(1, nowMs()).bind(2, s(archive)).bind(3, s(archive));
        if (st->step()) item = itemFrom(*st);
    }
    if (!item) return std::nullopt;
    auto claim = m_db.cached("UPDATE items SET state = 'sending', owner_host = ?, owner_pid = ?, owner_start = ?, last_try = ? "
                             "WHERE id = ? AND state = 'queued'");
    claim->bind(1, owner.host).bind(2, owner.pid).bind(3, owner.start).bind(4, nowMs()).bind(5, item->id);
    // Committed (on the disk) before anything is sent: a process killed from here on leaves the
    // item "sending", and whoever takes it up asks the archive first.
    if (!claim->run() || m_db.changes() != 1 || !tx.commit()) return std::nullopt;
    item->state = OutboxItem::State::Sending;
    return item;
}

Status Outbox::markSent(std::int64_t id, const QString& note)
{
    auto st = m_db.cached("UPDATE items SET state = 'sent', checks = 0, done_at = ?, note = ?, last_error = '', owner_pid = NULL WHERE id = ?");
    st->bind(1, nowMs()).bind(2, s(note)).bind(3, id);
    if (Status r = st->run(); !r) return r;
    dropSpooled(id);
    return Done{};
}

Status Outbox::release(std::int64_t id)
{
    auto st = m_db.cached("UPDATE items SET state = 'queued', owner_pid = NULL WHERE id = ? AND state = 'sending'");
    st->bind(1, id);
    return st->run();
}

Status Outbox::retryLater(std::int64_t id, Attempt what, const QString& error)
{
    storage::Transaction tx(m_db);
    if (!tx.ok()) return tx.error();
    const std::int64_t t = nowMs();
    // 30 s, 1, 2, 4... minutes by the attempts made (this one included), 32 min at most. An item
    // the archive refused kMaxRefusals times is left failed.
    auto st = m_db.cached(
        "UPDATE items SET attempts = attempts + 1, refusals = refusals + ?, checks = MAX(checks, ?), last_error = ?, owner_pid = NULL, "
        "last_try = ?4, not_before = ?4 + 30000 * (1 << MIN(attempts, 6)), "
        "state = CASE WHEN refusals + ? >= ? THEN 'failed' ELSE 'queued' END, done_at = CASE WHEN refusals + ? >= ? THEN ? ELSE 0 END WHERE id = ?");
    const int refused = what == Attempt::Refused ? 1 : 0;
    st->bind(1, refused).bind(2, what == Attempt::Unknown ? 1 : 0).bind(3, s(error)).bind(4, t);
    st->bind(5, refused).bind(6, kMaxRefusals).bind(7, refused).bind(8, kMaxRefusals).bind(9, t).bind(10, id);
    if (Status r = st->run(); !r) return r;
    if (what != Attempt::Refused) {
        // Nobody answers (or the connection broke): the archive's other items wait as long.
        auto all = m_db.cached("UPDATE items SET not_before = MAX(not_before, (SELECT not_before FROM items WHERE id = ?)) "
                               "WHERE state = 'queued' AND archive = (SELECT archive FROM items WHERE id = ?)");
        all->bind(1, id).bind(2, id);
        if (Status r = all->run(); !r) return r;
    }
    return tx.commit();
}

Status Outbox::markFailed(std::int64_t id, const QString& error)
{
    auto st = m_db.cached("UPDATE items SET state = 'failed', last_error = ?, done_at = ?, owner_pid = NULL WHERE id = ?");
    st->bind(1, s(error)).bind(2, nowMs()).bind(3, id);
    return st->run();
}

int Outbox::requeueAbandoned()
{
    std::vector<std::int64_t> dead;
    {
        // An item sends in seconds: for another machine's process, its claim is its last sign of life.
        auto st = m_db.cached("SELECT id, owner_host, owner_pid, owner_start, last_try FROM items WHERE state = 'sending'");
        while (st->step())
            if (ownerGone(st->text(1), st->integer(2), st->integer(3), st->integer(4))) dead.push_back(st->integer(0));
    }
    int n = 0;
    for (std::int64_t id : dead) {
        // Whether the archive got it is unknown: it is asked before the item is sent again, and
        // not before 30 s after the claim (an archive may still be storing what it received).
        auto st = m_db.cached("UPDATE items SET state = 'queued', checks = 1, owner_pid = NULL, not_before = MAX(not_before, last_try + 30000), "
                              "last_error = 'the sending process ended before the archive answered' WHERE id = ? AND state = 'sending'");
        st->bind(1, id);
        if (st->run()) n += m_db.changes();
    }
    return n;
}

std::vector<OutboxItem> Outbox::items(bool all)
{
    std::vector<OutboxItem> out;
    auto st = m_db.cached(std::string("SELECT ") + kColumns + " FROM items" + (all ? "" : " WHERE state IN ('queued', 'sending', 'failed')") + " ORDER BY id");
    while (st->step()) out.push_back(itemFrom(*st));
    return out;
}

Result<int> Outbox::retryNow(std::int64_t id)
{
    requeueAbandoned();
    // A failed item starts afresh; an instance waiting again under another item stays as it is.
    auto st = m_db.cached("UPDATE OR IGNORE items SET state = 'queued', not_before = 0, refusals = 0, done_at = 0 "
                          "WHERE state IN ('queued', 'failed') AND (? = 0 OR id = ?)");
    st->bind(1, id).bind(2, id);
    if (Status r = st->run(); !r) return r.error();
    const int n = m_db.changes();
    if (id != 0 && n == 0) return makeError("outbox", "no queued or failed item " + std::to_string(id) + " in the outbox");
    return n;
}

Status Outbox::cancel(std::int64_t id)
{
    requeueAbandoned();
    auto st = m_db.cached("UPDATE items SET state = 'cancelled', done_at = ?, note = 'cancelled', owner_pid = NULL "
                          "WHERE id = ? AND state IN ('queued', 'failed')");
    st->bind(1, nowMs()).bind(2, id);
    if (Status r = st->run(); !r) return r;
    if (m_db.changes() == 0) return makeError("outbox", "no waiting item " + std::to_string(id) + " in the outbox (one being sent now cannot be cancelled)");
    dropSpooled(id);
    return Done{};
}

Status Outbox::recordContact(const QString& archive, bool reached, const QString& error)
{
    auto st = m_db.cached(reached ? "INSERT INTO contacts (archive, last_reached) VALUES (?, ?) ON CONFLICT (archive) DO UPDATE SET last_reached = excluded.last_reached"
                                  : "INSERT INTO contacts (archive, last_failure, last_error) VALUES (?, ?, ?) "
                                    "ON CONFLICT (archive) DO UPDATE SET last_failure = excluded.last_failure, last_error = excluded.last_error");
    st->bind(1, s(archive)).bind(2, nowMs());
    if (!reached) st->bind(3, s(error));
    return st->run();
}

std::vector<ArchiveContact> Outbox::contacts()
{
    std::vector<ArchiveContact> out;
    auto st = m_db.cached("SELECT archive, last_reached, last_failure, last_error FROM contacts ORDER BY archive");
    while (st->step()) out.push_back({q(st->text(0)), st->integer(1), st->integer(2), q(st->text(3))});
    return out;
}

}  // namespace lightbox::app
