#include "cli_args.h"
#include "commands.h"
#include "series_source.h"

#include "volume_assembly.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <set>

namespace lightbox::app {

int runInspect(const QStringList& args)
{
    CliArgs a(args, seriesSourceOptions(), {"--json"});
    if (!a.ok()) return fail(a.error(), 2);
    if (a.positional().size() > 1 || (a.positional().isEmpty() && !a.value("--series") && !a.value("--study")))
        return fail("usage: lightbox inspect PATH | --series UID | --study UID [--cache DIR] [--json]", 2);
    const SeriesSource src = loadSeriesSource(a, a.positional().value(0), QStringLiteral("inspecting"));
    if (!src.error.isEmpty()) return fail(src.error);

    QJsonArray volumes;
    for (const SeriesGroup& g : src.opened.series) {
        for (const VolumePlan& p : assembleVolumes(g.images)) {
            QJsonObject v;
            v["seriesInstanceUid"] = QString::fromStdString(p.seriesInstanceUid);
            std::set<std::size_t> files;
            for (const VolumeSlice& s : p.slices) files.insert(s.image);
            v["instances"] = int(files.size());
            v["frames"] = int(p.slices.size());
            const VolumeGeometry& geo = p.geometry;
            v["size"] = QJsonArray{geo.size[0], geo.size[1], geo.size[2]};
            v["spacing"] = QJsonArray{geo.spacing[0], geo.spacing[1], geo.spacing[2]};
            v["origin"] = QJsonArray{geo.origin[0], geo.origin[1], geo.origin[2]};
            QJsonArray dir;
            for (double d : geo.direction) dir.append(d);
            v["direction"] = dir;
            QJsonArray warnings;
            for (const auto& w : p.warnings) warnings.append(QString::fromStdString(w));
            v["warnings"] = warnings;
            if (!p.label.empty()) v["label"] = QString::fromStdString(p.label);
            if (p.tiltDegrees > 0) v["gantryTiltDegrees"] = p.tiltDegrees;
            v["modality"] = QString::fromStdString(g.modality);
            v["description"] = QString::fromStdString(g.description);
            volumes.append(v);
        }
    }
    QTextStream out(stdout);
    out.setEncoding(QStringConverter::Utf8);
    if (a.flag("--json")) {
        out << QJsonDocument(QJsonObject{{"volumes", volumes}}).toJson(QJsonDocument::Indented);
    } else {
        for (const QJsonValue& value : volumes) {
            const QJsonObject v = value.toObject();
            auto arr = [&](const char* k) {
                QStringList parts;
                for (const QJsonValue& x : v[k].toArray()) parts << QString::number(x.toDouble(), 'g', 6);
                return parts.join(" x ");
            };
            out << v["modality"].toString() << " " << v["description"].toString() << (v.contains("label") ? " (" + v["label"].toString() + ")" : "")
                << "\n  series " << v["seriesInstanceUid"].toString() << ", " << v["instances"].toInt() << " instances, "
                << v["frames"].toInt() << " slices\n  size " << arr("size") << " voxels, spacing " << arr("spacing") << " mm\n";
            QStringList w;
            for (const QJsonValue& x : v["warnings"].toArray()) w << x.toString();
            if (!w.isEmpty()) out << "  warnings: " << w.join(", ") << "\n";
        }
    }
    return 0;
}

}  // namespace lightbox::app
