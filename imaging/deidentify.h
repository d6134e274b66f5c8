#pragma once
// De-identification of DICOM files by PS3.15 Annex E: the Basic Application Level
// Confidentiality Profile (Table E.1-1, deidentify_table.h) with the options Lightbox offers.
// One Deidentifier serves one export: it holds the map of replaced UIDs, so that every study,
// series, instance, frame of reference and reference (SR, GSPS, KOS, SEG, the meta header) of
// the export is replaced the same way and references still resolve inside it. Files are read
// and written with DCMTK; the originals are never changed.
#include "result.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lightbox::imaging {

struct BlankRect {
    int x = 0, y = 0, width = 0, height = 0;  // pixels, from the top left corner
};

struct DeidOptions {
    enum class Dates { Remove, Shift, Keep };
    Dates dates = Dates::Remove;  // Remove: the Basic Profile; Shift: Retain Longitudinal Temporal
                                  // Information with Modified Dates; Keep: ... with Full Dates
    int shiftDays = 0;            // added to every date (DA, and the date of every DT) with Shift
    bool retainPatientCharacteristics = false;  // age, sex, size, weight, ethnic group, smoking, pregnancy
    bool retainDescriptions = false;  // the descriptors the Clean Descriptors Option would clean, kept as they are
    bool retainUids = false;          // Retain UIDs Option
    bool retainSafePrivate = false;   // Retain Safe Private Option (a small list; every other private element goes)
    std::string patientName, patientId;  // written instead of the profile's empty values when given
    std::vector<BlankRect> blank;        // with these, images suspected of burned-in text are blanked, not refused
    // When set, the replacement of each UID, the same for every Deidentifier that uses it (routing
    // de-identifies a study's instances one by one as they arrive, in more than one process);
    // otherwise a new random UID per original, kept for this Deidentifier's life.
    std::function<std::string(const std::string&)> uidFor;
};

// Whether an image may show burned-in identifying text: Burned In Annotation (0028,0301) is YES,
// or it is absent and the image is of a kind that usually carries it (ultrasound, secondary
// capture, endoscopy and other visible-light photographs).
struct BurnedInCheck {
    bool suspected = false;
    std::string reason;  // why, for the message naming the instance
    std::string sopInstanceUid;
};
Result<BurnedInCheck> checkBurnedIn(const std::string& path);

struct DeidFileResult {
    std::string studyUid, seriesUid, sopInstanceUid;  // the new ones
    bool blanked = false;
};

class Deidentifier {
public:
    explicit Deidentifier(DeidOptions options);
    ~Deidentifier();
    Deidentifier(const Deidentifier&) = delete;
    Deidentifier& operator=(const Deidentifier&) = delete;

    // Reads `in`, applies the profile and writes `out` (Part 10, zero preamble). Images suspected
    // of burned-in text are blanked by the options' rectangles, or refused without them.
    Result<DeidFileResult> deidentifyFile(const std::string& in, const std::string& out);

    // The replacement of a UID (the same one every time within this Deidentifier).
    std::string replaceUid(const std::string& uid);
    const std::map<std::string, std::string>& uidMap() const { return m_uids; }
    const DeidOptions& options() const { return m_options; }
    // De-identification Method (0012,0063): the profile, its edition and the options used.
    std::string methodText() const;
    // De-identification Method Code Sequence (0012,0064): CID 7050 code values.
    std::vector<std::pair<std::string, std::string>> methodCodes() const;

private:
    DeidOptions m_options;
    std::map<std::string, std::string> m_uids;
};

// A new UID under the 2.25 root (ITU-T X.667: a random 128-bit number in decimal).
std::string newRandomUid();
// The UID under the 2.25 root for a 128-bit number given as its high and low 64 bits.
std::string uidFromBits(std::uint64_t high, std::uint64_t low);
// Adds `days` to a DA value ("YYYYMMDD"); other text is returned unchanged.
std::string shiftDate(const std::string& da, int days);

}  // namespace lightbox::imaging
