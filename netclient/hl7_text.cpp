#include "hl7_text.h"

#include "dicom_text.h"

#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

namespace lightbox::net {
namespace {

struct CharsetRow {
    const char* hl7;
    const char* dicom;
    const char* iconv;
};

// HL7 table 0211 names we read, with the DICOM term for the same repertoire (PS3.3 C.12.1.1.2).
const CharsetRow kCharsets[] = {
    {"ASCII", "ISO_IR 6", ""},
    {"8859/1", "ISO_IR 100", "ISO-8859-1"},   {"8859/2", "ISO_IR 101", "ISO-8859-2"},
    {"8859/3", "ISO_IR 109", "ISO-8859-3"},   {"8859/4", "ISO_IR 110", "ISO-8859-4"},
    {"8859/5", "ISO_IR 144", "ISO-8859-5"},   {"8859/6", "ISO_IR 127", "ISO-8859-6"},
    {"8859/7", "ISO_IR 126", "ISO-8859-7"},   {"8859/8", "ISO_IR 138", "ISO-8859-8"},
    {"8859/9", "ISO_IR 148", "ISO-8859-9"},   {"8859/15", "ISO_IR 203", "ISO-8859-15"},
    {"UNICODE UTF-8", "ISO_IR 192", ""},      {"GB 18030-2000", "GB18030", "GB18030"},
};

bool sameName(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
           });
}

std::size_t utf8Length(unsigned char lead)
{
    if (lead < 0x80) return 1;
    if ((lead & 0xE0) == 0xC0) return 2;
    if ((lead & 0xF0) == 0xE0) return 3;
    if ((lead & 0xF8) == 0xF0) return 4;
    return 1;
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// \Xhhhh…\ : an even number of hex digits, the bytes they spell.
bool hexBytes(std::string_view hex, std::string& bytes)
{
    if (hex.empty() || hex.size() % 2) return false;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hexDigit(hex[i]), lo = hexDigit(hex[i + 1]);
        if (hi < 0 || lo < 0) return false;
        bytes += char(hi * 16 + lo);
    }
    return true;
}

bool allHex(std::string_view s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return hexDigit(c) >= 0; });
}

}  // namespace

std::string Hl7Delimiters::encodingCharacters() const
{
    std::string s{component, repetition, escape, subcomponent};
    if (truncation) s += truncation;
    return s;
}

Result<Hl7Charset> hl7Charset(std::string_view hl7Name)
{
    if (hl7Name.empty()) return Hl7Charset{"", "ISO_IR 6", ""};
    for (const CharsetRow& row : kCharsets)
        if (sameName(hl7Name, row.hl7)) return Hl7Charset{std::string(hl7Name), row.dicom, row.iconv};
    return makeError("unsupported-charset", "character set " + std::string(hl7Name) + " not supported");
}

std::string encodeText(std::string_view utf8, const Hl7Charset& charset)
{
    if (charset.iconvName.empty()) return std::string(utf8);
    iconv_t cd = ::iconv_open(charset.iconvName.c_str(), "UTF-8");
    if (cd == reinterpret_cast<iconv_t>(-1)) return std::string(utf8);
    std::string out;
    std::string in(utf8);
    char* src = in.data();
    std::size_t left = in.size();
    char buf[256];
    while (left > 0) {
        char* dst = buf;
        std::size_t room = sizeof buf;
        const std::size_t r = ::iconv(cd, &src, &left, &dst, &room);
        out.append(buf, dst - buf);
        if (r == static_cast<std::size_t>(-1) && errno != E2BIG) {
            // Not representable (or broken UTF-8): one character becomes '?', the rest goes on.
            const std::size_t skip = std::min(left, utf8Length(static_cast<unsigned char>(*src)));
            src += skip;
            left -= skip;
            out += '?';
        }
    }
    ::iconv_close(cd);
    return out;
}

Unescaped unescapeText(std::string_view raw, const Hl7Delimiters& d, const CharsetDecoder& decoder)
{
    Unescaped out;
    auto report = [&out](EscapeProblem p, std::string_view seq) {
        if (out.problem == EscapeProblem::None) {
            out.problem = p;
            out.sequence = std::string(seq);
        }
    };
    std::size_t i = 0;
    while (i < raw.size()) {
        const std::size_t start = raw.find(d.escape, i);
        if (start == std::string_view::npos) {
            out.text.append(raw.substr(i));
            break;
        }
        out.text.append(raw.substr(i, start - i));
        const std::size_t end = raw.find(d.escape, start + 1);
        if (end == std::string_view::npos) {  // an escape character never closed
            report(EscapeProblem::Unknown, raw.substr(start));
            break;
        }
        const std::string_view body = raw.substr(start + 1, end - start - 1);
        const std::string_view whole = raw.substr(start, end - start + 1);
        i = end + 1;
        if (body.size() == 1) {
            switch (body[0]) {
            case 'F': out.text += d.field; continue;
            case 'S': out.text += d.component; continue;
            case 'T': out.text += d.subcomponent; continue;
            case 'R': out.text += d.repetition; continue;
            case 'E': out.text += d.escape; continue;
            case 'P': out.text += d.truncation ? d.truncation : '#'; continue;
            case 'H': case 'N': continue;  // highlighting on/off: no meaning in plain text
            default: break;
            }
        }
        const std::string_view arg = body.empty() ? body : body.substr(1);
        if (!body.empty() && body[0] == 'X') {
            std::string bytes;
            if (hexBytes(arg, bytes)) {
                out.text += decoder.decode(bytes);
                continue;
            }
        } else if (!body.empty() && ((body[0] == 'C' && arg.size() == 4) || (body[0] == 'M' && arg.size() == 6)) && allHex(arg)) {
            report(EscapeProblem::CharsetSwitch, whole);
            continue;
        } else if (body == ".br" || body == ".sp") {
            out.text += '\n';
            continue;
        } else if (body == ".fi" || body == ".nf" || body.substr(0, 3) == ".in" || body.substr(0, 3) == ".ti" ||
                   body.substr(0, 3) == ".sk" || body == ".ce") {
            continue;  // formatted-text layout commands: nothing to keep in plain text
        }
        report(EscapeProblem::Unknown, whole);
    }
    return out;
}

std::string escapeText(std::string_view utf8, const Hl7Delimiters& d)
{
    std::string out;
    for (std::size_t i = 0; i < utf8.size(); ++i) {
        const char c = utf8[i];
        auto seq = [&](char letter) { out += d.escape; out += letter; out += d.escape; };
        if (c == d.escape) seq('E');
        else if (c == d.field) seq('F');
        else if (c == d.component) seq('S');
        else if (c == d.subcomponent) seq('T');
        else if (c == d.repetition) seq('R');
        else if (d.truncation && c == d.truncation) seq('P');
        else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < utf8.size() && utf8[i + 1] == '\n') ++i;
            out += d.escape;
            out += ".br";
            out += d.escape;
        } else out += c;
    }
    return out;
}

}  // namespace lightbox::net
