#include "export_options.h"

#include <QObject>

#include <cstdlib>

namespace lightbox::app {

std::optional<imaging::BlankRect> parseBlankRect(const QString& text)
{
    const QStringList parts = text.split(',');
    if (parts.size() != 4) return std::nullopt;
    int v[4];
    for (int i = 0; i < 4; ++i) {
        bool ok = false;
        v[i] = parts[i].trimmed().toInt(&ok);
        if (!ok || v[i] < 0) return std::nullopt;
    }
    if (v[2] == 0 || v[3] == 0) return std::nullopt;
    return imaging::BlankRect{v[0], v[1], v[2], v[3]};
}

QString deidOptionsFrom(const DeidChoices& c, imaging::DeidOptions& o)
{
    if (c.profile != "basic") return QObject::tr("the only profile is basic (PS3.15 Basic Application Level Confidentiality Profile)");
    o = imaging::DeidOptions{};
    if (c.shiftDays) {
        bool ok = false;
        o.shiftDays = c.shiftDays->trimmed().toInt(&ok);
        if (!ok) return QObject::tr("the date shift takes a whole number of days (may be negative), not \"%1\"").arg(*c.shiftDays);
        o.dates = imaging::DeidOptions::Dates::Shift;
    }
    if (c.keepDates) {
        if (o.dates == imaging::DeidOptions::Dates::Shift) return QObject::tr("dates are either shifted or kept, not both");
        o.dates = imaging::DeidOptions::Dates::Keep;
    }
    o.retainPatientCharacteristics = c.retainPatientCharacteristics;
    o.retainDescriptions = c.retainDescriptions;
    o.retainUids = c.retainUids;
    o.retainSafePrivate = c.retainSafePrivate;
    o.patientName = c.patientName.trimmed().toStdString();
    o.patientId = c.patientId.trimmed().toStdString();
    if (o.patientName.size() > 64 || o.patientId.size() > 64) return QObject::tr("the new patient name and ID take at most 64 characters each");
    for (const QString& r : c.blank) {
        auto rect = parseBlankRect(r);
        if (!rect)
            return QObject::tr("blanking rectangle \"%1\": give X,Y,WIDTH,HEIGHT in pixels, width and height above 0, e.g. 0,0,640,60").arg(r.trimmed());
        o.blank.push_back(*rect);
    }
    return {};
}

namespace {
QString datesShifted(int days)
{
    if (days == 0) return QObject::tr("dates as they are (shifted by 0 days)");
    const int n = std::abs(days);
    const QString by = n == 1 ? QObject::tr("1 day") : QObject::tr("%1 days").arg(n);
    return days < 0 ? QObject::tr("dates, moved %1 earlier").arg(by) : QObject::tr("dates, moved %1 later").arg(by);
}
}  // namespace

QString deidSummary(const imaging::DeidOptions& o)
{
    using Dates = imaging::DeidOptions::Dates;
    QStringList removed{QObject::tr("names, IDs, addresses and other identifying attributes (PS3.15 Basic Profile)")};
    QStringList kept;
    if (o.dates == Dates::Remove) removed << QObject::tr("dates and times");
    else if (o.dates == Dates::Shift) kept << datesShifted(o.shiftDays);
    else kept << QObject::tr("dates as they are");
    (o.retainPatientCharacteristics ? kept : removed) << QObject::tr("age, sex, size and weight");
    (o.retainDescriptions ? kept : removed) << QObject::tr("study and series descriptions");
    if (o.retainUids) kept << QObject::tr("the original UIDs");
    else removed << QObject::tr("the original UIDs (replaced by new ones)");
    removed << (o.retainSafePrivate ? QObject::tr("private tags except a few known safe ones") : QObject::tr("all private tags"));
    QString text = QObject::tr("Removed: %1.").arg(removed.join("; "));
    if (!kept.isEmpty()) text += "\n" + QObject::tr("Kept: %1.").arg(kept.join("; "));
    if (!o.patientName.empty() || !o.patientId.empty())
        text += "\n" + QObject::tr("The patient is named \"%1\" with ID \"%2\".").arg(QString::fromStdString(o.patientName), QString::fromStdString(o.patientId));
    text += "\n" + (o.blank.empty() ? QObject::tr("Images that may show burned-in text are refused.")
                   : o.blank.size() == 1 ? QObject::tr("Images that may show burned-in text are blanked in 1 rectangle.")
                                         : QObject::tr("Images that may show burned-in text are blanked in %1 rectangles.").arg(o.blank.size()));
    return text;
}

}  // namespace lightbox::app
