#include "prefetch_rules.h"

#include "app_config.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

namespace lightbox::app {

QString statusName(Order::Status s)
{
    switch (s) {
    case Order::Status::Scheduled: return "scheduled";
    case Order::Status::Performed: return "performed";
    case Order::Status::Cancelled: return "cancelled";
    }
    return {};
}

bool TimeWindow::contains(const QTime& t) const
{
    if (from <= to) return t >= from && t < to;
    return t >= from || t < to;  // across midnight
}

bool PrefetchRule::appliesTo(const Order& order) const
{
    const auto among = [](const QStringList& list, const QString& v) { return list.isEmpty() || list.contains(v, Qt::CaseInsensitive); };
    return among(modalities, order.modality) && among(senders, order.sender);
}

bool PrefetchRule::mayRunAt(const QDateTime& now, const QDateTime& scheduled) const
{
    if (scheduled.isValid() && now < scheduled.addSecs(-qint64(leadHours) * 3600)) return false;
    if (windows.empty()) return true;
    return std::any_of(windows.begin(), windows.end(), [&](const TimeWindow& w) { return w.contains(now.time()); });
}

PrefetchRules PrefetchRules::shippedDefault()
{
    PrefetchRules r;
    r.rules.push_back(PrefetchRule{});
    return r;
}

QString PrefetchRules::defaultPath() { return QFileInfo(AppConfig::resolvePath({})).absolutePath() + "/prefetch.json"; }

namespace {

Result<QTime> timeOfDay(const QJsonValue& v, const QString& where)
{
    const QTime t = QTime::fromString(v.toString(), "HH:mm");
    if (!t.isValid()) return makeError("bad-rules", (where + ": \"" + v.toString() + "\" is not a time of day (HH:MM)").toStdString());
    return t;
}

QStringList strings(const QJsonValue& v)
{
    QStringList out;
    for (const QJsonValue& x : v.toArray()) out << x.toString();
    return out;
}

}  // namespace

Result<PrefetchRules> PrefetchRules::fromJson(const QJsonObject& json)
{
    if (json["version"].toInt(1) != 1) return makeError("bad-rules", "unknown prefetch rules version " + std::to_string(json["version"].toInt()));
    if (!json["rules"].isArray()) return makeError("bad-rules", "no \"rules\" list");
    PrefetchRules out;
    int i = 0;
    for (const QJsonValue& v : json["rules"].toArray()) {
        const QJsonObject o = v.toObject();
        const QString where = QString("rule %1").arg(++i);
        PrefetchRule r;
        r.name = o["name"].toString(where);
        r.modalities = strings(o["when"].toObject()["modalities"]);
        r.senders = strings(o["when"].toObject()["senders"]);
        r.current = o["current"].toBool(true);
        r.priors = o["priors"].toInt(2);
        r.maxAgeYears = o["maxAgeYears"].toInt(5);
        r.sameModality = o["sameModality"].toBool(true);
        r.leadHours = o["leadHours"].toInt(24);
        r.maxBytesPerSecond = qint64(o["maxBytesPerSecond"].toDouble(0));
        if (r.priors < 0 || r.priors > 50) return makeError("bad-rules", (where + ": priors must be 0 to 50").toStdString());
        if (r.maxAgeYears < 0 || r.leadHours < 0 || r.maxBytesPerSecond < 0)
            return makeError("bad-rules", (where + ": maxAgeYears, leadHours and maxBytesPerSecond cannot be negative").toStdString());
        for (const QJsonValue& w : o["windows"].toArray()) {
            auto from = timeOfDay(w.toObject()["from"], where);
            if (!from) return from.error();
            auto to = timeOfDay(w.toObject()["to"], where);
            if (!to) return to.error();
            r.windows.push_back({*from, *to});
        }
        out.rules.push_back(r);
    }
    return out;
}

QJsonObject PrefetchRules::toJson() const
{
    QJsonArray list;
    for (const PrefetchRule& r : rules) {
        QJsonArray windows;
        for (const TimeWindow& w : r.windows) windows.append(QJsonObject{{"from", w.from.toString("HH:mm")}, {"to", w.to.toString("HH:mm")}});
        list.append(QJsonObject{{"name", r.name},
                                {"when", QJsonObject{{"modalities", QJsonArray::fromStringList(r.modalities)}, {"senders", QJsonArray::fromStringList(r.senders)}}},
                                {"current", r.current},
                                {"priors", r.priors},
                                {"maxAgeYears", r.maxAgeYears},
                                {"sameModality", r.sameModality},
                                {"leadHours", r.leadHours},
                                {"windows", windows},
                                {"maxBytesPerSecond", double(r.maxBytesPerSecond)}});
    }
    return QJsonObject{{"version", 1}, {"rules", list}};
}

Result<PrefetchRules> PrefetchRules::load(const QString& path)
{
    QFile f(path);
    if (!f.exists()) return shippedDefault();
    if (!f.open(QIODevice::ReadOnly)) return makeError("unreadable", ("cannot read " + path).toStdString());
    QJsonParseError e{};
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &e);
    if (e.error != QJsonParseError::NoError)
        return makeError("bad-rules", (path + ": not JSON at offset " + QString::number(e.offset) + ": " + e.errorString()).toStdString());
    auto rules = fromJson(doc.object());
    if (!rules) return makeError(rules.error().code, path.toStdString() + ": " + rules.error().message);
    return rules;
}

const PrefetchRule* PrefetchRules::ruleFor(const Order& order) const
{
    for (const PrefetchRule& r : rules)
        if (r.appliesTo(order)) return &r;
    return nullptr;
}

namespace {

bool samePatient(const Order& order, const storage::StudyRow& row)
{
    if (row.patientId != order.patientId.toStdString()) return false;
    const std::string birth = order.birthDate.toStdString();
    return birth.empty() || row.patientBirthDate.empty() || birth == row.patientBirthDate;
}

bool complete(const RemoteStudy& s) { return s.row.instanceCount > 0 && s.cachedInstances >= s.row.instanceCount; }

QString shownDate(const std::string& yyyymmdd)
{
    const QDate d = QDate::fromString(QString::fromStdString(yyyymmdd), "yyyyMMdd");
    return d.isValid() ? d.toString(Qt::ISODate) : QString("no date");
}

}  // namespace

std::vector<PrefetchChoice> choosePrefetch(const Order& order, const PrefetchRule& rule, const std::vector<RemoteStudy>& candidates)
{
    std::vector<PrefetchChoice> out;
    const std::string ownUid = order.studyUid.toStdString(), accession = order.accession.toStdString();
    const auto isCurrent = [&](const storage::StudyRow& r) {
        return (!ownUid.empty() && r.studyUid == ownUid) || (ownUid.empty() && !accession.empty() && r.accession == accession);
    };
    if (rule.current)
        for (const RemoteStudy& s : candidates)
            if (isCurrent(s.row) && samePatient(order, s.row)) {
                out.push_back({s.row.studyUid, PrefetchChoice::Kind::Current, 0, complete(s), "current study"});
                break;
            }
    // Earlier than the order (its schedule, or now), within the age window, most recent first.
    const QDate before = (order.scheduled.isValid() ? order.scheduled : QDateTime::currentDateTime()).date();
    const QDate oldest = before.addYears(-rule.maxAgeYears);
    std::vector<const RemoteStudy*> priors;
    for (const RemoteStudy& s : candidates) {
        if (isCurrent(s.row) || !samePatient(order, s.row)) continue;
        const QDate date = QDate::fromString(QString::fromStdString(s.row.studyDate), "yyyyMMdd");
        if (!date.isValid() || date >= before || date < oldest) continue;
        if (rule.sameModality && !order.modality.isEmpty() &&
            std::find(s.row.modalities.begin(), s.row.modalities.end(), order.modality.toStdString()) == s.row.modalities.end())
            continue;
        priors.push_back(&s);
    }
    std::stable_sort(priors.begin(), priors.end(), [](const RemoteStudy* a, const RemoteStudy* b) {
        return std::tie(a->row.studyDate, a->row.studyTime) > std::tie(b->row.studyDate, b->row.studyTime);
    });
    const int n = std::min<int>(rule.priors, int(priors.size()));
    for (int i = 0; i < n; ++i) {
        const storage::StudyRow& r = priors[std::size_t(i)]->row;
        QString modalities;
        for (const std::string& m : r.modalities) modalities += (modalities.isEmpty() ? "" : "/") + QString::fromStdString(m);
        out.push_back({r.studyUid, PrefetchChoice::Kind::Prior, i + 1, complete(*priors[std::size_t(i)]),
                       QString("prior %1 of %2: %3 %4").arg(i + 1).arg(rule.priors).arg(modalities, shownDate(r.studyDate)).toStdString()});
    }
    return out;
}

}  // namespace lightbox::app
