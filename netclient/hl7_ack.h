#pragma once
// The answer to an HL7 v2 message: an original-mode ACK (MSH, MSA and, from v2.5, ERR) built from
// the received message, in its delimiters and character set, so the sender can read it with the
// parser that wrote the message.
#include "hl7_message.h"

#include <string>
#include <string_view>

namespace lightbox::net {

enum class AckCode {
    Accept,  // AA: processed (the receiver committed it)
    Error,   // AE: understood but not processable (a required field missing, a bad value)
    Reject,  // AR: refused (message type, event, processing id, version, sender)
};

// What a receiver decided about one message. errorCode is from HL7 table 0357 (0 = none):
// 101 required field missing, 102 data type error, 103 table value not found, 200 unsupported
// message type, 201 unsupported event code, 202 unsupported processing id, 203 unsupported
// version id, 207 application internal error.
struct Hl7Reply {
    AckCode code = AckCode::Accept;
    std::string text;  // MSA-3, for people
    int errorCode = 0;
};

// Who we are in MSH-3/MSH-4 of our answers.
struct Hl7Identity {
    std::string application = "LIGHTBOX";
    std::string facility = "RAD";
};

// "AA", "AE", "AR".
const char* ackCodeName(AckCode code);
// The table 0357 description of an error code ("Required field missing"); "" when unknown.
const char* hl7ErrorText(int errorCode);
// A control ID for MSH-10 that no earlier answer of this process or of an earlier run used.
std::string newControlId();

// The ACK bytes (without MLLP framing) for a parsed message: MSH-3/4 ← its MSH-5/6 and the
// reverse, ACK^<trigger>^ACK, its MSH-11/12 (and MSH-18) echoed, MSA-2 = its MSH-10, and ERR for
// v2.5 and later when reply.errorCode is set. Encoded in the message's character set.
std::string buildAck(const Hl7Message& message, const Hl7Reply& reply, const Hl7Identity& us);

// An ACK for bytes that did not parse (no MSH, bad delimiters, unknown character set). What can
// be read safely from an ASCII MSH (sender, control ID, version) is echoed; otherwise MSA-2 is
// empty and the answer is in the standard delimiters.
std::string buildAckForUnparsed(std::string_view raw, const Hl7Reply& reply, const Hl7Identity& us);

}  // namespace lightbox::net
