#include "archived_studies.h"

#include "test_support.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace lightbox::test {

bool uploadStudies(OrthancServer& orthanc, const std::vector<NamedStudy>& studies, const QString& dir, QMap<QString, QString>& uids, QString* error)
{
    for (const NamedStudy& s : studies) {
        const QString folder = dir + "/" + s.name;
        const QString uid = writeStudy(s.spec, folder, error);
        if (uid.isEmpty()) return false;
        uids[s.name] = uid;
        if (orthanc.upload(filesUnder(folder), error) == 0) return false;
    }
    return true;
}

QStringList cachedStudyNames(const QString& cacheDir, const QString& patientId, const QMap<QString, QString>& uids)
{
    const ProcessResult r = run(lightboxExe(), {"studies", "--patient-id", patientId, "--json", "--cache", cacheDir});
    QStringList out;
    for (const QJsonValue& v : QJsonDocument::fromJson(r.out).array()) {
        const QString uid = v.toObject()["studyInstanceUid"].toString();
        out << uids.key(uid, uid);
    }
    out.sort();
    return out;
}

}  // namespace lightbox::test
