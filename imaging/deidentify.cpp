#include "deidentify.h"

#include "deidentify_impl.h"
#include "deidentify_table.h"
#include "dicom_file.h"
#include "sealed_file.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <random>

namespace lightbox::imaging {

namespace {

// 128 random bits in decimal.
std::string decimal128(unsigned __int128 v)
{
    if (v == 0) return "0";
    std::string s;
    while (v > 0) {
        s.insert(s.begin(), char('0' + int(v % 10)));
        v /= 10;
    }
    return s;
}

// Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms).
long daysFromCivil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + long(doe) - 719468;
}

void civilFromDays(long z, long& y, unsigned& m, unsigned& d)
{
    z += 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = unsigned(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp + (mp < 10 ? 3 : -9);
    y = long(yoe) + era * 400 + (m <= 2);
}

}  // namespace

std::string newRandomUid()
{
    static thread_local std::random_device device;
    unsigned __int128 v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 32) | device();
    return "2.25." + decimal128(v);
}

std::string uidFromBits(std::uint64_t high, std::uint64_t low) { return "2.25." + decimal128((static_cast<unsigned __int128>(high) << 64) | low); }

std::string shiftDate(const std::string& da, int days)
{
    if (da.size() < 8 || da.find_first_not_of("0123456789") < 8) return da;
    const long y = std::stol(da.substr(0, 4));
    const unsigned m = unsigned(std::stoul(da.substr(4, 2))), d = unsigned(std::stoul(da.substr(6, 2)));
    if (m < 1 || m > 12 || d < 1 || d > 31) return da;
    long ny;
    unsigned nm, nd;
    civilFromDays(daysFromCivil(y, m, d) + days, ny, nm, nd);
    char out[16];
    std::snprintf(out, sizeof out, "%04ld%02u%02u", ny, nm, nd);
    return out + da.substr(8);
}

Result<BurnedInCheck> checkBurnedIn(const std::string& path)
{
    registerDicomCodecs();
    DcmFileFormat file;
    if (Status loaded = loadDcmFile(file, path, true); !loaded) return loaded.error();
    return deid::burnedInOf(*file.getDataset());
}

Deidentifier::Deidentifier(DeidOptions options) : m_options(std::move(options)) { registerDicomCodecs(); }

Deidentifier::~Deidentifier() = default;

std::string Deidentifier::replaceUid(const std::string& uid)
{
    if (uid.empty() || m_options.retainUids) return uid;
    auto [it, inserted] = m_uids.try_emplace(uid);
    if (inserted) it->second = m_options.uidFor ? m_options.uidFor(uid) : newRandomUid();
    return it->second;
}

std::string Deidentifier::methodText() const
{
    std::string text = std::string("PS3.15 ") + kDeidEdition + " E.1-1 Basic Profile";
    if (m_options.dates == DeidOptions::Dates::Shift) text += "\\Modified Dates " + std::to_string(m_options.shiftDays) + " days";
    if (m_options.dates == DeidOptions::Dates::Keep) text += "\\Full Dates";
    if (m_options.retainPatientCharacteristics) text += "\\Patient Characteristics";
    if (m_options.retainUids) text += "\\UIDs";
    if (m_options.retainSafePrivate) text += "\\Safe Private";
    if (m_options.retainDescriptions) text += "\\Descriptions retained uncleaned";
    if (!m_options.blank.empty()) text += "\\Pixel rectangles blanked";
    return text + "\\Lightbox";
}

std::vector<std::pair<std::string, std::string>> Deidentifier::methodCodes() const
{
    std::vector<std::pair<std::string, std::string>> codes{{"113100", "Basic Application Confidentiality Profile"}};
    if (!m_options.blank.empty()) codes.push_back({"113101", "Clean Pixel Data Option"});
    if (m_options.dates == DeidOptions::Dates::Keep) codes.push_back({"113106", "Retain Longitudinal Temporal Information Full Dates Option"});
    if (m_options.dates == DeidOptions::Dates::Shift) codes.push_back({"113107", "Retain Longitudinal Temporal Information Modified Dates Option"});
    if (m_options.retainPatientCharacteristics) codes.push_back({"113108", "Retain Patient Characteristics Option"});
    if (m_options.retainUids) codes.push_back({"113110", "Retain UIDs Option"});
    if (m_options.retainSafePrivate) codes.push_back({"113111", "Retain Safe Private Option"});
    return codes;
}

Result<DeidFileResult> Deidentifier::deidentifyFile(const std::string& in, const std::string& out)
{
    DcmFileFormat file;
    if (Status loaded = loadDcmFile(file, in); !loaded) return loaded.error();
    DcmDataset& ds = *file.getDataset();
    const BurnedInCheck burned = deid::burnedInOf(ds);
    if (burned.suspected && m_options.blank.empty())
        return makeError("burned-in", "instance " + burned.sopInstanceUid + ": " + burned.reason + " (give --blank rectangles, or leave it out)");
    DeidFileResult result;
    if (burned.suspected) {
        if (Status s = deid::blankPixels(ds, m_options.blank); !s) return makeError(s.error().code, "instance " + burned.sopInstanceUid + ": " + s.error().message);
        result.blanked = true;
    }
    deid::cleanItem(ds, *this);
    deid::cleanMeta(*file.getMetaInfo(), *this);
    deid::writeMethod(ds, *this, result.blanked);
    OFString v;
    if (ds.findAndGetOFString(DCM_StudyInstanceUID, v).good()) result.studyUid = v.c_str();
    if (ds.findAndGetOFString(DCM_SeriesInstanceUID, v).good()) result.seriesUid = v.c_str();
    if (ds.findAndGetOFString(DCM_SOPInstanceUID, v).good()) result.sopInstanceUid = v.c_str();
    // Decompressed pixels (for blanking) go out as explicit little endian, the rest as they came.
    const E_TransferSyntax xfer = result.blanked && DcmXfer(ds.getOriginalXfer()).isEncapsulated() ? EXS_LittleEndianExplicit : EXS_Unknown;
    if (OFCondition c = file.saveFile(out.c_str(), xfer, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0, EWM_updateMeta); c.bad())
        return makeError("write-failed", out + ": " + c.text());
    return result;
}

}  // namespace lightbox::imaging
