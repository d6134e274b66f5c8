#include "overlay_text.h"

#include "dicom_text.h"
#include "measure.h"

#include <QCoreApplication>

#include <cmath>

namespace lightbox::viewer {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QString number(double v, int maxDecimals = 2)
{
    QString s = QString::number(v, 'f', maxDecimals);
    if (s.contains('.')) {
        while (s.endsWith('0')) s.chop(1);
        if (s.endsWith('.')) s.chop(1);
    }
    return s == "-0" ? "0" : s;
}

}  // namespace

QString formatDicomDate(const std::string& da)
{
    if (da.size() == 8) return q(da.substr(0, 4) + "-" + da.substr(4, 2) + "-" + da.substr(6, 2));
    return q(da);
}

QString formatDicomTime(const std::string& tm)
{
    if (tm.size() >= 6 && tm.find(':') == std::string::npos)
        return q(tm.substr(0, 2) + ":" + tm.substr(2, 2) + ":" + tm.substr(4, 2));
    if (tm.size() == 4) return q(tm.substr(0, 2) + ":" + tm.substr(2, 2));
    return q(tm);
}

OverlayContent overlayText(const OverlayInputs& in)
{
    OverlayContent c;
    if (!in.summary || !in.info) return c;
    const InstanceSummary& s = *in.summary;
    const ImageInfo& info = *in.info;

    c.topLeft << q(formatPersonName(s.patientName));
    if (!s.patientId.empty()) c.topLeft << QCoreApplication::translate("Overlay", "ID: %1").arg(q(s.patientId));
    QString birth = formatDicomDate(s.patientBirthDate);
    QString sexAge;
    if (!s.patientSex.empty()) sexAge += q(s.patientSex);
    if (!s.patientAge.empty()) sexAge += (sexAge.isEmpty() ? "" : " ") + q(s.patientAge);
    QString born = birth.isEmpty() ? QString() : QCoreApplication::translate("Overlay", "Born %1").arg(birth);
    if (!sexAge.isEmpty()) born += (born.isEmpty() ? "" : "  ") + sexAge;
    if (!born.isEmpty()) c.topLeft << born;

    if (!s.institution.empty()) c.topRight << q(s.institution);
    if (!s.studyDescription.empty()) c.topRight << q(s.studyDescription);
    const QString studyWhen = (formatDicomDate(s.studyDate) + " " + formatDicomTime(s.studyTime)).trimmed();
    if (!studyWhen.isEmpty()) c.topRight << studyWhen;
    QString series = q(s.seriesDescription);
    if (!s.seriesNumber.empty()) series = QCoreApplication::translate("Overlay", "S%1 ").arg(q(s.seriesNumber)) + series;
    if (!series.trimmed().isEmpty()) c.topRight << series.trimmed();

    QString im = QCoreApplication::translate("Overlay", "Im %1/%2").arg(in.index + 1).arg(in.count);
    if (info.frames > 1) im += QCoreApplication::translate("Overlay", "  Fr %1/%2").arg(in.frame + 1).arg(info.frames);
    c.bottomLeft << im;
    const PlaneGeometry plane = info.planeFor(in.frame);
    if (info.sliceLocation && info.perFrame.empty()) c.bottomLeft << QCoreApplication::translate("Overlay", "Loc %1 mm").arg(number(*info.sliceLocation));
    else if (plane.position && plane.orientation) {
        // Position along the slice normal, like Slice Location.
        const auto& o = *plane.orientation;
        const double n[3] = {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]};
        const auto& p = *plane.position;
        c.bottomLeft << QCoreApplication::translate("Overlay", "Pos %1 mm").arg(number(n[0] * p[0] + n[1] * p[1] + n[2] * p[2]));
    }
    if (plane.sliceThickness) c.bottomLeft << QCoreApplication::translate("Overlay", "Thk %1 mm").arg(number(*plane.sliceThickness));
    c.bottomLeft << QCoreApplication::translate("Overlay", "Zoom %1%").arg(number(in.zoom * 100.0, 0));

    if (in.windowKnown) {
        if (in.voiLut > 0) c.bottomRight << QCoreApplication::translate("Overlay", "VOI LUT %1").arg(in.voiLut);
        else c.bottomRight << QCoreApplication::translate("Overlay", "W %1  L %2").arg(number(in.window.width), number(in.window.center));
        if (!in.window.explanation.empty() && in.voiLut == 0) c.bottomRight << q(in.window.explanation);
    }
    if (in.inverted) c.bottomRight << QCoreApplication::translate("Overlay", "Inverted");
    QString modality = q(s.modality);
    if (info.lossy) modality += QCoreApplication::translate("Overlay", "  LOSSY");
    c.bottomRight << modality.trimmed();
    return c;
}

SideLetters overlayLetters(const ImageInfo& info, std::uint32_t frame, int turns, bool flipH, bool flipV)
{
    const PlaneGeometry plane = info.planeFor(frame);
    std::string rowLetters, columnLetters;
    if (plane.orientation) {
        const auto& o = *plane.orientation;
        rowLetters = directionLetters({o[0], o[1], o[2]});
        columnLetters = directionLetters({o[3], o[4], o[5]});
    } else if (info.patientOrientation.size() >= 2) {
        rowLetters = info.patientOrientation[0];
        columnLetters = info.patientOrientation[1];
    }
    return sideLetters(rowLetters, columnLetters, turns, flipH, flipV);
}

namespace {

// What the pixel holds, labelled: "value -1000 HU (stored 24)", "value 225", "R 12, G 34, B 56".
QString pixelValue(const DecodedFrame& frame, const ImageInfo& info, std::uint32_t frameIndex, std::size_t i)
{
    ModalityValues mv(frame, info, frameIndex);
    if (frame.photometric == Photometric::Rgb)
        return QCoreApplication::translate("Overlay", "R %1, G %2, B %3").arg(mv.stored(3 * i)).arg(mv.stored(3 * i + 1)).arg(mv.stored(3 * i + 2));
    const std::int64_t stored = mv.stored(i);
    if (frame.photometric == Photometric::PaletteColor) return QCoreApplication::translate("Overlay", "palette index %1").arg(stored);
    QString text = QCoreApplication::translate("Overlay", "value %1").arg(number(mv.value(stored), 3));
    const QString unit = q(modalityUnit(info, frameIndex));
    if (!unit.isEmpty()) text += ' ' + unit;
    QStringList notes;
    const ModalityTransform& m = info.modalityFor(frameIndex);
    if (m.lut || m.slope != 1.0 || m.intercept != 0.0) notes << QCoreApplication::translate("Overlay", "stored %1").arg(stored);
    if (mv.isPadding(stored)) notes << QCoreApplication::translate("Overlay", "padding");
    if (!notes.isEmpty()) text += " (" + notes.join(", ") + ")";
    return text;
}

}  // namespace

QString pixelValueText(const DecodedFrame& frame, const ImageInfo& info, std::uint32_t frameIndex, int column, int row)
{
    // The position and the value each with its own label, apart: no digit of one is read as the other's.
    const QString where = QCoreApplication::translate("Overlay", "x %1, y %2").arg(column).arg(row);
    return where + QStringLiteral("  |  ") + pixelValue(frame, info, frameIndex, std::size_t(row) * frame.columns + column);
}

}  // namespace lightbox::viewer
