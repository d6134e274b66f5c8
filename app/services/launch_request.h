#pragma once
// A request to open a study from outside (a RIS or EHR, a script): `lightbox open --accession A |
// --patient-id P | --study UID` or a `lightbox://open?...` URL. Parsed and checked here (no
// wildcards, no control characters, UIDs by their grammar), carried to a running Lightbox as one
// JSON line, and resolved against cache or archive rows without ever choosing between two patients.
#include "study_index.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <vector>

namespace lightbox::app {

struct LaunchRequest {
    enum class Key { Accession, PatientId, Study } key = Key::Study;
    QString value;
    QString screenshotDir;       // empty: no screenshots
    bool screenshotExit = false; // quit once the screenshots are saved (a Lightbox this request started)
    // Where, for this process only (not sent): the cache and the settings file asked for.
    QString cacheDir, configPath;
};

// "open" or a lightbox: URL as the first argument.
bool isLaunchCommand(const QString& firstArgument);
// The arguments after the program name: `open` with its options, `open URL`, or a URL alone; each
// form takes --cache DIR, --config FILE, --screenshot DIR and --screenshot-exit.
Result<LaunchRequest> parseLaunchArguments(const QStringList& args);
// lightbox://open?accession=A | ?patientId=P | ?study=UID (percent-encoded); anything else is refused.
Result<LaunchRequest> parseLaunchUrl(const QString& url);

// The request line sent to a running Lightbox, and back.
QByteArray launchRequestLine(const LaunchRequest& request);
Result<LaunchRequest> launchRequestFromJson(const QByteArray& line);
// "accession A1001", "patient ID P1", "study 1.2.3", for people.
QString describeLaunch(const LaunchRequest& request);

// The search a request makes in the cache index and on archives (an exact match).
storage::StudyQuery launchQuery(const LaunchRequest& request);

struct LaunchCandidate {
    storage::StudyRow row;
    QString archive;  // empty: in the cache
};
// The study to open among what a search found: the one study of the UID or accession, the most
// recent study of the patient ID. Fails with "not-found", or "ambiguous" when the rows belong to
// more than one patient (ID, name or birth date differ): the wrong patient is never opened.
Result<LaunchCandidate> chooseLaunchStudy(const LaunchRequest& request, const std::vector<LaunchCandidate>& found);

}  // namespace lightbox::app
