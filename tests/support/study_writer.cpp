#include "study_writer.h"

#include "test_support.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <QDir>
#include <QFileInfo>

namespace lightbox::test {

namespace {

QString sopClassFor(const QString& modality)
{
    if (modality == "MG") return UID_DigitalMammographyXRayImageStorageForPresentation;
    if (modality == "CR") return UID_ComputedRadiographyImageStorage;
    if (modality == "DX") return UID_DigitalXRayImageStorageForPresentation;
    if (modality == "MR") return UID_MRImageStorage;
    if (modality == "US") return UID_UltrasoundImageStorage;
    return UID_CTImageStorage;
}

}  // namespace

QString writeStudy(const StudySpec& s, const QString& dir, QString* error)
{
    char uid[100];
    const QString study = dcmGenerateUniqueIdentifier(uid, SITE_STUDY_UID_ROOT);
    const QString frame = dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
    int seriesNumber = 0;
    for (const SeriesSpec& se : s.series) {
        const QString series = dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT);
        ++seriesNumber;
        for (int i = 0; i < se.images; ++i) {
            DcmFileFormat ff;
            if (ff.loadFile((pydicomTestFiles() + "/CT_small.dcm").toStdString().c_str()).bad()) {
                *error = "cannot read CT_small.dcm";
                return {};
            }
            DcmDataset* d = ff.getDataset();
            const QString sop = dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
            const QString cls = sopClassFor(se.modality);
            auto put = [&](const DcmTagKey& k, const QString& v) { d->putAndInsertString(k, v.toStdString().c_str()); };
            put(DCM_PatientID, s.patientId);
            put(DCM_PatientName, "PROTOCOL^" + s.patientId);
            put(DCM_PatientBirthDate, s.birthDate);
            if (!s.patientAge.isEmpty()) put(DCM_PatientAge, s.patientAge);
            if (!s.accession.isEmpty()) put(DCM_AccessionNumber, s.accession);
            put(DCM_StudyInstanceUID, study);
            put(DCM_StudyDate, s.date);
            put(DCM_StudyTime, "101500");
            put(DCM_StudyDescription, s.description);
            put(DCM_SeriesInstanceUID, series);
            put(DCM_SeriesNumber, QString::number(seriesNumber));
            put(DCM_SeriesDescription, se.description);
            put(DCM_Modality, se.modality);
            put(DCM_BodyPartExamined, se.bodyPart.isEmpty() ? s.bodyPart : se.bodyPart);
            put(DCM_SOPInstanceUID, sop);
            put(DCM_SOPClassUID, cls);
            put(DCM_InstanceNumber, QString::number(i + 1));
            put(DCM_ImageType, se.imageType);
            put(DCM_ImagePositionPatient, QStringLiteral("0\\0\\%1").arg(se.zStart + i * se.zStep));
            put(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
            put(DCM_FrameOfReferenceUID, frame);
            if (!se.patientOrientation.isEmpty()) put(DCM_PatientOrientation, se.patientOrientation[i % se.patientOrientation.size()]);
            if (!se.laterality.isEmpty()) put(DCM_ImageLaterality, se.laterality[i % se.laterality.size()]);
            if (!se.views.isEmpty()) put(DCM_ViewPosition, se.views[i % se.views.size()]);
            const QString path = QStringLiteral("%1/%2/%3-%4.dcm").arg(dir, study).arg(seriesNumber).arg(i);
            QDir().mkpath(QFileInfo(path).absolutePath());
            if (ff.saveFile(path.toStdString().c_str(), EXS_LittleEndianExplicit).bad()) {
                *error = "cannot write " + path;
                return {};
            }
        }
    }
    return study;
}


}  // namespace lightbox::test
