#pragma once
// A measurement or annotation as the user drew it: on an acquired image (SOP instance and frame,
// points in image pixels) or on a reformat of a volume (points in patient millimetres, with the
// normal of the plane it was drawn on). Results (lengths, statistics, volumes) are recomputed from
// the pixels whenever shown, never stored as the truth. Saved as JSON with the study in the cache.
#include "volume_geometry.h"

#include <QJsonObject>
#include <QPointF>
#include <QString>

#include <optional>
#include <vector>

namespace lightbox::viewer {

enum class AnnotationKind { Length, Angle, Cobb, Ellipse, Rectangle, Freehand, Text, Arrow, Region };

QString kindName(AnnotationKind k);  // "length", "angle", "cobb", ...
std::optional<AnnotationKind> kindFromName(const QString& name);
// Points needed to complete the shape (Freehand: any number ≥ 3; Text: 1; Region: 1, the seed).
int pointsNeeded(AnnotationKind k);

struct Annotation {
    QString id;
    AnnotationKind kind = AnnotationKind::Length;
    QString seriesUid;
    // On an acquired image:
    QString sopUid;
    int frame = 0;
    std::vector<QPointF> pixels;
    // On a reformat:
    bool onVolume = false;
    std::vector<Vec3> patient;
    Vec3 normal{0, 0, 0};
    QString text;  // Text, Arrow: the label
    // Region: the value range (modality units) and whether it grows from the seed or thresholds
    // the whole volume.
    double lower = 0, upper = 0;
    bool threshold = false;
    qint64 created = 0;  // ms since the epoch

    std::size_t pointCount() const { return onVolume ? patient.size() : pixels.size(); }
    QJsonObject toJson() const;
    static std::optional<Annotation> fromJson(const QJsonObject& o);
};

QString newAnnotationId();

}  // namespace lightbox::viewer
