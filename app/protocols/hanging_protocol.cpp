#include "hanging_protocol.h"

#include <QJsonArray>

namespace lightbox::app {

namespace {

const char* kOps[] = {"equals", "contains", "matches", "atLeast", "atMost", "between"};
const QStringList kViews{"2d", "axial", "coronal", "sagittal", "mip", "vr"};
const QStringList kAttributes{"modality",     "bodyPart", "studyDescription", "seriesDescription", "laterality", "viewPosition", "imageType",
                              "instances",    "frames",   "sopClass",         "priors",            "patientAge", "patientSex"};

Error bad(const QString& what) { return makeError("protocol", what.toStdString()); }

Result<ProtocolRule> ruleFromJson(const QJsonObject& o, const QString& where)
{
    ProtocolRule r;
    r.attribute = o["attribute"].toString();
    if (!kAttributes.contains(r.attribute)) return bad(where + ": unknown attribute \"" + r.attribute + "\"");
    const QString op = o["op"].toString("equals");
    int i = 0;
    for (; i < 6; ++i)
        if (op == kOps[i]) break;
    if (i == 6) return bad(where + ": unknown op \"" + op + "\"");
    r.op = ProtocolRule::Op(i);
    const QJsonValue v = o["value"];
    if (r.op == ProtocolRule::Op::AtLeast || r.op == ProtocolRule::Op::AtMost) {
        if (!v.isDouble()) return bad(where + ": " + op + " needs a number");
        r.min = r.max = v.toDouble();
    } else if (r.op == ProtocolRule::Op::Between) {
        const QJsonArray a = v.toArray();
        if (a.size() != 2 || !a[0].isDouble() || !a[1].isDouble()) return bad(where + ": between needs [min, max]");
        r.min = a[0].toDouble();
        r.max = a[1].toDouble();
    } else if (v.isArray()) {
        for (const QJsonValue& x : v.toArray()) r.values << x.toString();
    } else {
        r.values << v.toString();
    }
    if (r.op <= ProtocolRule::Op::Matches && (r.values.isEmpty() || r.values.contains(QString())))
        return bad(where + ": a text rule needs a value");
    r.weight = o["weight"].toInt(1);
    r.required = o["required"].toBool(false);
    return r;
}

QJsonObject ruleToJson(const ProtocolRule& r)
{
    QJsonObject o{{"attribute", r.attribute}, {"op", kOps[int(r.op)]}};
    if (r.op == ProtocolRule::Op::AtLeast) o["value"] = r.min;
    else if (r.op == ProtocolRule::Op::AtMost) o["value"] = r.max;
    else if (r.op == ProtocolRule::Op::Between) o["value"] = QJsonArray{r.min, r.max};
    else o["value"] = r.values.size() == 1 ? QJsonValue(r.values.front()) : QJsonValue(QJsonArray::fromStringList(r.values));
    if (r.weight != 1) o["weight"] = r.weight;
    if (r.required) o["required"] = true;
    return o;
}

Result<std::vector<ProtocolRule>> rulesFromJson(const QJsonValue& v, const QString& where)
{
    std::vector<ProtocolRule> out;
    int n = 0;
    for (const QJsonValue& x : v.toArray()) {
        auto r = ruleFromJson(x.toObject(), QStringLiteral("%1 rule %2").arg(where).arg(++n));
        if (!r) return r.error();
        out.push_back(*r);
    }
    return out;
}

QJsonArray rulesToJson(const std::vector<ProtocolRule>& rules)
{
    QJsonArray a;
    for (const ProtocolRule& r : rules) a.append(ruleToJson(r));
    return a;
}

}  // namespace

const DisplaySet* HangingProtocol::displaySet(const QString& n) const
{
    for (const DisplaySet& d : displaySets)
        if (d.name == n) return &d;
    return nullptr;
}

const ImageSet* HangingProtocol::imageSet(const QString& n) const
{
    for (const ImageSet& s : imageSets)
        if (s.name == n) return &s;
    return nullptr;
}

Result<HangingProtocol> protocolFromJson(const QJsonObject& o)
{
    HangingProtocol p;
    p.name = o["name"].toString().trimmed();
    if (p.name.isEmpty()) return bad("a protocol needs a name");
    p.description = o["description"].toString();
    auto rules = rulesFromJson(o["rules"], "protocol");
    if (!rules) return rules.error();
    p.rules = *rules;
    for (const QJsonValue& v : o["imageSets"].toArray()) {
        const QJsonObject s = v.toObject();
        ImageSet set{s["name"].toString(), s["prior"].toInt(0)};
        if (set.name.isEmpty() || set.prior < 0) return bad("an image set needs a name and a prior number ≥ 0");
        p.imageSets.push_back(set);
    }
    if (p.imageSets.empty()) p.imageSets.push_back({"current", 0});
    for (const QJsonValue& v : o["displaySets"].toArray()) {
        const QJsonObject s = v.toObject();
        DisplaySet d;
        d.name = s["name"].toString();
        d.imageSet = s["imageSet"].toString("current");
        d.images = s["level"].toString("series") == "image";
        d.reuse = s["reuse"].toBool(false);
        if (d.name.isEmpty()) return bad("a display set needs a name");
        if (!p.imageSet(d.imageSet)) return bad("display set " + d.name + ": no image set \"" + d.imageSet + "\"");
        auto r = rulesFromJson(s["rules"], "display set " + d.name);
        if (!r) return r.error();
        d.rules = *r;
        p.displaySets.push_back(d);
    }
    int stageNumber = 0;
    for (const QJsonValue& v : o["stages"].toArray()) {
        const QJsonObject s = v.toObject();
        ProtocolStage stage;
        stage.name = s["name"].toString(QStringLiteral("Stage %1").arg(++stageNumber));
        for (const QJsonValue& sv : s["screens"].toArray()) {
            const QJsonObject so = sv.toObject();
            ScreenLayout screen;
            screen.rows = so["rows"].toInt(1);
            screen.columns = so["columns"].toInt(1);
            if (screen.rows < 1 || screen.columns < 1 || screen.rows > 8 || screen.columns > 8)
                return bad(stage.name + ": a screen has 1 to 8 rows and columns");
            for (const QJsonValue& pv : so["viewports"].toArray()) {
                const QJsonObject vo = pv.toObject();
                ProtocolViewport vp;
                vp.row = vo["row"].toInt(0);
                vp.column = vo["column"].toInt(0);
                vp.displaySet = vo["displaySet"].toString();
                vp.view = vo["view"].toString("2d");
                vp.preset = vo["preset"].toString();
                vp.fit = vo["fit"].toBool(true);
                vp.align = vo["align"].toString();
                vp.sync = vo["sync"].toString();
                if (vp.row < 0 || vp.row >= screen.rows || vp.column < 0 || vp.column >= screen.columns)
                    return bad(stage.name + ": a viewport lies outside its screen's grid");
                if (!p.displaySet(vp.displaySet)) return bad(stage.name + ": no display set \"" + vp.displaySet + "\"");
                if (!kViews.contains(vp.view)) return bad(stage.name + ": unknown view \"" + vp.view + "\"");
                if (!vp.align.isEmpty() && vp.align != "left" && vp.align != "right") return bad(stage.name + ": align is left or right");
                screen.viewports.push_back(vp);
            }
            stage.screens.push_back(screen);
        }
        if (stage.screens.empty()) return bad(stage.name + " has no screen");
        p.stages.push_back(stage);
    }
    if (p.stages.empty()) return bad("protocol " + p.name + " has no stage");
    return p;
}

QJsonObject protocolToJson(const HangingProtocol& p)
{
    QJsonObject o{{"name", p.name}};
    if (!p.description.isEmpty()) o["description"] = p.description;
    o["rules"] = rulesToJson(p.rules);
    QJsonArray sets;
    for (const ImageSet& s : p.imageSets) sets.append(QJsonObject{{"name", s.name}, {"prior", s.prior}});
    o["imageSets"] = sets;
    QJsonArray displays;
    for (const DisplaySet& d : p.displaySets) {
        QJsonObject x{{"name", d.name}, {"imageSet", d.imageSet}, {"rules", rulesToJson(d.rules)}};
        if (d.images) x["level"] = "image";
        if (d.reuse) x["reuse"] = true;
        displays.append(x);
    }
    o["displaySets"] = displays;
    QJsonArray stages;
    for (const ProtocolStage& s : p.stages) {
        QJsonArray screens;
        for (const ScreenLayout& sc : s.screens) {
            QJsonArray vps;
            for (const ProtocolViewport& v : sc.viewports) {
                QJsonObject x{{"row", v.row}, {"column", v.column}, {"displaySet", v.displaySet}, {"view", v.view}};
                if (!v.preset.isEmpty()) x["preset"] = v.preset;
                if (!v.fit) x["fit"] = false;
                if (!v.align.isEmpty()) x["align"] = v.align;
                if (!v.sync.isEmpty()) x["sync"] = v.sync;
                vps.append(x);
            }
            screens.append(QJsonObject{{"rows", sc.rows}, {"columns", sc.columns}, {"viewports", vps}});
        }
        stages.append(QJsonObject{{"name", s.name}, {"screens", screens}});
    }
    o["stages"] = stages;
    return o;
}

}  // namespace lightbox::app
