#include "hl7_ack.h"

#include <QDateTime>

#include <algorithm>
#include <cctype>
#include <atomic>

namespace lightbox::net {
namespace {

// What an ACK echoes from the message it answers (escaped text in the message's delimiters).
struct Echo {
    Hl7Delimiters delimiters;
    Hl7Charset charset;
    std::string theirApp, theirFacility;  // their MSH-3/4: our MSH-5/6
    std::string trigger, controlId, processingId, version, charsetField;
};

bool atLeast25(std::string_view version)
{
    int major = 0, minor = 0;
    std::size_t i = 0;
    while (i < version.size() && std::isdigit(static_cast<unsigned char>(version[i]))) major = major * 10 + (version[i++] - '0');
    if (i < version.size() && version[i] == '.') ++i;
    while (i < version.size() && std::isdigit(static_cast<unsigned char>(version[i]))) minor = minor * 10 + (version[i++] - '0');
    return major > 2 || (major == 2 && minor >= 5);
}

std::string compose(const Echo& e, const Hl7Reply& reply, const Hl7Identity& us)
{
    const Hl7Delimiters& d = e.delimiters;
    const std::string f(1, d.field), c(1, d.component);
    const std::string now = QDateTime::currentDateTime().toString("yyyyMMddHHmmss").toStdString();
    std::string msh = "MSH" + f + d.encodingCharacters() + f + escapeText(us.application, d) + f + escapeText(us.facility, d) + f +
                      e.theirApp + f + e.theirFacility + f + now + f + f + "ACK" + (e.trigger.empty() ? "" : c + e.trigger) + c +
                      "ACK" + f + newControlId() + f + (e.processingId.empty() ? "P" : e.processingId) + f + e.version;
    if (!e.charsetField.empty()) msh += f + f + f + f + f + f + e.charsetField;  // MSH-13..17 empty, MSH-18
    std::string ack = msh + "\r" + "MSA" + f + ackCodeName(reply.code) + f + e.controlId;
    if (!reply.text.empty()) ack += f + escapeText(reply.text, d);
    ack += "\r";
    if (reply.errorCode && atLeast25(e.version))
        ack += "ERR" + f + f + f + std::to_string(reply.errorCode) + c + escapeText(hl7ErrorText(reply.errorCode), d) + c + "HL70357" + f + "E\r";
    return encodeText(ack, e.charset);
}

bool printableAscii(std::string_view s)
{
    return std::all_of(s.begin(), s.end(), [](char ch) { return ch >= 0x20 && ch < 0x7F; });
}

}  // namespace

const char* ackCodeName(AckCode code)
{
    switch (code) {
    case AckCode::Accept: return "AA";
    case AckCode::Error: return "AE";
    case AckCode::Reject: return "AR";
    }
    return "AR";
}

const char* hl7ErrorText(int errorCode)
{
    switch (errorCode) {
    case 0: return "";
    case 100: return "Segment sequence error";
    case 101: return "Required field missing";
    case 102: return "Data type error";
    case 103: return "Table value not found";
    case 200: return "Unsupported message type";
    case 201: return "Unsupported event code";
    case 202: return "Unsupported processing id";
    case 203: return "Unsupported version id";
    case 204: return "Unknown key identifier";
    case 205: return "Duplicate key identifier";
    case 206: return "Application record locked";
    case 207: return "Application internal error";
    default: return "";
    }
}

std::string newControlId()
{
    // Milliseconds since the epoch, bumped when two answers share one: unique in this process,
    // and after a restart (the clock has moved on); "LBX" + 13 digits fits MSH-10's 20 characters.
    static std::atomic<qint64> last{0};
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 prev = last.load();
    qint64 next = 0;
    do {
        next = std::max(now, prev + 1);
    } while (!last.compare_exchange_weak(prev, next));
    return "LBX" + std::to_string(next);
}

std::string buildAck(const Hl7Message& message, const Hl7Reply& reply, const Hl7Identity& us)
{
    const Hl7Segment& msh = message.segments().front();
    Echo e;
    e.delimiters = message.delimiters();
    e.charset = message.charset();
    e.theirApp = msh.rawField(3);
    e.theirFacility = msh.rawField(4);
    e.trigger = escapeText(message.triggerEvent(), e.delimiters);
    e.controlId = msh.rawField(10);
    e.processingId = msh.rawField(11);
    e.version = msh.rawField(12);
    e.charsetField = msh.rawField(18);
    return compose(e, reply, us);
}

std::string buildAckForUnparsed(std::string_view raw, const Hl7Reply& reply, const Hl7Identity& us)
{
    Echo e;
    e.version = "2.5.1";
    const std::string_view line = raw.substr(0, raw.find_first_of("\r\n"));
    const char sep = line.size() > 8 && line.substr(0, 3) == "MSH" ? line[3] : 0;
    const std::size_t encEnd = sep ? line.find(sep, 4) : std::string_view::npos;
    if (encEnd != std::string_view::npos && (encEnd - 4 == 4 || encEnd - 4 == 5) && !std::isalnum(static_cast<unsigned char>(sep)) &&
        printableAscii(line.substr(0, encEnd))) {
        const std::string_view enc = line.substr(4, encEnd - 4);
        e.delimiters = {sep, enc[0], enc[1], enc[2], enc[3], enc.size() == 5 ? enc[4] : '\0'};
        // MSH-n is the (n-1)-th piece after the name; only ASCII fields are safe to echo.
        std::vector<std::string> fields{"MSH", std::string(1, sep)};
        for (std::size_t start = 4, at; start <= line.size(); start = at + 1) {
            at = std::min(line.find(sep, start), line.size());
            fields.emplace_back(line.substr(start, at - start));
        }
        auto field = [&](std::size_t n) { return n < fields.size() && printableAscii(fields[n]) ? fields[n] : std::string(); };
        e.theirApp = field(3);
        e.theirFacility = field(4);
        e.controlId = field(10);
        e.processingId = field(11);
        if (!field(12).empty()) e.version = field(12);
    }
    return compose(e, reply, us);
}

}  // namespace lightbox::net
