#include "dicom_text.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>

namespace lightbox {
namespace {

// Graphic character sets a G0 or G1 element can designate.
enum Set : int {
    None = 0,
    Ascii,
    JisRomaji,     // JIS X 0201 G0 (ISO 2022 IR 13)
    JisKatakana,   // JIS X 0201 G1 (ISO_IR 13), read as Shift_JIS (see sjisCharLength)
    Jis0208,       // ISO 2022 IR 87, G0, two bytes
    Jis0212,       // ISO 2022 IR 159, G0, two bytes
    Ksx1001,       // ISO 2022 IR 149, G1, two bytes
    Gb2312,        // ISO 2022 IR 58, G1, two bytes
    Latin1, Latin2, Latin3, Latin4, Cyrillic, Arabic, Greek, Hebrew, Latin5, Latin9, Thai,
    Utf8, Gb18030, Gbk,  // whole-string encodings (no code extensions)
};

const char* iconvName(int set)
{
    switch (set) {
    case Latin1: return "ISO-8859-1";
    case Latin2: return "ISO-8859-2";
    case Latin3: return "ISO-8859-3";
    case Latin4: return "ISO-8859-4";
    case Cyrillic: return "ISO-8859-5";
    case Arabic: return "ISO-8859-6";
    case Greek: return "ISO-8859-7";
    case Hebrew: return "ISO-8859-8";
    case Latin5: return "ISO-8859-9";
    case Latin9: return "ISO-8859-15";
    case Thai: return "TIS-620";
    case JisKatakana: return "SHIFT_JIS";
    case Jis0208: case Jis0212: return "EUC-JP";
    case Ksx1001: return "EUC-KR";
    case Gb2312: return "GB2312";
    case Gb18030: return "GB18030";
    case Gbk: return "GBK";
    default: return nullptr;
    }
}

struct TermInfo {
    const char* term;
    int g0;
    int g1;
    bool iso2022;
};

// Defined Terms of Specific Character Set (PS3.3 Table C.12-2/3/4/5).
const TermInfo kTerms[] = {
    {"ISO_IR 6", Ascii, None, false},      {"ISO 2022 IR 6", Ascii, None, true},
    {"ISO_IR 100", Ascii, Latin1, false},  {"ISO 2022 IR 100", Ascii, Latin1, true},
    {"ISO_IR 101", Ascii, Latin2, false},  {"ISO 2022 IR 101", Ascii, Latin2, true},
    {"ISO_IR 109", Ascii, Latin3, false},  {"ISO 2022 IR 109", Ascii, Latin3, true},
    {"ISO_IR 110", Ascii, Latin4, false},  {"ISO 2022 IR 110", Ascii, Latin4, true},
    {"ISO_IR 144", Ascii, Cyrillic, false}, {"ISO 2022 IR 144", Ascii, Cyrillic, true},
    {"ISO_IR 127", Ascii, Arabic, false},  {"ISO 2022 IR 127", Ascii, Arabic, true},
    {"ISO_IR 126", Ascii, Greek, false},   {"ISO 2022 IR 126", Ascii, Greek, true},
    {"ISO_IR 138", Ascii, Hebrew, false},  {"ISO 2022 IR 138", Ascii, Hebrew, true},
    {"ISO_IR 148", Ascii, Latin5, false},  {"ISO 2022 IR 148", Ascii, Latin5, true},
    {"ISO_IR 203", Ascii, Latin9, false},  {"ISO 2022 IR 203", Ascii, Latin9, true},
    {"ISO_IR 166", Ascii, Thai, false},    {"ISO 2022 IR 166", Ascii, Thai, true},
    {"ISO_IR 13", JisRomaji, JisKatakana, false}, {"ISO 2022 IR 13", JisRomaji, JisKatakana, true},
    {"ISO 2022 IR 87", Jis0208, None, true},  {"ISO 2022 IR 159", Jis0212, None, true},
    {"ISO 2022 IR 149", Ascii, Ksx1001, true}, {"ISO 2022 IR 58", Ascii, Gb2312, true},
    {"ISO_IR 192", Utf8, None, false},     {"GB18030", Gb18030, None, false},
    {"GBK", Gbk, None, false},
};

const TermInfo* findTerm(std::string_view t)
{
    for (const auto& info : kTerms)
        if (t == info.term) return &info;
    return nullptr;
}

bool isValidUtf8(std::string_view s)
{
    size_t i = 0;
    const size_t n = s.size();
    while (i < n) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t len;
        if (c < 0x80) len = 1;
        else if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if ((c & 0xF0) == 0xE0) len = 3;
        else if (c >= 0xF0 && c <= 0xF4) len = 4;
        else return false;
        if (i + len > n) return false;
        for (size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += len;
    }
    return true;
}

void appendCodepoint(std::string& out, char32_t cp)
{
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

// One iconv descriptor per encoding and thread (iconv_t is not thread-safe).
class IconvCache {
public:
    ~IconvCache()
    {
        for (auto& [name, cd] : m_cds)
            if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
    }
    iconv_t get(const char* name)
    {
        auto it = m_cds.find(name);
        if (it != m_cds.end()) return it->second;
        iconv_t cd = iconv_open("UTF-8", name);
        m_cds.emplace(name, cd);
        return cd;
    }

private:
    std::map<std::string, iconv_t> m_cds;
};

void convertRun(std::string& out, int set, const std::string& bytes)
{
    if (bytes.empty()) return;
    const char* name = iconvName(set);
    if (set == Utf8) {
        if (isValidUtf8(bytes)) { out += bytes; return; }
        name = "ISO-8859-1";  // mislabelled: keep something readable
    }
    thread_local IconvCache cache;
    iconv_t cd = name ? cache.get(name) : reinterpret_cast<iconv_t>(-1);
    if (cd == reinterpret_cast<iconv_t>(-1)) {
        for (unsigned char c : bytes) appendCodepoint(out, c < 0x80 ? c : 0xFFFD);
        return;
    }
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    std::string in = bytes;
    char* src = in.data();
    size_t srcLeft = in.size();
    std::string buf(in.size() * 4 + 16, '\0');
    while (srcLeft > 0) {
        char* dst = buf.data();
        size_t dstLeft = buf.size();
        size_t r = iconv(cd, &src, &srcLeft, &dst, &dstLeft);
        out.append(buf.data(), buf.size() - dstLeft);
        if (r == static_cast<size_t>(-1)) {
            if (errno == E2BIG) continue;
            // Invalid or incomplete sequence: replace one byte and go on.
            appendCodepoint(out, 0xFFFD);
            ++src;
            --srcLeft;
            iconv(cd, nullptr, nullptr, nullptr, nullptr);
        }
    }
}

bool isTwoByte(int set) { return set == Jis0208 || set == Jis0212 || set == Ksx1001 || set == Gb2312; }

// Bytes of the character at raw[i] (a byte >= 0x80) where JIS X 0201 katakana is G1. Japanese
// systems often write Shift_JIS under ISO_IR 13: its lead bytes 0x81-0x9F and 0xE0-0xFC have no
// meaning in JIS X 0201, and a lead with a trail byte (0x40-0x7E, 0x80-0xFC) is one two-byte
// character (kanji, full-width kana). Half-width katakana (0xA1-0xDF) is one byte in both, so
// reading G1 as Shift_JIS (as pydicom and Orthanc do) decodes every JIS X 0201 text unchanged.
// The trail byte may be '\\' or '^': it belongs to the character, it is no delimiter.
size_t sjisCharLength(std::string_view raw, size_t i)
{
    const auto lead = static_cast<unsigned char>(raw[i]);
    const bool isLead = (lead >= 0x81 && lead <= 0x9F) || (lead >= 0xE0 && lead <= 0xFC);
    if (!isLead || i + 1 >= raw.size()) return 1;
    const auto trail = static_cast<unsigned char>(raw[i + 1]);
    const bool isTrail = (trail >= 0x40 && trail <= 0x7E) || (trail >= 0x80 && trail <= 0xFC);
    return isTrail ? 2 : 1;
}

// Parses an escape sequence at raw[i] (raw[i] == ESC). Returns the length consumed (0 if unknown)
// and updates g0/g1.
size_t parseEscape(std::string_view raw, size_t i, int& g0, int& g1)
{
    auto rest = raw.substr(i + 1);
    struct Seq { std::string_view bytes; int g; int set; };
    static const Seq seqs[] = {
        {"(B", 0, Ascii}, {"(J", 0, JisRomaji}, {")I", 1, JisKatakana},
        {"$B", 0, Jis0208}, {"$@", 0, Jis0208}, {"$(D", 0, Jis0212},
        {"$)C", 1, Ksx1001}, {"$)A", 1, Gb2312},
        {"-A", 1, Latin1}, {"-B", 1, Latin2}, {"-C", 1, Latin3}, {"-D", 1, Latin4},
        {"-L", 1, Cyrillic}, {"-G", 1, Arabic}, {"-F", 1, Greek}, {"-H", 1, Hebrew},
        {"-M", 1, Latin5}, {"-b", 1, Latin9}, {"-T", 1, Thai},
    };
    for (const auto& s : seqs) {
        if (rest.substr(0, s.bytes.size()) == s.bytes) {
            (s.g == 0 ? g0 : g1) = s.set;
            return 1 + s.bytes.size();
        }
    }
    return 0;
}

}  // namespace

CharsetDecoder::CharsetDecoder(std::string_view scs)
{
    size_t start = 0;
    while (start <= scs.size()) {
        size_t end = scs.find('\\', start);
        if (end == std::string_view::npos) end = scs.size();
        m_terms.push_back(trimDicom(scs.substr(start, end - start)));
        start = end + 1;
    }
    if (m_terms.empty()) m_terms.emplace_back();
    m_initialG0 = Ascii;
    m_initialG1 = None;
    for (size_t k = 0; k < m_terms.size(); ++k) {
        const std::string& t = m_terms[k];
        if (t.empty()) {
            if (k > 0) continue;
            continue;  // default repertoire
        }
        const TermInfo* info = findTerm(t);
        if (!info) {
            m_unknown.push_back(t);
            continue;
        }
        m_iso2022 = m_iso2022 || info->iso2022;
        if (k == 0) {
            m_initialG0 = info->g0;
            m_initialG1 = info->g1;
        }
    }
    if (m_terms.size() > 1) m_iso2022 = true;  // several terms only make sense with ISO 2022
}

std::string CharsetDecoder::decode(std::string_view raw, TextKind kind) const
{
    std::string out;
    out.reserve(raw.size() + 8);

    if (!m_iso2022) {
        switch (m_initialG0) {
        case Utf8: case Gb18030: case Gbk:
            convertRun(out, m_initialG0, std::string(raw));
            return out;
        default: break;
        }
        if (m_initialG1 == None) {
            // Default repertoire: anything beyond ASCII is out of standard; real files often carry
            // UTF-8 or Latin-1 there, so take whichever the bytes are valid in.
            bool ascii = std::all_of(raw.begin(), raw.end(), [](char c) { return (unsigned char)c < 0x80; });
            if (ascii) return std::string(raw);
            convertRun(out, isValidUtf8(raw) ? Utf8 : Latin1, std::string(raw));
            return out;
        }
    }

    int g0 = m_initialG0, g1 = m_initialG1;
    int runSet = -1;
    std::string run;
    auto flush = [&] {
        if (runSet >= 0) convertRun(out, runSet, run);
        run.clear();
        runSet = -1;
    };
    auto addToRun = [&](int set, std::string_view bytes) {
        if (set != runSet) {
            flush();
            runSet = set;
        }
        run.append(bytes);
    };

    size_t i = 0;
    while (i < raw.size()) {
        const auto c = static_cast<unsigned char>(raw[i]);
        if (c == 0x1B) {
            size_t n = parseEscape(raw, i, g0, g1);
            i += n ? n : 1;
            continue;
        }
        if (c < 0x80 && isTwoByte(g0) && c >= 0x21 && c <= 0x7E) {
            if (i + 1 >= raw.size()) { flush(); appendCodepoint(out, 0xFFFD); break; }
            const auto c2 = static_cast<unsigned char>(raw[i + 1]);
            std::string bytes;
            if (g0 == Jis0212) bytes += char(0x8F);
            bytes += char(c | 0x80);
            bytes += char(c2 | 0x80);
            addToRun(g0, bytes);
            i += 2;
            continue;
        }
        if (c < 0x80) {
            flush();
            const bool reset = c == '\r' || c == '\n' || c == '\f' || c == '\t' || c == '\\' ||
                               (kind == TextKind::PersonName && (c == '^' || c == '='));
            if (g0 == JisRomaji && c == 0x5C && !reset) appendCodepoint(out, 0xA5);        // yen
            else if (g0 == JisRomaji && c == 0x7E) appendCodepoint(out, 0x203E);           // overline
            else out += char(c);
            if (reset) { g0 = m_initialG0; g1 = m_initialG1; }
            ++i;
            continue;
        }
        // High byte: G1.
        if (isTwoByte(g1)) {
            if (i + 1 >= raw.size()) { flush(); appendCodepoint(out, 0xFFFD); break; }
            addToRun(g1, raw.substr(i, 2));
            i += 2;
        } else if (g1 == JisKatakana) {
            const size_t n = sjisCharLength(raw, i);
            addToRun(g1, raw.substr(i, n));
            i += n;
        } else if (g1 != None) {
            addToRun(g1, raw.substr(i, 1));
            ++i;
        } else {
            addToRun(Latin1, raw.substr(i, 1));  // not designated: best effort
            ++i;
        }
    }
    flush();
    return out;
}

std::string trimDicom(std::string_view s)
{
    size_t b = 0, e = s.size();
    while (b < e && s[b] == ' ') ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\0')) --e;
    return std::string(s.substr(b, e - b));
}

std::string formatPersonName(std::string_view pn)
{
    std::vector<std::string> groups;
    size_t start = 0;
    while (true) {
        size_t end = pn.find('=', start);
        std::string_view g = pn.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        std::vector<std::string> comps;
        size_t cs = 0;
        while (true) {
            size_t ce = g.find('^', cs);
            comps.push_back(trimDicom(g.substr(cs, ce == std::string_view::npos ? std::string_view::npos : ce - cs)));
            if (ce == std::string_view::npos) break;
            cs = ce + 1;
        }
        comps.resize(5);
        std::string given;
        for (int k : {3, 1, 2}) {  // prefix, given, middle
            if (comps[k].empty()) continue;
            if (!given.empty()) given += ' ';
            given += comps[k];
        }
        std::string text = comps[0];
        if (!given.empty()) text += (text.empty() ? "" : ", ") + given;
        if (!comps[4].empty()) text += (text.empty() ? "" : ", ") + comps[4];
        if (!text.empty()) groups.push_back(text);
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    std::string out;
    for (size_t k = 0; k < groups.size(); ++k) {
        if (k) out += " = ";
        out += groups[k];
    }
    return out;
}

}  // namespace lightbox
