#pragma once
// An HL7 v2 message in ER7 encoding (the pipe-and-hat text senders put on MLLP), parsed from the
// bytes received: delimiters come from MSH-1/MSH-2 of each message, the character set from MSH-18,
// and the whole message is decoded to Unicode before it is split (GB18030 and Big5 trail bytes can
// equal '|', '^' or '\'). Values are read by 1-based HL7 position and come back unescaped.
// Pure: no sockets, no clock (see mllp_server.h for the listener, hl7_ack.h for the answer).
#include "hl7_text.h"
#include "hl7_timestamp.h"
#include "result.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lightbox::net {

// A position in a message, as written in specifications: "PID-3", "PID-3[2].4.1", "MRG(2)-1.4".
// Missing parts are 1 (the first occurrence, repetition, component, subcomponent), as HAPI's
// Terser reads them: "PID-3" is the ID number of the first identifier, not the whole field.
struct Hl7Path {
    std::string segment;
    int occurrence = 1;  // which segment of that name: (n)
    int field = 0;
    int repetition = 1;  // [n]
    int component = 1;
    int subcomponent = 1;
};
Result<Hl7Path> parseHl7Path(std::string_view path);

struct Hl7Context;  // delimiters and decoder, shared by a message and its segments

// One segment. Fields are numbered as in the standard; for MSH, MSH-1 is the field separator
// itself and MSH-2 the encoding characters, so MSH-3 is the sending application.
class Hl7Segment {
public:
    const std::string& name() const { return m_fields.front(); }
    int fieldCount() const { return int(m_fields.size()) - 1; }
    // The field as written (still escaped, delimiters and all); "" when absent.
    const std::string& rawField(int field) const;
    // Repetitions of a field; 0 when it is empty.
    int repetitions(int field) const;
    // One subcomponent, unescaped. Lenient: unknown escapes and charset switches are dropped.
    std::string value(int field, int repetition = 1, int component = 1, int subcomponent = 1) const;
    // The same, but an unknown escape ("bad-escape") or an ISO 2022 switch (\C2842\ or
    // \M..\, "charset-switch") is an error: for identifiers, where a dropped character changes meaning.
    Result<std::string> valueStrict(int field, int repetition = 1, int component = 1, int subcomponent = 1) const;

private:
    friend class Hl7Message;
    Unescaped read(int field, int repetition, int component, int subcomponent) const;
    std::vector<std::string> m_fields;  // [0] = name; [n] = field n, escaped, UTF-8
    std::shared_ptr<const Hl7Context> m_context;
};

class Hl7Message {
public:
    // `raw`: the bytes between the MLLP frame marks. `defaultCharset` (an HL7 name such as
    // "UNICODE UTF-8" or "8859/1") applies when MSH-18 is empty; with none, ASCII is assumed and
    // other bytes are read as UTF-8 when valid, else Latin-1. Errors: "not-hl7" (no MSH, bad
    // delimiters), "unsupported-charset" ("character set X not supported").
    static Result<Hl7Message> parse(std::string_view raw, std::string_view defaultCharset = {});

    const Hl7Delimiters& delimiters() const;
    const Hl7Charset& charset() const;  // what the text was decoded from (replies use it too)
    const std::vector<Hl7Segment>& segments() const { return m_segments; }
    std::vector<const Hl7Segment*> segments(std::string_view name) const;
    const Hl7Segment* segment(std::string_view name, int occurrence = 1) const;  // nullptr if absent

    // By path; "" for anything absent or an invalid path. valueStrict as Hl7Segment's, plus
    // "bad-path" and "absent" (no such segment).
    std::string value(std::string_view path) const;
    Result<std::string> valueStrict(std::string_view path) const;

    // MSH fields every receiver needs.
    std::string messageType() const { return value("MSH-9.1"); }   // ORM
    std::string triggerEvent() const { return value("MSH-9.2"); }  // O01
    std::string controlId() const { return value("MSH-10"); }
    std::string processingId() const { return value("MSH-11"); }
    std::string version() const { return value("MSH-12"); }
    // Whether any value holds an ISO 2022 switch (\C..\ or \M..\): not supported, answer AE.
    bool usesCharsetSwitch() const { return m_charsetSwitch; }

private:
    std::vector<Hl7Segment> m_segments;
    std::shared_ptr<const Hl7Context> m_context;
    bool m_charsetSwitch = false;
};

}  // namespace lightbox::net
