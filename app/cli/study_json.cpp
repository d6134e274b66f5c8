#include "study_json.h"

#include <QJsonArray>

namespace lightbox::app {

QJsonObject studyJson(const storage::StudyRow& s)
{
    auto q = [](const std::string& v) { return QString::fromStdString(v); };
    QJsonObject o;
    o["studyInstanceUid"] = q(s.studyUid);
    o["patientName"] = q(s.patientName);
    o["patientId"] = q(s.patientId);
    o["patientBirthDate"] = q(s.patientBirthDate);
    o["patientSex"] = q(s.patientSex);
    o["studyDate"] = q(s.studyDate);
    o["studyTime"] = q(s.studyTime);
    o["accession"] = q(s.accession);
    o["description"] = q(s.description);
    o["referringPhysician"] = q(s.referringPhysician);
    QJsonArray mods;
    for (const auto& m : s.modalities) mods.append(q(m));
    o["modalities"] = mods;
    o["bodyParts"] = q(s.bodyParts);
    o["seriesCount"] = s.seriesCount;
    o["instanceCount"] = s.instanceCount;
    o["sizeBytes"] = double(s.sizeBytes);
    o["pinned"] = s.pinned;
    o["problems"] = s.problems;
    o["arrivedAt"] = double(s.arrivedAt);  // ms since the epoch
    o["lastOpened"] = s.lastOpened ? QJsonValue(double(s.lastOpened)) : QJsonValue();
    return o;
}

}  // namespace lightbox::app
