#include "hl7_message.h"

#include "dicom_text.h"

#include <cctype>

namespace lightbox::net {

struct Hl7Context {
    Hl7Delimiters delimiters;
    Hl7Charset charset;
    CharsetDecoder decoder;
};

namespace {

const std::string kEmpty;

std::vector<std::string_view> split(std::string_view s, char sep)
{
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t at = sep ? s.find(sep, start) : std::string_view::npos;
        parts.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos) return parts;
        start = at + 1;
    }
}

// The n-th (1-based) piece of s split at sep; "" when there are fewer.
std::string_view piece(std::string_view s, char sep, int n)
{
    const auto parts = split(s, sep);
    return n >= 1 && n <= int(parts.size()) ? parts[n - 1] : std::string_view{};
}

// MSH-n of the raw first segment. `pairs`: a byte >= 0x81 and the byte after it are one character
// (GB18030, GBK, Big5), so a trail byte equal to the field separator does not end a field.
std::string_view rawMshField(std::string_view msh, char sep, int n, bool pairs)
{
    int field = 1;  // the separator at msh[3] starts MSH-2
    std::size_t start = 4;
    for (std::size_t i = 4; i <= msh.size(); ++i) {
        if (i < msh.size() && pairs && static_cast<unsigned char>(msh[i]) >= 0x81) {
            ++i;
            continue;
        }
        if (i == msh.size() || msh[i] == sep) {
            if (++field == n) return msh.substr(start, std::min(i, msh.size()) - start);
            start = i + 1;
        }
    }
    return {};
}

std::string trimmed(std::string_view s)
{
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return std::string(s);
}

// MSH-18 (its first repetition: the others name ISO 2022 alternates) read from the bytes, before
// anything is decoded. Read plainly first; if that names no set, read again taking double bytes
// as one character, in case a GB18030 name in MSH-3..17 hides a '|' (plain reading then finds
// MSH-18 one field early, often empty).
Result<Hl7Charset> findCharset(std::string_view msh, const Hl7Delimiters& d, std::string_view defaultCharset)
{
    auto named = [&](bool pairs) { return trimmed(piece(rawMshField(msh, d.field, 18, pairs), d.repetition, 1)); };
    std::string name = named(false);
    if (Result<Hl7Charset> plain = hl7Charset(name); name.empty() || !plain) {
        const std::string paired = named(true);
        if (!paired.empty() && hl7Charset(paired).ok()) name = paired;
    }
    return name.empty() && !defaultCharset.empty() ? hl7Charset(defaultCharset) : hl7Charset(name);
}

bool hasCharsetSwitch(std::string_view text, char e)
{
    for (std::size_t at = text.find(e); at != std::string_view::npos; at = text.find(e, at + 1)) {
        const std::size_t end = text.find(e, at + 1);
        if (end == std::string_view::npos) return false;
        const std::string_view body = text.substr(at + 1, end - at - 1);
        const std::size_t hex = body.size() > 1 && (body[0] == 'C' || body[0] == 'M') ? body.size() - 1 : 0;
        if ((hex == 4 && body[0] == 'C') || (hex == 6 && body[0] == 'M')) {
            bool allHex = true;
            for (char c : body.substr(1)) allHex = allHex && std::isxdigit(static_cast<unsigned char>(c));
            if (allHex) return true;
        }
        at = end;
    }
    return false;
}

bool validSegmentName(std::string_view n)
{
    if (n.size() != 3) return false;
    for (char c : n)
        if (!std::isupper(static_cast<unsigned char>(c)) && !std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

// A positive number at s[i..], advancing i; 0 if none.
int number(std::string_view s, std::size_t& i)
{
    int n = 0;
    const std::size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 6) n = n * 10 + (s[i++] - '0');
    return i > start ? n : 0;
}

Error escapeError(const Unescaped& u)
{
    if (u.problem == EscapeProblem::CharsetSwitch)
        return makeError("charset-switch", "character set switch " + u.sequence + " not supported");
    return makeError("bad-escape", "unknown escape sequence " + u.sequence);
}

}  // namespace

Result<Hl7Path> parseHl7Path(std::string_view path)
{
    Hl7Path p;
    const Error bad = makeError("bad-path", "not an HL7 path: " + std::string(path));
    if (path.size() < 5 || !validSegmentName(path.substr(0, 3))) return bad;
    p.segment = std::string(path.substr(0, 3));
    std::size_t i = 3;
    auto bracketed = [&](char open, char close, int& out) {
        if (i >= path.size() || path[i] != open) return true;
        ++i;
        out = number(path, i);
        return out > 0 && i < path.size() && path[i++] == close;
    };
    if (!bracketed('(', ')', p.occurrence) || i >= path.size() || path[i++] != '-') return bad;
    if ((p.field = number(path, i)) == 0 || !bracketed('[', ']', p.repetition)) return bad;
    for (int* part : {&p.component, &p.subcomponent}) {
        if (i == path.size()) break;
        if (path[i++] != '.' || (*part = number(path, i)) == 0) return bad;
    }
    if (i != path.size()) return bad;
    return p;
}

const std::string& Hl7Segment::rawField(int field) const
{
    return field >= 1 && field < int(m_fields.size()) ? m_fields[field] : kEmpty;
}

int Hl7Segment::repetitions(int field) const
{
    const std::string& f = rawField(field);
    if (f.empty()) return 0;
    if (name() == "MSH" && field <= 2) return 1;
    return int(split(f, m_context->delimiters.repetition).size());
}

Unescaped Hl7Segment::read(int field, int repetition, int component, int subcomponent) const
{
    const Hl7Delimiters& d = m_context->delimiters;
    // MSH-1 and MSH-2 are the delimiters themselves: never split or unescaped.
    if (name() == "MSH" && (field == 1 || field == 2)) return Unescaped{rawField(field), EscapeProblem::None, {}};
    std::string_view s = piece(rawField(field), d.repetition, repetition);
    s = piece(s, d.component, component);
    s = piece(s, d.subcomponent, subcomponent);
    return unescapeText(s, d, m_context->decoder);
}

std::string Hl7Segment::value(int field, int repetition, int component, int subcomponent) const
{
    return read(field, repetition, component, subcomponent).text;
}

Result<std::string> Hl7Segment::valueStrict(int field, int repetition, int component, int subcomponent) const
{
    Unescaped u = read(field, repetition, component, subcomponent);
    if (u.problem != EscapeProblem::None) return escapeError(u);
    return std::move(u.text);
}

Result<Hl7Message> Hl7Message::parse(std::string_view raw, std::string_view defaultCharset)
{
    // Delimiters and MSH-18 are ASCII in every character set we read, so they come from the bytes.
    const std::size_t mshEnd = raw.find_first_of("\r\n");
    const std::string_view msh = raw.substr(0, mshEnd);
    if (msh.size() < 8 || msh.substr(0, 3) != "MSH") return makeError("not-hl7", "the message does not start with an MSH segment");
    Hl7Delimiters d;
    d.field = msh[3];
    const std::string_view enc = rawMshField(msh, d.field, 2, false);
    if (std::isalnum(static_cast<unsigned char>(d.field)) || enc.size() < 4 || enc.size() > 5)
        return makeError("not-hl7", "MSH-1/MSH-2 do not hold the field separator and 4 or 5 encoding characters");
    d.component = enc[0];
    d.repetition = enc[1];
    d.escape = enc[2];
    d.subcomponent = enc[3];
    d.truncation = enc.size() == 5 ? enc[4] : 0;
    Result<Hl7Charset> charset = findCharset(msh, d, defaultCharset);
    if (!charset) return charset.error();

    auto context = std::make_shared<Hl7Context>(Hl7Context{d, *charset, CharsetDecoder(charset->dicomTerm)});
    const std::string text = context->decoder.decode(raw);
    Hl7Message m;
    m.m_context = context;
    for (std::string_view line : split(text, '\r')) {
        for (std::string_view seg : split(line, '\n')) {  // senders ending segments with \n or \r\n
            if (seg.find_first_not_of(" \t") == std::string_view::npos) continue;
            if (!validSegmentName(seg.substr(0, 3)) || (seg.size() > 3 && seg[3] != d.field))
                return makeError("not-hl7", "not a segment: " + std::string(seg.substr(0, 20)));
            Hl7Segment s;
            s.m_context = context;
            for (std::string_view f : split(seg, d.field)) s.m_fields.emplace_back(f);
            if (s.name() == "MSH") s.m_fields.insert(s.m_fields.begin() + 1, std::string(1, d.field));
            // Field by field, so that MSH-2's escape character pairs with nothing.
            for (std::size_t f = s.name() == "MSH" ? 3 : 1; f < s.m_fields.size(); ++f)
                m.m_charsetSwitch = m.m_charsetSwitch || hasCharsetSwitch(s.m_fields[f], d.escape);
            m.m_segments.push_back(std::move(s));
        }
    }
    return m;
}

const Hl7Delimiters& Hl7Message::delimiters() const { return m_context->delimiters; }

const Hl7Charset& Hl7Message::charset() const { return m_context->charset; }

std::vector<const Hl7Segment*> Hl7Message::segments(std::string_view name) const
{
    std::vector<const Hl7Segment*> out;
    for (const Hl7Segment& s : m_segments)
        if (s.name() == name) out.push_back(&s);
    return out;
}

const Hl7Segment* Hl7Message::segment(std::string_view name, int occurrence) const
{
    const auto all = segments(name);
    return occurrence >= 1 && occurrence <= int(all.size()) ? all[occurrence - 1] : nullptr;
}

std::string Hl7Message::value(std::string_view path) const
{
    const Result<Hl7Path> p = parseHl7Path(path);
    const Hl7Segment* s = p ? segment(p->segment, p->occurrence) : nullptr;
    return s ? s->value(p->field, p->repetition, p->component, p->subcomponent) : std::string();
}

Result<std::string> Hl7Message::valueStrict(std::string_view path) const
{
    const Result<Hl7Path> p = parseHl7Path(path);
    if (!p) return p.error();
    const Hl7Segment* s = segment(p->segment, p->occurrence);
    if (!s) return makeError("absent", "no segment " + p->segment + " in the message");
    return s->valueStrict(p->field, p->repetition, p->component, p->subcomponent);
}

}  // namespace lightbox::net
