#include "cli_args.h"
#include "commands.h"

#include "dicom_file.h"
#include "image_info.h"
#include "instance_summary.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

namespace lightbox::app {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QJsonArray numbers(const double* v, int n)
{
    QJsonArray a;
    for (int i = 0; i < n; ++i) a.append(v[i]);
    return a;
}

QJsonObject summaryJson(const InstanceSummary& s)
{
    QJsonObject o;
    o["specificCharacterSet"] = q(s.specificCharacterSet);
    o["patientName"] = q(s.patientName);
    o["patientId"] = q(s.patientId);
    o["patientBirthDate"] = q(s.patientBirthDate);
    o["patientSex"] = q(s.patientSex);
    o["patientAge"] = q(s.patientAge);
    o["studyInstanceUid"] = q(s.studyInstanceUid);
    o["studyDate"] = q(s.studyDate);
    o["studyTime"] = q(s.studyTime);
    o["studyDescription"] = q(s.studyDescription);
    o["studyId"] = q(s.studyId);
    o["accession"] = q(s.accessionNumber);
    o["referringPhysician"] = q(s.referringPhysician);
    o["seriesInstanceUid"] = q(s.seriesInstanceUid);
    o["seriesNumber"] = q(s.seriesNumber);
    o["seriesDescription"] = q(s.seriesDescription);
    o["modality"] = q(s.modality);
    o["bodyPart"] = q(s.bodyPart);
    o["laterality"] = q(s.laterality);
    o["viewPosition"] = q(s.viewPosition);
    QJsonArray imageType;
    for (const auto& t : s.imageType) imageType.append(q(t));
    o["imageType"] = imageType;
    o["sopClassUid"] = q(s.sopClassUid);
    o["sopClassName"] = q(s.sopClassName);
    o["sopInstanceUid"] = q(s.sopInstanceUid);
    o["instanceNumber"] = q(s.instanceNumber);
    o["frameOfReferenceUid"] = q(s.frameOfReferenceUid);
    o["transferSyntaxUid"] = q(s.transferSyntaxUid);
    o["transferSyntax"] = q(s.transferSyntaxName);
    o["manufacturer"] = q(s.manufacturer);
    o["manufacturerModelName"] = q(s.manufacturerModel);
    o["institutionName"] = q(s.institution);
    return o;
}

QJsonObject imageJson(const ImageInfo& info)
{
    QJsonObject o;
    o["rows"] = int(info.rows);
    o["columns"] = int(info.columns);
    o["frames"] = int(info.frames);
    o["samplesPerPixel"] = info.samplesPerPixel;
    o["photometricInterpretation"] = QString(photometricName(info.photometric));
    o["bitsAllocated"] = info.bitsAllocated;
    o["bitsStored"] = info.bitsStored;
    o["highBit"] = info.highBit;
    o["pixelRepresentation"] = info.isSigned ? 1 : 0;
    o["planarConfiguration"] = info.planarConfiguration;
    o["lossy"] = info.lossy;
    o["rescaleSlope"] = info.modality.slope;
    o["rescaleIntercept"] = info.modality.intercept;
    if (!info.modality.rescaleType.empty()) o["rescaleType"] = q(info.modality.rescaleType);
    o["modalityLut"] = bool(info.modality.lut);
    QJsonArray windows;
    for (const auto& w : info.windows) {
        QJsonObject jw;
        jw["center"] = w.center;
        jw["width"] = w.width;
        jw["function"] = w.function == VoiFunction::Linear ? "LINEAR" : w.function == VoiFunction::LinearExact ? "LINEAR_EXACT" : "SIGMOID";
        if (!w.explanation.empty()) jw["explanation"] = q(w.explanation);
        windows.append(jw);
    }
    o["windows"] = windows;
    o["voiLuts"] = int(info.voiLuts.size());
    if (info.plane.pixelSpacing) o["pixelSpacing"] = numbers(info.plane.pixelSpacing->data(), 2);
    if (info.imagerPixelSpacing) o["imagerPixelSpacing"] = numbers(info.imagerPixelSpacing->data(), 2);
    if (info.plane.position) o["imagePositionPatient"] = numbers(info.plane.position->data(), 3);
    if (info.plane.orientation) o["imageOrientationPatient"] = numbers(info.plane.orientation->data(), 6);
    if (info.plane.sliceThickness) o["sliceThickness"] = *info.plane.sliceThickness;
    if (info.sliceLocation) o["sliceLocation"] = *info.sliceLocation;
    if (info.paddingValue) o["pixelPaddingValue"] = double(*info.paddingValue);
    return o;
}

void printText(QTextStream& out, const QJsonObject& o, const QString& indent = {})
{
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.value().isObject()) {
            out << indent << it.key() << ":\n";
            printText(out, it.value().toObject(), indent + "  ");
        } else {
            QString v = it.value().isArray() ? QString::fromUtf8(QJsonDocument(it.value().toArray()).toJson(QJsonDocument::Compact))
                                             : it.value().toVariant().toString();
            out << indent << it.key() << ": " << v << '\n';
        }
    }
}

}  // namespace

int runDump(const QStringList& args)
{
    CliArgs a(args, {}, {"--json"});
    if (!a.ok()) return fail(a.error(), 2);
    if (a.positional().size() != 1) return fail("usage: lightbox dump FILE [--json]", 2);
    const QString path = a.positional().front();
    auto file = DicomFile::open(path.toStdString());
    if (!file) return fail(QStringLiteral("%1: %2").arg(path, q(file.error().message)));

    QJsonObject o = summaryJson(summarize(**file));
    o["file"] = path;
    auto info = readImageInfo(**file);
    if (info) {
        o["image"] = imageJson(*info);
        o["displayable"] = true;
    } else {
        o["displayable"] = false;
        o["reason"] = q(info.error().message);
    }
    if (!(*file)->parseWarning().empty()) o["warning"] = q((*file)->parseWarning());

    QTextStream out(stdout);
    out.setEncoding(QStringConverter::Utf8);
    if (a.flag("--json")) out << QJsonDocument(o).toJson(QJsonDocument::Indented);
    else printText(out, o);
    return 0;
}

}  // namespace lightbox::app
