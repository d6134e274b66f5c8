#pragma once
// HL7 v2 time stamps (TS/DTM): YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ].
#include "result.h"

#include <QDateTime>

#include <string_view>

namespace lightbox::net {

// Missing parts are the start of the period (20240315 → 00:00:00 on that day); without a zone the
// time is local (what senders mean when they leave it out). Error "bad-timestamp" otherwise
// (wrong length, a month 13, 25 o'clock, a zone beyond ±14:00, trailing garbage).
Result<QDateTime> parseHl7Timestamp(std::string_view text);

}  // namespace lightbox::net
