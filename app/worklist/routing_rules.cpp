#include "routing_rules.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>

#include <algorithm>
#include <map>

namespace lightbox::app {

namespace {

// The storage SOP classes a rule is most likely to name, by their PS3.6 keywords.
const std::map<QString, QString>& sopClassKeywords()
{
    static const std::map<QString, QString> k = {
        {"ComputedRadiographyImageStorage", "1.2.840.10008.5.1.4.1.1.1"},
        {"DigitalXRayImageStorageForPresentation", "1.2.840.10008.5.1.4.1.1.1.1"},
        {"DigitalMammographyXRayImageStorageForPresentation", "1.2.840.10008.5.1.4.1.1.1.2"},
        {"CTImageStorage", "1.2.840.10008.5.1.4.1.1.2"},
        {"EnhancedCTImageStorage", "1.2.840.10008.5.1.4.1.1.2.1"},
        {"UltrasoundMultiFrameImageStorage", "1.2.840.10008.5.1.4.1.1.3.1"},
        {"MRImageStorage", "1.2.840.10008.5.1.4.1.1.4"},
        {"EnhancedMRImageStorage", "1.2.840.10008.5.1.4.1.1.4.1"},
        {"UltrasoundImageStorage", "1.2.840.10008.5.1.4.1.1.6.1"},
        {"SecondaryCaptureImageStorage", "1.2.840.10008.5.1.4.1.1.7"},
        {"GrayscaleSoftcopyPresentationStateStorage", "1.2.840.10008.5.1.4.1.1.11.1"},
        {"XRayAngiographicImageStorage", "1.2.840.10008.5.1.4.1.1.12.1"},
        {"NuclearMedicineImageStorage", "1.2.840.10008.5.1.4.1.1.20"},
        {"SegmentationStorage", "1.2.840.10008.5.1.4.1.1.66.4"},
        {"BasicTextSRStorage", "1.2.840.10008.5.1.4.1.1.88.11"},
        {"EnhancedSRStorage", "1.2.840.10008.5.1.4.1.1.88.22"},
        {"ComprehensiveSRStorage", "1.2.840.10008.5.1.4.1.1.88.33"},
        {"KeyObjectSelectionDocumentStorage", "1.2.840.10008.5.1.4.1.1.88.59"},
        {"EncapsulatedPDFStorage", "1.2.840.10008.5.1.4.1.1.104.1"},
        {"PositronEmissionTomographyImageStorage", "1.2.840.10008.5.1.4.1.1.128"},
    };
    return k;
}

bool isUid(const QString& s)
{
    static const QRegularExpression grammar("^(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))+$");
    return s.size() <= 64 && grammar.match(s).hasMatch();
}

Error bad(const QString& what) { return makeError("bad-rules", what.toStdString()); }

// A list of strings under `key` of `o` (absent: empty); an error when it is anything else.
Result<QStringList> stringList(const QJsonObject& o, const QString& key, const QString& where)
{
    QStringList out;
    if (!o.contains(key)) return out;
    if (!o[key].isArray()) return bad(where + ": \"" + key + "\" must be a list of strings");
    for (const QJsonValue& v : o[key].toArray()) {
        if (!v.isString() || v.toString().trimmed().isEmpty()) return bad(where + ": \"" + key + "\" must be a list of non-empty strings");
        out << v.toString().trimmed();
    }
    return out;
}

Status onlyKeys(const QJsonObject& o, const QStringList& known, const QString& where)
{
    for (const QString& k : o.keys())
        if (!known.contains(k)) return bad(where + ": unknown key \"" + k + "\" (known: " + known.join(", ") + ")");
    return Done{};
}

bool among(const QStringList& list, const QString& value)
{
    return list.isEmpty() || list.contains(value.trimmed(), Qt::CaseInsensitive);
}

Result<RoutingRule> ruleFrom(const QJsonValue& v, const QString& where)
{
    if (!v.isObject()) return bad(where + ": a rule must be an object");
    const QJsonObject o = v.toObject();
    if (Status s = onlyKeys(o, {"name", "when", "to", "anonymize"}, where); !s) return s.error();
    RoutingRule r;
    r.name = o["name"].toString().trimmed();
    if (r.name.isEmpty()) return bad(where + ": no \"name\"");
    const QString at = where + " (" + r.name + ")";
    if (o.contains("when") && !o["when"].isObject()) return bad(at + ": \"when\" must be an object");
    const QJsonObject when = o["when"].toObject();
    if (Status s = onlyKeys(when, {"modalities", "callingAEs", "sopClasses", "bodyParts", "origins"}, at + " when"); !s) return s.error();
    const std::vector<std::pair<QString, QStringList*>> lists = {
        {"modalities", &r.modalities}, {"callingAEs", &r.callingAes}, {"sopClasses", &r.sopClasses}, {"bodyParts", &r.bodyParts}, {"origins", &r.origins}};
    for (const auto& [key, list] : lists) {
        auto l = stringList(when, key, at);
        if (!l) return l.error();
        *list = *l;
    }
    for (QString& c : r.sopClasses) {
        const QString uid = sopClassUidFrom(c);
        if (uid.isEmpty()) return bad(at + ": \"" + c + "\" is neither a SOP Class UID nor a known SOP class keyword (e.g. CTImageStorage)");
        c = uid;
    }
    for (QString& origin : r.origins) {
        origin = origin.toLower();
        if (origin != "received" && origin != "created") return bad(at + ": origin \"" + origin + "\" is neither received nor created");
    }
    auto to = stringList(o, "to", at);
    if (!to) return to.error();
    r.to = *to;
    if (r.to.isEmpty()) return bad(at + ": \"to\" names no archive");
    if (o.contains("anonymize") && !o["anonymize"].isBool()) return bad(at + ": \"anonymize\" is true or false");
    r.anonymize = o["anonymize"].toBool(false);
    return r;
}

}  // namespace

QString sopClassUidFrom(const QString& uidOrKeyword)
{
    const QString t = uidOrKeyword.trimmed();
    if (isUid(t)) return t;
    for (const auto& [keyword, uid] : sopClassKeywords())
        if (keyword.compare(t, Qt::CaseInsensitive) == 0) return uid;
    return {};
}

QString RoutingRules::pathBeside(const QString& configPath) { return QFileInfo(configPath).absolutePath() + "/routing.json"; }

Result<RoutingRules> RoutingRules::fromJson(const QJsonObject& json)
{
    if (!json.contains("version") || json["version"].toInt() != 1)
        return bad("routing rules need \"version\": 1 (this Lightbox reads version 1 only)");
    if (!json["rules"].isArray()) return bad("no \"rules\" list");
    RoutingRules out;
    int i = 0;
    for (const QJsonValue& v : json["rules"].toArray()) {
        auto r = ruleFrom(v, QString("rule %1").arg(++i));
        if (!r) return r.error();
        if (std::any_of(out.rules.begin(), out.rules.end(), [&](const RoutingRule& x) { return x.name == r->name; }))
            return bad(QString("rule %1: a second rule named \"%2\"").arg(i).arg(r->name));
        out.rules.push_back(*r);
    }
    return out;
}

QJsonObject RoutingRules::toJson() const
{
    QJsonArray list;
    for (const RoutingRule& r : rules) {
        const auto a = [](const QStringList& l) { return QJsonArray::fromStringList(l); };
        list.append(QJsonObject{{"name", r.name},
                                {"when", QJsonObject{{"modalities", a(r.modalities)},
                                                     {"callingAEs", a(r.callingAes)},
                                                     {"sopClasses", a(r.sopClasses)},
                                                     {"bodyParts", a(r.bodyParts)},
                                                     {"origins", a(r.origins)}}},
                                {"to", a(r.to)},
                                {"anonymize", r.anonymize}});
    }
    return QJsonObject{{"version", 1}, {"rules", list}};
}

Result<RoutingRules> RoutingRules::load(const QString& path)
{
    QFile f(path);
    if (!f.exists()) return RoutingRules{};
    if (!f.open(QIODevice::ReadOnly)) return makeError("unreadable", ("cannot read " + path + ": " + f.errorString()).toStdString());
    QJsonParseError e{};
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &e);
    if (e.error != QJsonParseError::NoError) return bad(path + ": not JSON at offset " + QString::number(e.offset) + ": " + e.errorString());
    if (!doc.isObject()) return bad(path + ": not a JSON object");
    auto rules = fromJson(doc.object());
    if (!rules) return makeError(rules.error().code, path.toStdString() + ": " + rules.error().message);
    return rules;
}

Status RoutingRules::save(const QString& path) const
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return makeError("unwritable", ("cannot write " + path + ": " + f.errorString()).toStdString());
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    f.write(QJsonDocument(toJson()).toJson());
    if (!f.commit()) return makeError("unwritable", ("cannot write " + path + ": " + f.errorString()).toStdString());
    return Done{};
}

Status RoutingRules::checkDestinations(const AppConfig& config) const
{
    for (const RoutingRule& r : rules)
        for (const QString& archive : r.to) {
            const ArchiveEntry* e = config.find(archive);
            if (!e)
                return makeError("unknown-archive", ("rule " + r.name + ": no archive named " + archive +
                                                     " in the settings (lightbox archive add " + archive + " --aet AET --host HOST --port PORT)")
                                                        .toStdString());
            if (!e->callable() && !e->hasWeb())
                return makeError("unknown-archive", ("rule " + r.name + ": archive " + archive + " has neither a DIMSE port nor a DICOMweb URL to send to").toStdString());
        }
    return Done{};
}

bool RoutingRules::matches(const RoutingRule& r, const RoutedObject& o) const
{
    return among(r.origins, o.origin) && among(r.modalities, o.modality) && among(r.callingAes, o.callingAe) && among(r.bodyParts, o.bodyPart) &&
           (r.sopClasses.isEmpty() || r.sopClasses.contains(o.sopClassUid.trimmed()));
}

std::vector<RouteTarget> RoutingRules::targetsFor(const RoutedObject& o, const AppConfig& config) const
{
    std::vector<RouteTarget> out;
    for (const RoutingRule& r : rules) {
        if (!matches(r, o)) continue;
        for (const QString& name : r.to) {
            const ArchiveEntry* e = config.find(name);
            // Never back to the sender (a loop between two routing nodes), by name or AE title.
            if (!e || (!o.peer.isEmpty() && e->name == o.peer) || (!o.callingAe.isEmpty() && e->aeTitle.compare(o.callingAe, Qt::CaseInsensitive) == 0))
                continue;
            auto it = std::find_if(out.begin(), out.end(), [&](const RouteTarget& t) { return t.archive == e->name; });
            if (it == out.end()) it = out.insert(out.end(), RouteTarget{e->name, false, {}});
            it->anonymize = it->anonymize || r.anonymize;
            it->rules << r.name;
        }
    }
    return out;
}

}  // namespace lightbox::app
