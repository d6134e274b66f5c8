#pragma once
// Test helpers for network tests: copies of DICOM files under new UIDs (one study, series per
// source folder) with their pixel data untouched, and the raw bytes of a file's Pixel Data
// (fragments included) for byte-for-byte comparisons.
#include <QMap>
#include <QString>
#include <QStringList>

namespace lightbox::test {

// Copies `files` into `folder` with a new Study UID (given), a new Series UID per call and new
// SOP Instance UIDs; the transfer syntax and pixel data bytes are kept. Returns the copies.
QStringList copyWithNewUids(const QStringList& files, const QString& folder, const QString& studyUid, const QString& patientId = {});
// The Pixel Data value as stored (for encapsulated data: every item, offset table included).
QByteArray pixelDataBytes(const QString& file);
QString sopInstanceUid(const QString& file);
// The Transfer Syntax UID in the file's meta header as DCMTK's dcmdump prints it (the number, not
// its name). Empty, with `error` saying why, when dcmdump cannot run, fails, or prints none: a
// comparison of two such answers must never pass.
QString transferSyntaxByDcmdump(const QString& file, QString* error);
// The transfer syntax of the shared compressed MR series `siemens-trio_mr_4sl_<codec>` (MANIFEST.md).
QString compressedSeriesSyntax(const QString& codec);
QString newUid();
// Every instance of a study in the cache at `cacheDir`: SOP Instance UID -> file.
QMap<QString, QString> cachedInstances(const QString& cacheDir, const QString& studyUid);
// A copy of `source` as a new study of patient `patientId` named with `nameBytes` in `charset`.
bool writeWithName(const QString& source, const QString& target, const char* charset, const QByteArray& nameBytes, const QString& patientId);

}  // namespace lightbox::test
