#pragma once
// HL7 v2 messages for the HL7 tests: the design's IHE examples (notes/issue12-design.md §3) and
// small builders.
#include "hl7_message.h"

#include <initializer_list>
#include <string>
#include <string_view>

namespace lightbox::testing {

// Segments joined (and ended) by \r.
std::string segments(std::initializer_list<std::string> lines);

// ORM^O01 (2.3.1), OMI^O23 with IPC (2.5.1, UTF-8), SIU^S12, ADT^A08, ADT^A40.
extern const std::string kOrm, kOmi, kSiu, kA08, kA40;

// Parsed, or the test aborts: for messages that must parse.
net::Hl7Message parsed(const std::string& raw, std::string_view defaultCharset = {});

// A message whose PID-3 and PID-5 hold `pid3` and `pid5` as written (escapes and all).
std::string withPid(const std::string& msh, const std::string& pid3, const std::string& pid5 = "NAME");

}  // namespace lightbox::testing
