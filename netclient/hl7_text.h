#pragma once
// Text inside HL7 v2 messages (ER7 encoding): the message's delimiters, its character set
// (MSH-18, named for CharsetDecoder by its DICOM term) and the escape sequences that let a value
// hold a delimiter. Pure functions; hl7_message.h parses whole messages with them.
#include "result.h"

#include <string>
#include <string_view>

namespace lightbox {
class CharsetDecoder;
}

namespace lightbox::net {

// Taken from MSH-1 and MSH-2 of each message: senders may use others than |^~\&.
struct Hl7Delimiters {
    char field = '|';
    char component = '^';
    char repetition = '~';
    char escape = '\\';
    char subcomponent = '&';
    char truncation = 0;  // v2.7 fifth encoding character; 0 when the message has none

    // MSH-2 as written: component, repetition, escape, subcomponent [, truncation].
    std::string encodingCharacters() const;
};

// An MSH-18 character set: the HL7 name (table 0211), the DICOM term CharsetDecoder knows it by
// and the iconv name used to encode our replies in it.
struct Hl7Charset {
    std::string hl7Name;     // as the sender spelled it ("8859/1"); "" when MSH-18 was empty
    std::string dicomTerm;   // "ISO_IR 100"
    std::string iconvName;   // "ISO-8859-1"; "" = UTF-8 as is (ASCII, UTF-8)
};

// "ASCII" and "" → ISO_IR 6, 8859/n, UNICODE UTF-8, GB 18030-2000. Error "unsupported-charset"
// ("character set X not supported") for any other name.
Result<Hl7Charset> hl7Charset(std::string_view hl7Name);

// UTF-8 text into the bytes of a character set; characters it cannot hold become '?'.
std::string encodeText(std::string_view utf8, const Hl7Charset& charset);

// Why an escape sequence could not be read as text.
enum class EscapeProblem {
    None,
    Unknown,          // not an HL7 escape (or not closed): an identifier holding one is unusable
    CharsetSwitch,    // \Cxxyy\ or \Mxxyyzz\ (ISO 2022 switches): not supported, answer AE
};

struct Unescaped {
    std::string text;  // UTF-8
    EscapeProblem problem = EscapeProblem::None;
    std::string sequence;  // the first offending sequence, for the error text
};

// Replaces escape sequences in one (already decoded, UTF-8) component or subcomponent. Unknown
// sequences and charset switches are dropped from the text and reported; \Xhhhh\ bytes are read
// in the message's character set through `decoder`.
Unescaped unescapeText(std::string_view raw, const Hl7Delimiters& d, const CharsetDecoder& decoder);

// The inverse for text we write (ACK texts, echoed names): delimiters and the escape character
// become \F\ \S\ \R\ \T\ \E\ (\P\), line ends \.br\.
std::string escapeText(std::string_view utf8, const Hl7Delimiters& d);

}  // namespace lightbox::net
