#pragma once
// The de-identification options of an export as a person gives them (command line flags or the
// Export dialog's fields, as text), checked and turned into imaging::DeidOptions by one set of
// rules for both front ends. A non-empty QString is the reason they are wrong, in words.
#include "deidentify.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace lightbox::app {

struct DeidChoices {
    QString profile = "basic";      // PS3.15 Basic Application Level Confidentiality Profile, the only one
    std::optional<QString> shiftDays;  // dates shifted by this many days (may be negative)
    bool keepDates = false;            // dates kept as they are
    bool retainPatientCharacteristics = false;
    bool retainDescriptions = false;
    bool retainUids = false;
    bool retainSafePrivate = false;
    QString patientName, patientId;  // written instead of the profile's empty values when given
    QStringList blank;               // rectangles to blank, "X,Y,WIDTH,HEIGHT" each
};

// "X,Y,WIDTH,HEIGHT" in pixels: X and Y 0 or more, WIDTH and HEIGHT above 0.
std::optional<imaging::BlankRect> parseBlankRect(const QString& text);

// Fills `out`; an error message when the choices are wrong.
QString deidOptionsFrom(const DeidChoices& choices, imaging::DeidOptions& out);

// What the options remove and keep, in a few plain sentences.
QString deidSummary(const imaging::DeidOptions& options);

}  // namespace lightbox::app
