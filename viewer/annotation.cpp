#include "annotation.h"

#include <QDateTime>
#include <QJsonArray>
#include <QUuid>

namespace lightbox::viewer {

namespace {

struct KindName {
    AnnotationKind kind;
    const char* name;
    int points;
};

const KindName kKinds[] = {
    {AnnotationKind::Length, "length", 2},   {AnnotationKind::Angle, "angle", 3},       {AnnotationKind::Cobb, "cobb", 4},
    {AnnotationKind::Ellipse, "ellipse", 2}, {AnnotationKind::Rectangle, "rectangle", 2}, {AnnotationKind::Freehand, "freehand", 3},
    {AnnotationKind::Text, "text", 1},       {AnnotationKind::Arrow, "arrow", 2},       {AnnotationKind::Region, "region", 1},
};

}  // namespace

QString kindName(AnnotationKind k)
{
    for (const KindName& n : kKinds)
        if (n.kind == k) return QString::fromLatin1(n.name);
    return {};
}

std::optional<AnnotationKind> kindFromName(const QString& name)
{
    for (const KindName& n : kKinds)
        if (name == QLatin1String(n.name)) return n.kind;
    return std::nullopt;
}

int pointsNeeded(AnnotationKind k)
{
    for (const KindName& n : kKinds)
        if (n.kind == k) return n.points;
    return 2;
}

QJsonObject Annotation::toJson() const
{
    QJsonObject o;
    o["kind"] = kindName(kind);
    o["series"] = seriesUid;
    QJsonArray pts;
    if (onVolume) {
        for (const Vec3& p : patient) pts.append(QJsonArray{p[0], p[1], p[2]});
        o["space"] = "patient";
        o["normal"] = QJsonArray{normal[0], normal[1], normal[2]};
    } else {
        for (const QPointF& p : pixels) pts.append(QJsonArray{p.x(), p.y()});
        o["space"] = "pixel";
        o["sop"] = sopUid;
        o["frame"] = frame;
    }
    o["points"] = pts;
    if (!text.isEmpty()) o["text"] = text;
    if (kind == AnnotationKind::Region) {
        o["lower"] = lower;
        o["upper"] = upper;
        o["mode"] = threshold ? "threshold" : "connected";
    }
    o["created"] = double(created);
    return o;
}

std::optional<Annotation> Annotation::fromJson(const QJsonObject& o)
{
    Annotation a;
    const auto kind = kindFromName(o["kind"].toString());
    if (!kind) return std::nullopt;
    a.kind = *kind;
    a.seriesUid = o["series"].toString();
    a.onVolume = o["space"].toString() == "patient";
    for (const QJsonValue& v : o["points"].toArray()) {
        const QJsonArray p = v.toArray();
        if (a.onVolume) {
            if (p.size() != 3) return std::nullopt;
            a.patient.push_back({p[0].toDouble(), p[1].toDouble(), p[2].toDouble()});
        } else {
            if (p.size() != 2) return std::nullopt;
            a.pixels.emplace_back(p[0].toDouble(), p[1].toDouble());
        }
    }
    if (a.onVolume) {
        const QJsonArray n = o["normal"].toArray();
        if (n.size() == 3) a.normal = {n[0].toDouble(), n[1].toDouble(), n[2].toDouble()};
    } else {
        a.sopUid = o["sop"].toString();
        a.frame = o["frame"].toInt();
    }
    a.text = o["text"].toString();
    a.lower = o["lower"].toDouble();
    a.upper = o["upper"].toDouble();
    a.threshold = o["mode"].toString() == "threshold";
    a.created = qint64(o["created"].toDouble());
    const int need = pointsNeeded(a.kind);
    if (int(a.pointCount()) < need) return std::nullopt;
    return a;
}

QString newAnnotationId() { return QUuid::createUuid().toString(QUuid::WithoutBraces); }

}  // namespace lightbox::viewer
