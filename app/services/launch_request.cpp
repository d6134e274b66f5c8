#include "launch_request.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

#include <algorithm>

namespace lightbox::app {

namespace {

constexpr int kMaxValue = 64;  // the longest a DICOM UI, LO or SH value may be

const char* keyName(LaunchRequest::Key k)
{
    switch (k) {
    case LaunchRequest::Key::Accession: return "accession";
    case LaunchRequest::Key::PatientId: return "patientId";
    case LaunchRequest::Key::Study: return "study";
    }
    return "study";
}

std::optional<LaunchRequest::Key> keyFromName(const QString& name)
{
    if (name == "accession") return LaunchRequest::Key::Accession;
    if (name == "patientId") return LaunchRequest::Key::PatientId;
    if (name == "study") return LaunchRequest::Key::Study;
    return std::nullopt;
}

Error bad(const QString& message) { return makeError("usage", message.toStdString()); }

// The value is an identifier to match exactly: nothing a search would read as a pattern.
Status checkValue(LaunchRequest::Key key, const QString& value)
{
    const QString what = key == LaunchRequest::Key::Accession ? "accession number" : key == LaunchRequest::Key::PatientId ? "patient ID" : "Study Instance UID";
    if (value.trimmed().isEmpty()) return bad(QStringLiteral("the %1 is empty").arg(what));
    if (value.size() > kMaxValue) return bad(QStringLiteral("the %1 is longer than %2 characters").arg(what).arg(kMaxValue));
    for (const QChar c : value)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f || c == '*' || c == '?' || c == '\\')
            return bad(QStringLiteral("the %1 '%2' holds a character it may not have (control characters, * ? \\)").arg(what, value));
    static const QRegularExpression uid(QStringLiteral("^(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))+$"));
    if (key == LaunchRequest::Key::Study && !uid.match(value).hasMatch())
        return bad(QStringLiteral("'%1' is not a Study Instance UID (digits and dots, no leading zeros)").arg(value));
    return Done{};
}

// Names compared as people write them: case, spaces and empty trailing components aside.
QString normalName(const std::string& name)
{
    QString n = QString::fromStdString(name).trimmed().toUpper();
    while (n.endsWith('^') || n.endsWith(' ')) n.chop(1);
    return n;
}

bool samePatient(const storage::StudyRow& a, const storage::StudyRow& b)
{
    if (a.patientId != b.patientId) return false;
    if (normalName(a.patientName) != normalName(b.patientName)) return false;
    return a.patientBirthDate.empty() || b.patientBirthDate.empty() || a.patientBirthDate == b.patientBirthDate;
}

QString patientText(const storage::StudyRow& r)
{
    return QStringLiteral("%1 (ID %2, born %3)")
        .arg(QString::fromStdString(r.patientName), QString::fromStdString(r.patientId),
             r.patientBirthDate.empty() ? QStringLiteral("?") : QString::fromStdString(r.patientBirthDate));
}

}  // namespace

bool isLaunchCommand(const QString& first) { return first == "open" || first.startsWith("lightbox:", Qt::CaseInsensitive); }

Result<LaunchRequest> parseLaunchUrl(const QString& text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.scheme().toLower() != "lightbox")
        return bad(QStringLiteral("'%1' is not a lightbox:// URL").arg(text));
    if (url.host().toLower() != "open" || (!url.path().isEmpty() && url.path() != "/"))
        return bad(QStringLiteral("lightbox:// URLs only open studies: lightbox://open?accession=A, ?patientId=P or ?study=UID (not '%1')").arg(text));
    if (!url.userInfo().isEmpty() || url.port() != -1 || url.hasFragment())
        return bad(QStringLiteral("the URL '%1' has parts a lightbox://open URL does not take").arg(text));
    const QUrlQuery query(url);
    const auto items = query.queryItems(QUrl::FullyDecoded);
    if (items.size() != 1)
        return bad(QStringLiteral("a lightbox://open URL names exactly one of accession, patientId or study (got %1 parameters)").arg(items.size()));
    const auto key = keyFromName(items.front().first);
    if (!key) return bad(QStringLiteral("unknown parameter '%1' (accession, patientId or study)").arg(items.front().first));
    LaunchRequest r;
    r.key = *key;
    r.value = items.front().second;
    if (Status ok = checkValue(r.key, r.value); !ok) return ok.error();
    return r;
}

Result<LaunchRequest> parseLaunchArguments(const QStringList& args)
{
    LaunchRequest r;
    std::optional<LaunchRequest::Key> key;
    int keys = 0;
    QStringList rest = args;
    if (!rest.isEmpty() && rest.front() == "open") rest.pop_front();
    for (int i = 0; i < rest.size(); ++i) {
        const QString& a = rest[i];
        auto value = [&](QString* out) -> Status {
            if (i + 1 >= rest.size()) return bad(QStringLiteral("%1 needs a value").arg(a));
            *out = rest[++i];
            return Done{};
        };
        Status ok = Done{};
        if (a == "--accession" || a == "--patient-id" || a == "--study") {
            key = a == "--accession" ? LaunchRequest::Key::Accession : a == "--patient-id" ? LaunchRequest::Key::PatientId : LaunchRequest::Key::Study;
            ++keys;
            ok = value(&r.value);
        } else if (a == "--screenshot") ok = value(&r.screenshotDir);
        else if (a == "--screenshot-exit") r.screenshotExit = true;
        else if (a == "--cache") ok = value(&r.cacheDir);
        else if (a == "--config") ok = value(&r.configPath);
        else if (a.startsWith("lightbox:", Qt::CaseInsensitive)) {
            const Result<LaunchRequest> fromUrl = parseLaunchUrl(a);
            if (!fromUrl) return fromUrl.error();
            key = fromUrl->key;
            r.value = fromUrl->value;
            ++keys;
        } else return bad(QStringLiteral("open: unknown argument '%1' (lightbox open --accession A | --patient-id P | --study UID | URL "
                                          "[--screenshot DIR [--screenshot-exit]] [--cache DIR] [--config FILE])").arg(a));
        if (!ok) return ok.error();
    }
    if (keys != 1 || !key) return bad("open: name one study: --accession A, --patient-id P, --study UID or a lightbox://open URL");
    if (r.screenshotExit && r.screenshotDir.isEmpty()) return bad("--screenshot-exit goes with --screenshot DIR");
    r.key = *key;
    if (Status ok = checkValue(r.key, r.value); !ok) return ok.error();
    // The folder is the caller's: relative to where the command runs, not where Lightbox runs.
    if (!r.screenshotDir.isEmpty()) r.screenshotDir = QFileInfo(r.screenshotDir).absoluteFilePath();
    return r;
}

QByteArray launchRequestLine(const LaunchRequest& r)
{
    QJsonObject o{{"open", keyName(r.key)}, {"value", r.value}};
    if (!r.screenshotDir.isEmpty()) o["screenshot"] = r.screenshotDir;
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

Result<LaunchRequest> launchRequestFromJson(const QByteArray& line)
{
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(line.trimmed(), &error);
    if (!doc.isObject()) return makeError("protocol", "the request is not a JSON object: " + error.errorString().toStdString());
    const QJsonObject o = doc.object();
    const auto key = keyFromName(o.value("open").toString());
    if (!key) return makeError("protocol", "the request names no accession, patientId or study");
    LaunchRequest r;
    r.key = *key;
    r.value = o.value("value").toString();
    r.screenshotDir = o.value("screenshot").toString();
    if (!r.screenshotDir.isEmpty() && QFileInfo(r.screenshotDir).isRelative()) return makeError("protocol", "the screenshot folder must be an absolute path");
    if (Status ok = checkValue(r.key, r.value); !ok) return ok.error();
    return r;
}

QString describeLaunch(const LaunchRequest& r)
{
    switch (r.key) {
    case LaunchRequest::Key::Accession: return QStringLiteral("accession %1").arg(r.value);
    case LaunchRequest::Key::PatientId: return QStringLiteral("patient ID %1").arg(r.value);
    case LaunchRequest::Key::Study: return QStringLiteral("study %1").arg(r.value);
    }
    return r.value;
}

storage::StudyQuery launchQuery(const LaunchRequest& r)
{
    storage::StudyQuery q;
    const std::string v = r.value.toStdString();
    if (r.key == LaunchRequest::Key::Accession) q.accession = v;
    else if (r.key == LaunchRequest::Key::PatientId) q.patientId = v;
    else q.studyUid = v;
    q.sort = storage::StudyQuery::Sort::DateNewest;
    q.limit = 500;
    return q;
}

Result<LaunchCandidate> chooseLaunchStudy(const LaunchRequest& r, const std::vector<LaunchCandidate>& found)
{
    // What the search matched exactly (an archive may answer more loosely than asked).
    std::vector<LaunchCandidate> rows;
    for (const LaunchCandidate& c : found) {
        const std::string& field = r.key == LaunchRequest::Key::Accession ? c.row.accession
                                   : r.key == LaunchRequest::Key::PatientId ? c.row.patientId
                                                                            : c.row.studyUid;
        if (QString::fromStdString(field) == r.value) rows.push_back(c);
    }
    if (rows.empty()) return makeError("not-found", "no study with " + describeLaunch(r).toStdString());
    for (const LaunchCandidate& c : rows)
        if (!samePatient(c.row, rows.front().row))
            return makeError("ambiguous", QStringLiteral("%1 belongs to more than one patient (%2 and %3); nothing was opened")
                                              .arg(describeLaunch(r), patientText(rows.front().row), patientText(c.row))
                                              .toStdString());
    // The most recent study (by date and time); among copies of one study, the cached one.
    const auto newest = std::max_element(rows.begin(), rows.end(), [](const LaunchCandidate& a, const LaunchCandidate& b) {
        const auto key = [](const LaunchCandidate& c) { return std::make_tuple(c.row.studyDate, c.row.studyTime, c.archive.isEmpty()); };
        return key(a) < key(b);
    });
    return *newest;
}

}  // namespace lightbox::app
