// Burned-in annotation: which images are suspected of it, and blanking rectangles of their pixels.
#include "deidentify_impl.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <algorithm>
#include <cstring>

namespace lightbox::imaging::deid {

namespace {

std::string text(DcmItem& item, const DcmTagKey& tag)
{
    OFString v;
    return item.findAndGetOFString(tag, v).good() ? std::string(v.c_str()) : std::string();
}

// Ultrasound, secondary capture and visible-light photographs (endoscopy, external cameras)
// usually carry the patient's name or dates burned into their pixels.
std::string suspectKind(const std::string& modality, const std::string& sopClass)
{
    if (modality == "US" || modality == "IVUS" || sopClass.rfind("1.2.840.10008.5.1.4.1.1.6.", 0) == 0 || sopClass == "1.2.840.10008.5.1.4.1.1.3.1")
        return "ultrasound";
    if (sopClass.rfind("1.2.840.10008.5.1.4.1.1.7", 0) == 0) return "secondary capture";
    if (modality == "ES" || modality == "XC" || modality == "GM" || sopClass.rfind("1.2.840.10008.5.1.4.1.1.77.1", 0) == 0) return "visible-light photograph";
    return {};
}

struct PixelLayout {
    long rows = 0, columns = 0, samples = 1, bytes = 1, frames = 1;
    bool planar = false;
};

Status layoutOf(DcmDataset& ds, PixelLayout& p)
{
    Uint16 rows = 0, columns = 0, samples = 1, bits = 0, planar = 0;
    ds.findAndGetUint16(DCM_Rows, rows);
    ds.findAndGetUint16(DCM_Columns, columns);
    ds.findAndGetUint16(DCM_SamplesPerPixel, samples);
    ds.findAndGetUint16(DCM_BitsAllocated, bits);
    ds.findAndGetUint16(DCM_PlanarConfiguration, planar);
    Sint32 frames = 1;
    if (ds.findAndGetSint32(DCM_NumberOfFrames, frames).bad() || frames < 1) frames = 1;
    if (bits != 8 && bits != 16) return makeError("cannot-blank", "cannot blank " + std::to_string(bits) + "-bit pixels");
    const std::string photometric = text(ds, DCM_PhotometricInterpretation);
    if (photometric.find("422") != std::string::npos || photometric.find("420") != std::string::npos)
        return makeError("cannot-blank", "cannot blank subsampled " + photometric + " pixels");
    p = PixelLayout{rows, columns, samples, bits / 8, frames, planar == 1};
    return Done{};
}

}  // namespace

BurnedInCheck burnedInOf(DcmDataset& ds)
{
    BurnedInCheck check;
    check.sopInstanceUid = text(ds, DCM_SOPInstanceUID);
    if (!ds.tagExists(DCM_PixelData) && !ds.tagExists(DCM_Rows)) return check;  // not an image (read up to its pixels or whole)
    const std::string burned = text(ds, DCM_BurnedInAnnotation);
    if (burned == "YES") {
        check.suspected = true;
        check.reason = "Burned In Annotation is YES";
    } else if (burned.empty()) {
        const std::string kind = suspectKind(text(ds, DCM_Modality), text(ds, DCM_SOPClassUID));
        check.suspected = !kind.empty();
        check.reason = kind + " without Burned In Annotation: its pixels may show identifying text";
    }
    return check;
}

Status blankPixels(DcmDataset& ds, const std::vector<BlankRect>& rects)
{
    const E_TransferSyntax xfer = ds.getOriginalXfer();
    if (DcmXfer(xfer).isEncapsulated() && ds.chooseRepresentation(EXS_LittleEndianExplicit, nullptr).bad())
        return makeError("cannot-blank", std::string("cannot decompress ") + DcmXfer(xfer).getXferName() + " to blank its pixels");
    PixelLayout p;
    if (Status s = layoutOf(ds, p); !s) return s;
    DcmElement* pixels = nullptr;
    if (ds.findAndGetElement(DCM_PixelData, pixels).bad() || !pixels) return makeError("cannot-blank", "no pixel data");
    Uint8* data = nullptr;
    if (pixels->getUint8Array(data).bad() || !data) {
        Uint16* words = nullptr;
        if (pixels->getUint16Array(words).bad() || !words) return makeError("cannot-blank", "pixel data unreadable");
        data = reinterpret_cast<Uint8*>(words);  // native order: zero bytes are zero either way
    }
    const long frameBytes = p.rows * p.columns * p.samples * p.bytes;
    if (long(pixels->getLength()) < frameBytes * p.frames) return makeError("cannot-blank", "pixel data shorter than its frames");
    for (const BlankRect& r : rects) {
        const long x0 = std::clamp<long>(r.x, 0, p.columns), x1 = std::clamp<long>(long(r.x) + r.width, 0, p.columns);
        const long y0 = std::clamp<long>(r.y, 0, p.rows), y1 = std::clamp<long>(long(r.y) + r.height, 0, p.rows);
        for (long f = 0; f < p.frames; ++f)
            for (long s = 0; s < p.samples; ++s)
                for (long y = y0; y < y1; ++y)
                    for (long x = x0; x < x1; ++x) {
                        const long pixel = p.planar ? s * p.rows * p.columns + y * p.columns + x : (y * p.columns + x) * p.samples + s;
                        std::memset(data + f * frameBytes + pixel * p.bytes, 0, std::size_t(p.bytes));
                    }
    }
    return Done{};
}

}  // namespace lightbox::imaging::deid
