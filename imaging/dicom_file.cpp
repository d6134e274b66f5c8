#include "dicom_file.h"
#include "sealed_file.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcvr.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sys/stat.h>

#include "dicom_file_impl.h"

namespace lightbox {

namespace {

DcmTagKey key(Tag t) { return DcmTagKey(tagGroup(t), tagElement(t)); }

// Text values longer than this come from damaged files (UT may hold up to 4 GiB, but nothing
// Lightbox shows is that long).
constexpr Uint32 kMaxTextBytes = 1 << 20;

DcmElement* findElement(DcmItem* item, Tag t)
{
    if (!item) return nullptr;
    DcmElement* e = nullptr;
    if (item->findAndGetElement(key(t), e, OFFalse).bad()) return nullptr;
    return e;
}

std::vector<std::string> splitValues(const std::string& s)
{
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t end = s.find('\\', start);
        out.push_back(trimDicom(std::string_view(s).substr(start, end == std::string::npos ? std::string::npos : end - start)));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

}  // namespace

void registerDicomCodecs()
{
    static std::once_flag once;
    std::call_once(once, [] {
        // Lightbox reports problems itself, one line per file; DCMTK's own log stays quiet.
        OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
        // Elements written as UN by some toolkits are read with their dictionary VR (PS3.5 6.2.2).
        dcmEnableUnknownVRConversion.set(OFTrue);
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
    });
}

// ---- DicomItem ----

bool DicomItem::has(Tag tag) const { return findElement(m_item, tag) != nullptr; }

std::string DicomItem::text(Tag tag) const
{
    DcmElement* e = findElement(m_item, tag);
    if (!e) return {};
    if (!e->isaString()) {
        // Binary numbers (US, SL, FD...) as text; other binary values (a damaged VR) are not text.
        std::string out;
        for (double v : numbers(tag)) {
            if (!out.empty()) out += '\\';
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.10g", v);
            out += buf;
        }
        return out;
    }
    if (e->getLength() > kMaxTextBytes) return {};  // not a plausible text value
    OFString raw;
    if (e->getOFStringArray(raw, OFFalse).bad()) return {};
    const bool isPn = e->getVR() == EVR_PN;
    std::string decoded = m_charset ? m_charset->decode(std::string_view(raw.c_str(), raw.length()),
                                                        isPn ? TextKind::PersonName : TextKind::Text)
                                    : std::string(raw.c_str(), raw.length());
    return trimDicom(decoded);
}

std::vector<std::string> DicomItem::texts(Tag tag) const
{
    if (!has(tag)) return {};
    return splitValues(text(tag));
}

std::vector<double> DicomItem::numbers(Tag tag) const
{
    std::vector<double> out;
    DcmElement* e = findElement(m_item, tag);
    if (!e || e->getLength() == 0) return out;
    const unsigned long vm = e->getVM();
    switch (e->getVR()) {
    case EVR_US: for (unsigned long i = 0; i < vm; ++i) { Uint16 v; if (e->getUint16(v, i).good()) out.push_back(v); } break;
    case EVR_SS: for (unsigned long i = 0; i < vm; ++i) { Sint16 v; if (e->getSint16(v, i).good()) out.push_back(v); } break;
    case EVR_UL: for (unsigned long i = 0; i < vm; ++i) { Uint32 v; if (e->getUint32(v, i).good()) out.push_back(v); } break;
    case EVR_SL: for (unsigned long i = 0; i < vm; ++i) { Sint32 v; if (e->getSint32(v, i).good()) out.push_back(v); } break;
    case EVR_FL: for (unsigned long i = 0; i < vm; ++i) { Float32 v; if (e->getFloat32(v, i).good()) out.push_back(v); } break;
    case EVR_FD: for (unsigned long i = 0; i < vm; ++i) { Float64 v; if (e->getFloat64(v, i).good()) out.push_back(v); } break;
    default: {
        if (!e->isaString() || e->getLength() > kMaxTextBytes) break;
        OFString raw;
        if (e->getOFStringArray(raw, OFFalse).bad()) break;
        for (const std::string& v : splitValues(std::string(raw.c_str(), raw.length()))) {
            if (v.empty()) continue;
            char* end = nullptr;
            double d = std::strtod(v.c_str(), &end);
            if (end == v.c_str()) continue;  // not a number: skip, keep the others
            out.push_back(d);
        }
    }
    }
    return out;
}

std::optional<double> DicomItem::number(Tag tag, size_t index) const
{
    auto v = numbers(tag);
    if (index >= v.size()) return std::nullopt;
    return v[index];
}

std::vector<std::uint8_t> DicomItem::bytes(Tag tag) const
{
    DcmElement* e = findElement(m_item, tag);
    if (!e || e->getLength() == 0) return {};
    const Uint32 len = e->getLength();
    std::vector<std::uint8_t> out(len);
    if (e->getVR() == EVR_OB || e->getVR() == EVR_UN) {
        Uint8* p = nullptr;
        if (e->getUint8Array(p).bad() || !p) return {};
        std::memcpy(out.data(), p, len);
    } else {
        Uint16* p = nullptr;
        if (e->getUint16Array(p).bad() || !p) return {};
        std::memcpy(out.data(), p, len & ~Uint32(1));
        out.resize(len & ~Uint32(1));
    }
    return out;
}

std::vector<std::uint16_t> DicomItem::words(Tag tag) const
{
    DcmElement* e = findElement(m_item, tag);
    if (!e || e->getLength() < 2) return {};
    const Uint32 n = e->getLength() / 2;
    std::vector<std::uint16_t> out(n);
    if (e->getVR() == EVR_OB || e->getVR() == EVR_UN) {
        Uint8* p = nullptr;
        if (e->getUint8Array(p).bad() || !p) return {};
        for (Uint32 i = 0; i < n; ++i) out[i] = std::uint16_t(p[2 * i] | (p[2 * i + 1] << 8));
        return out;
    }
    Uint16* p = nullptr;
    if (e->getUint16Array(p).good() && p) {
        std::memcpy(out.data(), p, n * 2);
        return out;
    }
    Sint16* s = nullptr;
    if (e->getSint16Array(s).good() && s) {
        std::memcpy(out.data(), s, n * 2);
        return out;
    }
    return {};
}

std::vector<DicomItem> DicomItem::items(Tag tag) const
{
    std::vector<DicomItem> out;
    if (!m_item) return out;
    DcmSequenceOfItems* seq = nullptr;
    if (m_item->findAndGetSequence(key(tag), seq, OFFalse).bad() || !seq) return out;
    for (unsigned long i = 0; i < seq->card(); ++i) out.emplace_back(seq->getItem(i), m_charset);
    return out;
}

std::uint64_t DicomItem::length(Tag tag) const
{
    DcmElement* e = findElement(m_item, tag);
    return e ? e->getLength() : 0;
}

// ---- DicomFile ----

Result<Done> sniffDicom(const std::string& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return makeError("not-found", "file not found");
    if (S_ISDIR(st.st_mode)) return makeError("not-a-file", "is a folder, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError("unreadable", "cannot be opened for reading");
    unsigned char head[132] = {};
    in.read(reinterpret_cast<char*>(head), sizeof head);
    return sniffDicom(head, static_cast<size_t>(in.gcount()));
}

Result<Done> sniffDicom(const std::uint8_t* head, std::size_t got)
{
    if (got < 8) return makeError("not-dicom", "not a DICOM file (only " + std::to_string(got) + " bytes)");
    if (got >= 132 && std::memcmp(head + 128, "DICM", 4) == 0) return Done{};
    // No preamble: accept a raw dataset whose first element has a plausible tag and length.
    auto plausibleGroup = [](unsigned g) {
        return g == 0x0000 || g == 0x0002 || g == 0x0004 || g == 0x0008 || g == 0x0010 || g == 0x0018 ||
               g == 0x0020 || g == 0x0028;
    };
    const unsigned gLE = head[0] | (head[1] << 8);
    const unsigned gBE = (head[0] << 8) | head[1];
    if (plausibleGroup(gLE) || plausibleGroup(gBE)) return Done{};
    return makeError("not-dicom", "not a DICOM file (no DICM prefix and no dataset at the start)");
}

DicomFile::DicomFile() : m_impl(std::make_unique<Impl>()) {}
DicomFile::~DicomFile() = default;

Result<std::unique_ptr<DicomFile>> DicomFile::open(const std::string& path, OpenOptions options)
{
    registerDicomCodecs();
    if (isSealedFile(path)) {
        // Encrypted in the cache: parsed from its plaintext in memory (never written out).
        auto plain = unsealFile(path);
        if (!plain) return plain.error();
        return parse(reinterpret_cast<const std::uint8_t*>(plain->data()), plain->size(), path);
    }
    auto sniff = sniffDicom(path);
    if (!sniff) return sniff.error();

    std::unique_ptr<DicomFile> file(new DicomFile());
    file->m_path = path;
    auto& ff = file->m_impl->fileFormat;
    // Values longer than 4 KiB stay on disk until asked for (pixel data in particular).
    constexpr Uint32 kLazyThreshold = 4096;
    OFCondition cond;
    try {
        if (options.headerOnly)
            cond = ff.loadFileUntilTag(path.c_str(), EXS_Unknown, EGL_noChange, kLazyThreshold, ERM_autoDetect, DCM_PixelData);
        else
            cond = ff.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, kLazyThreshold, ERM_autoDetect);
    } catch (const std::exception& ex) {
        return makeError("unreadable", std::string("cannot be parsed: ") + ex.what());
    }
    return finishLoad(std::move(file), cond);
}

Result<std::unique_ptr<DicomFile>> DicomFile::finishLoad(std::unique_ptr<DicomFile> file, const ::OFCondition& cond)
{
    DcmDataset* ds = file->m_impl->fileFormat.getDataset();
    if (cond.bad()) {
        // Keep what was parsed before the damage (its header may still be useful); pixel data
        // beyond it fails on access with its own reason.
        const bool truncated = cond == EC_StreamNotifyClient || cond == EC_PrematureSequDelimitationItem;
        const std::string what = std::string(truncated ? "file is truncated" : "file is damaged") + " (" + cond.text() + ")";
        if (!ds || ds->card() == 0) return makeError(truncated ? "truncated" : "unreadable", what);
        file->m_warning = what;
    }
    if (!ds || ds->card() == 0) return makeError("not-dicom", "contains no DICOM attributes");

    OFString scs;
    DcmElement* scsElem = findElement(ds, tags::SpecificCharacterSet);
    if (scsElem && scsElem->isaString() && scsElem->getLength() < 1024) scsElem->getOFStringArray(scs, OFFalse);
    file->m_charset = std::make_unique<CharsetDecoder>(std::string_view(scs.c_str(), scs.length()));
    file->m_impl->xfer = ds->getOriginalXfer();
    return file;
}

Result<std::unique_ptr<DicomFile>> DicomFile::parse(const std::uint8_t* data, std::size_t size, const std::string& name)
{
    registerDicomCodecs();
    auto sniff = sniffDicom(data, size);
    if (!sniff) return sniff.error();
    std::unique_ptr<DicomFile> file(new DicomFile());
    file->m_path = name;
    DcmInputBufferStream stream;
    stream.setBuffer(data, offile_off_t(size));
    stream.setEos();
    DcmFileFormat& ff = file->m_impl->fileFormat;
    OFCondition cond;
    try {
        ff.transferInit();
        cond = ff.read(stream, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
        ff.transferEnd();
    } catch (const std::exception& ex) {
        return makeError("unreadable", std::string("cannot be parsed: ") + ex.what());
    }
    return finishLoad(std::move(file), cond);
}

DicomItem DicomFile::dataset() const { return DicomItem(m_impl->fileFormat.getDataset(), m_charset.get()); }
DicomItem DicomFile::metaHeader() const { return DicomItem(m_impl->fileFormat.getMetaInfo(), m_charset.get()); }

std::string DicomFile::transferSyntaxUid() const
{
    DcmXfer x(m_impl->xfer);
    return x.getXferID() ? x.getXferID() : std::string();
}

}  // namespace lightbox
