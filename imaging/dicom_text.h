#pragma once
// Decoding of DICOM text values to UTF-8 according to Specific Character Set (0008,0005),
// including ISO 2022 code extensions (PS3.3 C.12.1.1.2, PS3.5 6.1).
#include <string>
#include <string_view>
#include <vector>

namespace lightbox {

enum class TextKind {
    PersonName,  // PN: '^' and '=' reset the code extension state
    Text,        // LO, SH, ST, LT, UT: CR, LF, FF, TAB and '\' reset it
};

class CharsetDecoder {
public:
    // specificCharacterSet: the raw attribute value, values separated by '\'.
    explicit CharsetDecoder(std::string_view specificCharacterSet = {});

    // Raw bytes of a value (possibly multi-valued) to UTF-8. Never fails: bytes that cannot be
    // decoded become U+FFFD.
    std::string decode(std::string_view raw, TextKind kind = TextKind::Text) const;

    // Terms of the Specific Character Set that Lightbox does not know (empty if all are known).
    const std::vector<std::string>& unknownTerms() const { return m_unknown; }

private:
    std::vector<std::string> m_terms;
    std::vector<std::string> m_unknown;
    int m_initialG0 = 0;
    int m_initialG1 = 0;
    bool m_iso2022 = false;
};

// Trims DICOM padding (trailing spaces and NULs, leading spaces).
std::string trimDicom(std::string_view s);

// Formats a PN value for display: "Family^Given^Middle^Prefix^Suffix" groups become
// "Family, Given Middle", component groups (alphabetic=ideographic=phonetic) joined by " = ".
std::string formatPersonName(std::string_view utf8Pn);

}  // namespace lightbox
