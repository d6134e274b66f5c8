// What the cache's way in checks on a parsed file besides its content: its size in elements and
// nesting, and whether its file meta information agrees with its dataset (rewritten when not).
#include "dicom_file.h"
#include "dicom_file_impl.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcostrmb.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <algorithm>

namespace lightbox {

namespace {

void walk(DcmItem& item, int depth, DicomFile::Shape& shape)
{
    shape.depth = std::max(shape.depth, depth);
    for (unsigned long i = 0; i < item.card(); ++i) {
        DcmElement* e = item.getElement(i);
        ++shape.elements;
        if (!e || e->ident() != EVR_SQ) continue;
        auto* sq = static_cast<DcmSequenceOfItems*>(e);
        for (unsigned long k = 0; k < sq->card(); ++k)
            if (DcmItem* child = sq->getItem(k)) walk(*child, depth + 1, shape);
    }
}

std::string text(DcmItem* item, const DcmTagKey& tag)
{
    OFString v;
    if (item && item->findAndGetOFString(tag, v).good()) return std::string(v.c_str());
    return {};
}

}  // namespace

DicomFile::Shape DicomFile::shape() const
{
    Shape s;
    if (DcmDataset* ds = m_impl->fileFormat.getDataset()) walk(*ds, 0, s);
    return s;
}

std::vector<std::string> DicomFile::metaInconsistencies() const
{
    std::vector<std::string> out;
    DcmMetaInfo* meta = m_impl->fileFormat.getMetaInfo();
    DcmDataset* ds = m_impl->fileFormat.getDataset();
    if (!meta || meta->card() == 0) {
        out.push_back("no file meta information");
        return out;
    }
    const std::pair<DcmTagKey, DcmTagKey> pairs[] = {{DCM_MediaStorageSOPClassUID, DCM_SOPClassUID}, {DCM_MediaStorageSOPInstanceUID, DCM_SOPInstanceUID}};
    const char* names[] = {"Media Storage SOP Class UID", "Media Storage SOP Instance UID"};
    for (std::size_t i = 0; i < 2; ++i) {
        const std::string m = text(meta, pairs[i].first), d = text(ds, pairs[i].second);
        if (m != d) out.push_back(std::string(names[i]) + " \"" + m + "\" is not the dataset's \"" + d + "\"");
    }
    if (text(meta, DCM_TransferSyntaxUID).empty()) out.push_back("no Transfer Syntax UID in the file meta information");
    return out;
}

Status DicomFile::saveWithFreshMeta(const std::string& path) const
{
    DcmFileFormat& ff = m_impl->fileFormat;
    const E_TransferSyntax xfer = m_impl->xfer != EXS_Unknown ? m_impl->xfer : ff.getDataset()->getOriginalXfer();
    const OFCondition c = ff.saveFile(path.c_str(), xfer, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0, EWM_createNewMeta);
    if (c.bad()) return makeError("rewrite", "cannot write " + path + " anew: " + c.text());
    return Done{};
}

Result<std::vector<std::uint8_t>> DicomFile::encodeWithFreshMeta() const
{
    DcmFileFormat& ff = m_impl->fileFormat;
    const E_TransferSyntax xfer = m_impl->xfer != EXS_Unknown ? m_impl->xfer : ff.getDataset()->getOriginalXfer();
    if (OFCondition c = ff.validateMetaInfo(xfer, EWM_createNewMeta); c.bad()) return makeError("rewrite", std::string("cannot make the meta information anew: ") + c.text());
    std::vector<std::uint8_t> out;
    std::vector<std::uint8_t> chunk(1 << 20);
    DcmOutputBufferStream stream(chunk.data(), offile_off_t(chunk.size()));
    ff.transferInit();
    OFCondition c = EC_StreamNotifyClient;
    while (c == EC_StreamNotifyClient) {
        c = ff.write(stream, xfer, EET_ExplicitLength, nullptr, EGL_recalcGL, EPD_noChange, 0, 0, 0, EWM_createNewMeta);
        void* data = nullptr;
        offile_off_t length = 0;
        stream.flushBuffer(data, length);
        const auto* bytes = static_cast<const std::uint8_t*>(data);
        out.insert(out.end(), bytes, bytes + length);
    }
    ff.transferEnd();
    if (c.bad()) return makeError("rewrite", std::string("cannot encode the file anew: ") + c.text());
    return out;
}

}  // namespace lightbox
