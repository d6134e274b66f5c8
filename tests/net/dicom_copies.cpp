#include "dicom_copies.h"

#include "cache.h"
#include "sealed_file.h"
#include "test_support.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/oflog/oflog.h>

#include <QDir>
#include <QFileInfo>

namespace lightbox::test {

namespace {
// DCMTK's warnings about the corpus's odd files are not this test's subject.
const bool quiet = [] {
    OFLog::configure(OFLogger::ERROR_LOG_LEVEL);
    return true;
}();
}  // namespace

QString newUid()
{
    char buf[100];
    dcmGenerateUniqueIdentifier(buf, SITE_INSTANCE_UID_ROOT);
    return QString::fromLatin1(buf);
}

QStringList copyWithNewUids(const QStringList& files, const QString& folder, const QString& studyUid, const QString& patientId)
{
    QDir().mkpath(folder);
    const QString series = newUid();
    QStringList out;
    int n = 0;
    for (const QString& f : files) {
        DcmFileFormat ff;
        if (ff.loadFile(f.toLocal8Bit().constData()).bad()) continue;
        DcmDataset* ds = ff.getDataset();
        const QString sop = newUid();
        ds->putAndInsertString(DCM_StudyInstanceUID, studyUid.toLatin1().constData());
        ds->putAndInsertString(DCM_SeriesInstanceUID, series.toLatin1().constData());
        ds->putAndInsertString(DCM_SOPInstanceUID, sop.toLatin1().constData());
        if (!patientId.isEmpty()) ds->putAndInsertString(DCM_PatientID, patientId.toLatin1().constData());
        ff.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPInstanceUID, sop.toLatin1().constData());
        const QString target = QStringLiteral("%1/%2.dcm").arg(folder).arg(++n, 4, 10, QChar('0'));
        // Written in the transfer syntax it was read in: compressed pixel data stays as it is.
        if (ff.saveFile(target.toLocal8Bit().constData(), EXS_Unknown, EET_UndefinedLength, EGL_recalcGL, EPD_noChange, 0, 0,
                        EWM_updateMeta).good())
            out << target;
    }
    return out;
}

QByteArray pixelDataBytes(const QString& file)
{
    DcmFileFormat ff;  // a file of an encrypted cache is read decrypted (the test opened its cache)
    if (!loadDcmFile(ff, file.toStdString())) return {};
    DcmElement* e = nullptr;
    if (ff.getDataset()->findAndGetElement(DCM_PixelData, e).bad() || !e) return {};
    auto* px = dynamic_cast<DcmPixelData*>(e);
    QByteArray out;
    DcmPixelSequence* seq = nullptr;
    E_TransferSyntax xfer = ff.getDataset()->getOriginalXfer();
    if (px && px->getEncapsulatedRepresentation(xfer, nullptr, seq).good() && seq) {
        for (unsigned long i = 0; i < seq->card(); ++i) {
            DcmPixelItem* item = nullptr;
            if (seq->getItem(item, i).bad() || !item) continue;
            Uint8* data = nullptr;
            item->getUint8Array(data);
            out.append(reinterpret_cast<const char*>(data), int(item->getLength()));
        }
        return out;
    }
    Uint8* data = nullptr;
    if (e->getUint8Array(data).good() && data) out.append(reinterpret_cast<const char*>(data), int(e->getLength()));
    else {
        Uint16* words = nullptr;
        if (e->getUint16Array(words).good() && words) out.append(reinterpret_cast<const char*>(words), int(e->getLength()));
    }
    return out;
}

QString sopInstanceUid(const QString& file)
{
    DcmFileFormat ff;
    if (!loadDcmFile(ff, file.toStdString(), true)) return {};
    OFString s;
    ff.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, s);
    return QString::fromLatin1(s.c_str());
}

}  // namespace lightbox::test

namespace lightbox::test {

bool writeWithName(const QString& source, const QString& target, const char* charset, const QByteArray& nameBytes, const QString& patientId)
{
    DcmFileFormat ff;
    if (ff.loadFile(source.toLocal8Bit().constData()).bad()) return false;
    DcmDataset* ds = ff.getDataset();
    ds->putAndInsertString(DCM_SpecificCharacterSet, charset);
    ds->putAndInsertString(DCM_PatientName, nameBytes.constData());
    ds->putAndInsertString(DCM_PatientID, patientId.toLatin1().constData());
    const QString study = newUid(), series = newUid(), sop = newUid();
    ds->putAndInsertString(DCM_StudyInstanceUID, study.toLatin1().constData());
    ds->putAndInsertString(DCM_SeriesInstanceUID, series.toLatin1().constData());
    ds->putAndInsertString(DCM_SOPInstanceUID, sop.toLatin1().constData());
    ff.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPInstanceUID, sop.toLatin1().constData());
    return ff.saveFile(target.toLocal8Bit().constData(), EXS_Unknown).good();
}

}  // namespace lightbox::test

namespace lightbox::test {

QMap<QString, QString> cachedInstances(const QString& cacheDir, const QString& studyUid)
{
    QMap<QString, QString> out;
    auto cache = storage::Cache::open(cacheDir.toStdString());
    if (!cache) return out;
    for (const auto& [path, row] : (*cache)->studyFiles(studyUid.toStdString()))
        out[QString::fromStdString(row.sopInstanceUid)] = QString::fromStdString(path);
    return out;
}

}  // namespace lightbox::test

namespace lightbox::test {

QString transferSyntaxByDcmdump(const QString& file, QString* error)
{
    const ProcessResult r = run("dcmdump", {"-q", "-Un", "+P", "0002,0010", file});
    if (!r.ok()) {
        *error = QStringLiteral("dcmdump %1: %2").arg(file, r.err.isEmpty() ? QStringLiteral("exit %1").arg(r.exitCode) : QString::fromUtf8(r.err.trimmed()));
        return {};
    }
    for (const QString& line : QString::fromLatin1(r.out).split('\n')) {
        if (!line.startsWith("(0002,0010)")) continue;
        const int a = line.indexOf('['), b = line.indexOf(']', a + 1);
        const QString uid = a >= 0 && b > a ? line.mid(a + 1, b - a - 1).trimmed() : QString();
        if (!uid.isEmpty()) return uid;
    }
    *error = QStringLiteral("dcmdump printed no Transfer Syntax UID for %1: %2").arg(file, QString::fromLatin1(r.out.left(200)));
    return {};
}

QString compressedSeriesSyntax(const QString& codec)
{
    if (codec == "jpeg-ls") return "1.2.840.10008.1.2.4.80";        // JPEG-LS lossless
    if (codec == "jpeg2000") return "1.2.840.10008.1.2.4.90";       // JPEG 2000 lossless only
    if (codec == "jpeg-lossless") return "1.2.840.10008.1.2.4.70";  // JPEG lossless, SV1
    if (codec == "rle") return "1.2.840.10008.1.2.5";               // RLE lossless
    return {};
}

}  // namespace lightbox::test
