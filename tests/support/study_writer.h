#pragma once
// Writes small studies for tests: copies of pydicom's CT_small.dcm (128x128) carrying the
// attributes hanging protocols and viewers look at (patient, dates, descriptions, modality, body
// part, laterality, view, image type, patient orientation, positions), each study with its own
// frame of reference.
#include <QString>
#include <QStringList>

#include <vector>

namespace lightbox::test {

struct SeriesSpec {
    QString description, modality, bodyPart;
    int images = 1;
    QStringList laterality, views;  // per image (cycled), for MG/CR/DX
    QString imageType = "ORIGINAL\\PRIMARY\\AXIAL";
    QStringList patientOrientation;  // per image (cycled), e.g. "P\\L"
    double zStart = 0, zStep = 2.5;  // Image Position (Patient) z of the images, mm
};

struct StudySpec {
    QString patientId, birthDate, date, description, bodyPart;
    std::vector<SeriesSpec> series;
    QString patientAge;  // (0010,1010), e.g. "009Y"; empty: not written
    QString accession;   // (0008,0050); empty: not written
};

// Writes the study under dir/<study UID>/; returns its Study Instance UID (empty on error).
QString writeStudy(const StudySpec& spec, const QString& dir, QString* error);

}  // namespace lightbox::test
