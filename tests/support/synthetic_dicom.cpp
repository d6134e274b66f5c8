#include "synthetic_dicom.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <QDir>

#include <cstdio>
#include <vector>

namespace lightbox::test {

namespace {

std::string uid(const char* root)
{
    char buf[100];
    dcmGenerateUniqueIdentifier(buf, root);
    return buf;
}

}  // namespace

int writeSyntheticStudies(const QString& templateFile, const QString& outDir, const SyntheticOptions& o)
{
    DcmFileFormat ff;
    if (ff.loadFile(templateFile.toLocal8Bit().constData()).bad()) return -1;
    ff.loadAllDataIntoMemory();
    DcmDataset* ds = ff.getDataset();
    if (o.crop > 0) {
        Uint16 rows = 0, cols = 0;
        const Uint16* px = nullptr;
        ds->findAndGetUint16(DCM_Rows, rows);
        ds->findAndGetUint16(DCM_Columns, cols);
        if (ds->findAndGetUint16Array(DCM_PixelData, px).bad() || !px || rows < o.crop || cols < o.crop) return -1;
        std::vector<Uint16> cropped(size_t(o.crop) * o.crop);
        const int r0 = (rows - o.crop) / 2, c0 = (cols - o.crop) / 2;
        for (int r = 0; r < o.crop; ++r)
            for (int c = 0; c < o.crop; ++c) cropped[size_t(r) * o.crop + c] = px[size_t(r0 + r) * cols + c0 + c];
        ds->putAndInsertUint16Array(DCM_PixelData, cropped.data(), static_cast<unsigned long>(cropped.size()));
        ds->putAndInsertUint16(DCM_Rows, Uint16(o.crop));
        ds->putAndInsertUint16(DCM_Columns, Uint16(o.crop));
    }
    if (!o.modality.isEmpty()) ds->putAndInsertString(DCM_Modality, o.modality.toLatin1().constData());
    int written = 0;
    char text[128];
    const int patients = o.patients > 0 ? o.patients : o.studies;
    for (int s = 0; s < o.studies; ++s) {
        const int patient = s % patients;
        std::snprintf(text, sizeof text, "SYNTH^PATIENT%05d", patient);
        ds->putAndInsertString(DCM_PatientName, text);
        std::snprintf(text, sizeof text, "SYN%06d", patient);
        ds->putAndInsertString(DCM_PatientID, text);
        std::snprintf(text, sizeof text, "%04d%02d%02d", 2000 + s % 25, 1 + s % 12, 1 + s % 28);
        ds->putAndInsertString(DCM_StudyDate, text);
        std::snprintf(text, sizeof text, "ACC%07d", s);
        ds->putAndInsertString(DCM_AccessionNumber, text);
        ds->putAndInsertString(DCM_StudyInstanceUID, uid(SITE_STUDY_UID_ROOT).c_str());
        for (int se = 0; se < o.seriesPerStudy; ++se) {
            ds->putAndInsertString(DCM_SeriesInstanceUID, uid(SITE_SERIES_UID_ROOT).c_str());
            std::snprintf(text, sizeof text, "%d", se + 1);
            ds->putAndInsertString(DCM_SeriesNumber, text);
            const QString dir = QStringLiteral("%1/s%2/se%3").arg(outDir).arg(s, 4, 10, QLatin1Char('0')).arg(se, 2, 10, QLatin1Char('0'));
            QDir().mkpath(dir);
            for (int i = 0; i < o.instancesPerSeries; ++i) {
                const std::string sop = uid(SITE_INSTANCE_UID_ROOT);
                ds->putAndInsertString(DCM_SOPInstanceUID, sop.c_str());
                ff.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPInstanceUID, sop.c_str());
                std::snprintf(text, sizeof text, "%d", i + 1);
                ds->putAndInsertString(DCM_InstanceNumber, text);
                std::snprintf(text, sizeof text, "0\\0\\%d", -i * 5);
                ds->putAndInsertString(DCM_ImagePositionPatient, text);
                const QString path = QStringLiteral("%1/i%2.dcm").arg(dir).arg(i, 4, 10, QLatin1Char('0'));
                if (ff.saveFile(path.toLocal8Bit().constData(), EXS_LittleEndianExplicit).bad()) return -1;
                ++written;
            }
        }
    }
    return written;
}

}  // namespace lightbox::test
