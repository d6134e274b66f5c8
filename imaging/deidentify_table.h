#pragma once
// PS3.15 Annex E, Table E.1-1 (Application Level Confidentiality Profile Attributes): the Basic
// Profile's action for each attribute and which options change it. Written out for Lightbox; it
// matches the 2026c edition of PS3.15 (how that was checked: see deidentify_table.cpp).
#include <cstdint>
#include <vector>

namespace lightbox::imaging {

// The Basic Profile's actions (PS3.15 E.3.1). The combined ones name what to do when the
// attribute may be removed (X), must be present (Z: zero length) or must hold a value (D).
enum class DeidAction : std::uint8_t { D, Z, X, K, C, U, ZD, XZ, XD, XZD, XZU };

// Options whose column in Table E.1-1 changes the action of a row. Dates are recognised by their
// VR: every DA, DT and TM row carries K under "Full Dates" and C under "Modified Dates" except
// Patient's Birth Date and Birth Time, which no option keeps (kNoDateOption). Only K is recorded
// for the Retain options: a C under one of them (AE titles under Device Identity, Allergies or
// Pre-Medication under Patient Characteristics) is left out, so those rows keep the Basic action.
enum DeidRowOption : std::uint8_t {
    kRetainPatientCharacteristics = 1 << 0,  // K in "Rtn. Pat. Chars. Opt."
    kCleanDescriptor = 1 << 1,               // C in "Clean Desc. Opt."
    kRetainDeviceIdentity = 1 << 2,          // K in "Rtn. Dev. Id. Opt."
    kRetainInstitutionIdentity = 1 << 3,     // K in "Rtn. Inst. Id. Opt."
    kCleanStructuredContent = 1 << 4,        // C in "Clean Struct. Cont. Opt."
    kCleanGraphics = 1 << 5,                 // C in "Clean Graph. Opt."
    kNoDateOption = 1 << 6,                  // a DA/DT/TM row with nothing under either date column
};

struct DeidRow {
    std::uint16_t group, element;
    DeidAction action;
    std::uint8_t options;  // DeidRowOption bits
};

inline constexpr const char* kDeidEdition = "2026c";

// Every row of the table except the private, curve (50xx) and overlay (60xx) ranges, which
// the de-identifier handles by their group. Sorted by tag.
const std::vector<DeidRow>& basicProfileTable();
// The row of a tag, or null when the table does not name it.
const DeidRow* findDeidRow(std::uint16_t group, std::uint16_t element);

}  // namespace lightbox::imaging
