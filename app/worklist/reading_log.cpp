#include "reading_log.h"

#include <QDateTime>

namespace lightbox::app {

namespace {

std::int64_t nowOr(std::int64_t atMs) { return atMs > 0 ? atMs : std::int64_t(QDateTime::currentMSecsSinceEpoch()); }
std::string s(const QString& q) { return q.toStdString(); }
QString q(const std::string& s) { return QString::fromStdString(s); }

constexpr const char* kColumns = "item_key, study_uid, state, user, at, assigned_to, first_opened_at";

ReadingRecord recordFrom(storage::Statement& st)
{
    ReadingRecord r;
    r.itemKey = q(st.text(0));
    r.studyUid = q(st.text(1));
    r.state = readingStateFrom(q(st.text(2))).value_or(ReadingState::None);
    r.user = q(st.text(3));
    r.at = st.integer(4);
    r.assignedTo = q(st.text(5));
    r.firstOpenedAt = st.integer(6);
    return r;
}

Status addEvent(storage::Database& db, const QString& itemKey, const QString& studyUid, const QString& event, const QString& user, std::int64_t at)
{
    auto st = db.cached("INSERT INTO reading_events (item_key, study_uid, event, user, at) VALUES (?, ?, ?, ?, ?)");
    st->bind(1, s(itemKey)).bind(2, s(studyUid)).bind(3, s(event)).bind(4, s(user)).bind(5, at);
    return st->run();
}

// The item's row, made when it has none yet (the study UID kept up to date when one is known).
Status ensureRow(storage::Database& db, const QString& itemKey, const QString& studyUid)
{
    auto st = db.cached("INSERT INTO readings (item_key, study_uid) VALUES (?, ?) "
                        "ON CONFLICT (item_key) DO UPDATE SET study_uid = COALESCE(NULLIF(excluded.study_uid, ''), study_uid)");
    st->bind(1, s(itemKey)).bind(2, s(studyUid));
    return st->run();
}

}  // namespace

QString readingStateName(ReadingState s)
{
    switch (s) {
    case ReadingState::None: return {};
    case ReadingState::InProgress: return "in progress";
    case ReadingState::Read: return "read";
    case ReadingState::Reported: return "reported";
    }
    return {};
}

std::optional<ReadingState> readingStateFrom(const QString& name)
{
    for (ReadingState s : {ReadingState::None, ReadingState::InProgress, ReadingState::Read, ReadingState::Reported})
        if (readingStateName(s) == name) return s;
    return std::nullopt;
}

QString orderItemKey(std::int64_t orderId) { return "order:" + QString::number(orderId); }
QString studyItemKey(const QString& studyUid) { return "study:" + studyUid; }

std::map<QString, ReadingRecord> ReadingLog::records()
{
    std::map<QString, ReadingRecord> out;
    auto st = m_queue.database().cached(std::string("SELECT ") + kColumns + " FROM readings");
    while (st->step()) {
        ReadingRecord r = recordFrom(*st);
        out.emplace(r.itemKey, std::move(r));
    }
    return out;
}

std::optional<ReadingRecord> ReadingLog::record(const QString& itemKey)
{
    auto st = m_queue.database().cached(std::string("SELECT ") + kColumns + " FROM readings WHERE item_key = ?");
    st->bind(1, s(itemKey));
    if (!st->step()) return std::nullopt;
    return recordFrom(*st);
}

Status ReadingLog::setState(const QString& itemKey, const QString& studyUid, ReadingState state, const QString& user, std::int64_t atMs)
{
    storage::Database& db = m_queue.database();
    const std::int64_t at = nowOr(atMs);
    storage::Transaction tx(db);
    if (!tx.ok()) return tx.error();
    if (Status st = ensureRow(db, itemKey, studyUid); !st) return st;
    auto st = db.cached("UPDATE readings SET state = ?, user = ?, at = ?, "
                        "first_opened_at = CASE WHEN first_opened_at = 0 AND ? = 'in progress' THEN ? ELSE first_opened_at END WHERE item_key = ?");
    const std::string name = s(readingStateName(state));
    st->bind(1, name).bind(2, s(user)).bind(3, at).bind(4, name).bind(5, at).bind(6, s(itemKey));
    if (Status r = st->run(); !r) return r;
    const QString event = state == ReadingState::None ? QStringLiteral("reopened") : readingStateName(state);
    if (Status r = addEvent(db, itemKey, studyUid, event, user, at); !r) return r;
    return tx.commit();
}

Result<bool> ReadingLog::claim(const QString& itemKey, const QString& studyUid, const QString& user)
{
    storage::Database& db = m_queue.database();
    // BEGIN IMMEDIATE: the check and the write are one step for every process sharing the file.
    storage::Transaction tx(db);
    if (!tx.ok()) return tx.error();
    {
        // The item, and its study as an item of its own (read before its order came).
        auto check = db.cached("SELECT state, user FROM readings WHERE item_key IN (?, ?)");
        check->bind(1, s(itemKey)).bind(2, s(studyUid.isEmpty() ? itemKey : studyItemKey(studyUid)));
        while (check->step()) {
            const QString state = q(check->text(0)), holder = q(check->text(1));
            if (state == "read" || state == "reported" || (state == "in progress" && holder != user)) return false;
        }
    }
    const std::int64_t at = nowOr(0);
    if (Status st = ensureRow(db, itemKey, studyUid); !st) return st.error();
    auto st = db.cached("UPDATE readings SET state = 'in progress', user = ?, at = ?, "
                        "first_opened_at = CASE WHEN first_opened_at = 0 THEN ? ELSE first_opened_at END WHERE item_key = ?");
    st->bind(1, s(user)).bind(2, at).bind(3, at).bind(4, s(itemKey));
    if (Status r = st->run(); !r) return r.error();
    if (Status r = addEvent(db, itemKey, studyUid, "in progress", user, at); !r) return r.error();
    if (Status r = tx.commit(); !r) return r.error();
    return true;
}

Status ReadingLog::assign(const QString& itemKey, const QString& studyUid, const QString& user, const QString& by, std::int64_t atMs)
{
    storage::Database& db = m_queue.database();
    const std::int64_t at = nowOr(atMs);
    storage::Transaction tx(db);
    if (!tx.ok()) return tx.error();
    if (Status st = ensureRow(db, itemKey, studyUid); !st) return st;
    auto st = db.cached("UPDATE readings SET assigned_to = ? WHERE item_key = ?");
    st->bind(1, s(user)).bind(2, s(itemKey));
    if (Status r = st->run(); !r) return r;
    // The event names the assignee; who assigned is in the audit trail's record of the command.
    if (Status r = addEvent(db, itemKey, studyUid, user.isEmpty() ? "unassigned" : "assigned", user.isEmpty() ? by : user, at); !r) return r;
    return tx.commit();
}

std::vector<ReadingEvent> ReadingLog::events(std::int64_t sinceMs)
{
    std::vector<ReadingEvent> out;
    auto st = m_queue.database().cached("SELECT item_key, study_uid, event, user, at FROM reading_events WHERE at >= ? ORDER BY at, id");
    st->bind(1, sinceMs);
    while (st->step()) out.push_back({q(st->text(0)), q(st->text(1)), q(st->text(2)), q(st->text(3)), st->integer(4)});
    return out;
}

}  // namespace lightbox::app
