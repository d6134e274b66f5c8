// Prefetch rules as JSON (prefetch_rules.h describes the format): read with a clear message for
// each mistake (which rule, which key, what was expected), written back in the current shape.
#include "prefetch_rules.h"

#include "auditor.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace lightbox::app {

namespace {

Error bad(const QString& text) { return makeError("bad-rules", text.toStdString()); }

Result<QTime> timeOfDay(const QJsonValue& v, const QString& where)
{
    const QTime t = QTime::fromString(v.toString(), "HH:mm");
    if (!v.isString() || !t.isValid()) return bad(where + ": \"" + v.toVariant().toString() + "\" is not a time of day (HH:MM, 00:00 to 23:59)");
    return t;
}

// A list of texts, or an error naming the key; absent: empty.
Result<QStringList> strings(const QJsonValue& v, const QString& where)
{
    QStringList out;
    if (v.isUndefined() || v.isNull()) return out;
    if (!v.isArray()) return bad(where + " must be a list of texts");
    for (const QJsonValue& x : v.toArray()) {
        if (!x.isString() || x.toString().trimmed().isEmpty()) return bad(where + " must be a list of texts, none empty");
        out << x.toString().trimmed();
    }
    return out;
}

// A whole number in [lo, hi] under `key`, or `fallback` when the key is absent.
Result<qint64> number(const QJsonObject& o, const char* key, qint64 fallback, qint64 lo, qint64 hi, const QString& where)
{
    const QJsonValue v = o[key];
    if (v.isUndefined()) return fallback;
    const double d = v.toDouble(-1e300);
    if (!v.isDouble() || d != double(qint64(d)) || d < double(lo) || d > double(hi))
        return bad(QString("%1: \"%2\" must be a whole number from %3 to %4").arg(where, key).arg(lo).arg(hi));
    return qint64(d);
}

Result<bool> flag(const QJsonObject& o, const char* key, bool fallback, const QString& where)
{
    const QJsonValue v = o[key];
    if (v.isUndefined()) return fallback;
    if (!v.isBool()) return bad(QString("%1: \"%2\" must be true or false").arg(where, key));
    return v.toBool();
}

Status readMatch(const QJsonObject& o, PrefetchRule& r, const QString& where)
{
    if (o.contains("match") && o.contains("sameModality"))
        return bad(where + ": give either \"match\" or the older \"sameModality\", not both");
    if (!o.contains("match")) {
        auto same = flag(o, "sameModality", true, where);
        if (!same) return same.error();
        r.sameModality = *same;
        return Done{};
    }
    auto criteria = strings(o["match"], where + ": \"match\"");
    if (!criteria) return criteria.error();
    r.sameModality = r.sameBodyPart = r.relatedProcedure = false;
    for (const QString& c : *criteria) {
        if (c == "modality") r.sameModality = true;
        else if (c == "bodyPart") r.sameBodyPart = true;
        else if (c == "procedure") r.relatedProcedure = true;
        else return bad(where + ": \"match\" has \"" + c + "\"; it may list \"modality\", \"bodyPart\" and \"procedure\"");
    }
    return Done{};
}

Status readProcedures(const QJsonObject& o, PrefetchRule& r, const QString& where)
{
    const QJsonValue table = o["relatedProcedures"];
    if (table.isUndefined()) return Done{};
    if (!table.isObject()) return bad(where + ": \"relatedProcedures\" must be an object: {\"CODE\": [\"RELATED CODE\", ...]}");
    const QJsonObject t = table.toObject();
    for (auto it = t.begin(); it != t.end(); ++it) {
        if (it.key().trimmed().isEmpty()) return bad(where + ": \"relatedProcedures\" has an empty procedure code");
        auto codes = strings(it.value(), where + ": \"relatedProcedures\" of \"" + it.key() + "\"");
        if (!codes) return codes.error();
        r.relatedProcedures[it.key().trimmed()] = *codes;
    }
    return Done{};
}

Result<PrefetchRule> readRule(const QJsonObject& o, const QString& where)
{
    PrefetchRule r;
    if (o.contains("name") && (!o["name"].isString() || o["name"].toString().trimmed().isEmpty()))
        return bad(where + ": \"name\" must be a text, not empty");
    r.name = o["name"].toString(where).trimmed();
    const QString named = o.contains("name") ? where + " (" + r.name + ")" : where;
    if (!o["when"].isUndefined() && !o["when"].isObject()) return bad(named + ": \"when\" must be an object");
    auto modalities = strings(o["when"].toObject()["modalities"], named + ": \"when\".\"modalities\"");
    if (!modalities) return modalities.error();
    auto senders = strings(o["when"].toObject()["senders"], named + ": \"when\".\"senders\"");
    if (!senders) return senders.error();
    r.modalities = *modalities;
    r.senders = *senders;
    auto current = flag(o, "current", true, named);
    auto priors = number(o, "priors", 2, 0, 50, named);
    auto age = number(o, "maxAgeYears", 5, 0, 150, named);
    auto lead = number(o, "leadHours", 24, 0, 24 * 365, named);
    auto rate = number(o, "maxBytesPerSecond", 0, 0, qint64(1) << 50, named);
    for (const Error* e : {current ? nullptr : &current.error(), priors ? nullptr : &priors.error(), age ? nullptr : &age.error(),
                           lead ? nullptr : &lead.error(), rate ? nullptr : &rate.error()})
        if (e) return *e;
    r.current = *current;
    r.priors = int(*priors);
    r.maxAgeYears = int(*age);
    r.leadHours = int(*lead);
    r.maxBytesPerSecond = *rate;
    if (Status s = readMatch(o, r, named); !s) return s.error();
    if (Status s = readProcedures(o, r, named); !s) return s.error();
    if (!o["windows"].isUndefined() && !o["windows"].isArray()) return bad(named + ": \"windows\" must be a list of {\"from\": \"HH:MM\", \"to\": \"HH:MM\"}");
    for (const QJsonValue& w : o["windows"].toArray()) {
        auto from = timeOfDay(w.toObject()["from"], named + ": window start");
        if (!from) return from.error();
        auto to = timeOfDay(w.toObject()["to"], named + ": window end");
        if (!to) return to.error();
        if (*from == *to) return bad(named + ": a window from " + w.toObject()["from"].toString() + " to the same time is empty");
        r.windows.push_back({*from, *to});
    }
    return r;
}

}  // namespace

Result<PrefetchRules> PrefetchRules::fromJson(const QJsonObject& json)
{
    if (json["version"].toInt(1) != 1) return makeError("bad-rules", "unknown prefetch rules version " + std::to_string(json["version"].toInt()));
    if (!json["rules"].isArray()) return makeError("bad-rules", "no \"rules\" list");
    PrefetchRules out;
    int i = 0;
    for (const QJsonValue& v : json["rules"].toArray()) {
        const QString where = QString("rule %1").arg(++i);
        if (!v.isObject()) return bad(where + " is not an object");
        auto rule = readRule(v.toObject(), where);
        if (!rule) return rule.error();
        out.rules.push_back(std::move(*rule));
    }
    return out;
}

QJsonObject PrefetchRules::toJson() const
{
    QJsonArray list;
    for (const PrefetchRule& r : rules) {
        QJsonArray windows;
        for (const TimeWindow& w : r.windows) windows.append(QJsonObject{{"from", w.from.toString("HH:mm")}, {"to", w.to.toString("HH:mm")}});
        QJsonArray match;
        if (r.sameModality) match.append("modality");
        if (r.sameBodyPart) match.append("bodyPart");
        if (r.relatedProcedure) match.append("procedure");
        QJsonObject related;
        for (const auto& [code, codes] : r.relatedProcedures) related[code] = QJsonArray::fromStringList(codes);
        list.append(QJsonObject{{"name", r.name},
                                {"when", QJsonObject{{"modalities", QJsonArray::fromStringList(r.modalities)}, {"senders", QJsonArray::fromStringList(r.senders)}}},
                                {"current", r.current},
                                {"priors", r.priors},
                                {"maxAgeYears", r.maxAgeYears},
                                {"match", match},
                                {"relatedProcedures", related},
                                {"leadHours", r.leadHours},
                                {"windows", windows},
                                {"maxBytesPerSecond", double(r.maxBytesPerSecond)}});
    }
    return QJsonObject{{"version", 1}, {"rules", list}};
}

Result<PrefetchRules> PrefetchRules::parse(const QByteArray& text, const QString& where)
{
    QJsonParseError e{};
    const QJsonDocument doc = QJsonDocument::fromJson(text, &e);
    if (e.error != QJsonParseError::NoError)
        return makeError("bad-rules", (where + ": not JSON at offset " + QString::number(e.offset) + ": " + e.errorString()).toStdString());
    if (!doc.isObject()) return makeError("bad-rules", (where + ": not a JSON object").toStdString());
    auto rules = fromJson(doc.object());
    if (!rules) return makeError(rules.error().code, where.toStdString() + ": " + rules.error().message);
    return rules;
}

Status PrefetchRules::save(const QString& path) const
{
    const auto auditor = security::currentAuditor();
    if (auditor)
        if (Status allowed = auditor->require(security::Permission::Configure, "change the prefetch rules"); !allowed) return allowed;
    // What is written must read back as these rules.
    const QByteArray text = QJsonDocument(toJson()).toJson(QJsonDocument::Indented);
    Status saved = Done{};
    if (auto again = parse(text, path); !again) saved = again.error();
    QSaveFile f(path);
    if (saved) {
        const QString folder = QFileInfo(path).absolutePath();
        if (!QFileInfo::exists(folder) && QDir().mkpath(folder))
            QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        if (!f.open(QIODevice::WriteOnly) || !f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) || f.write(text) != text.size() ||
            !f.commit())
            saved = makeError("unwritable", ("cannot write " + path + ": " + f.errorString()).toStdString());
    }
    if (auditor) auditor->securityAlert(security::alert::softwareConfiguration, "prefetch rules saved to " + path.toStdString(), saved);
    return saved;
}

Result<PrefetchRules> PrefetchRules::load(const QString& path)
{
    QFile f(path);
    if (!f.exists()) return shippedDefault();
    if (!f.open(QIODevice::ReadOnly)) return makeError("unreadable", ("cannot read " + path).toStdString());
    return parse(f.readAll(), path);
}

}  // namespace lightbox::app
