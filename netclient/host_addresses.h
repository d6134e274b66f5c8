#pragma once
// Addresses of callers and of configured hosts in one comparable spelling, shared by the
// listeners that admit callers by address (DICOM storage listener, HL7 MLLP listener).
#include <string>
#include <vector>

namespace lightbox::net {

// An address in one spelling: IPv4 as dotted quad (also when it came as IPv4-mapped IPv6),
// IPv6 in its canonical short form; anything that is not an address comes back unchanged.
std::string canonicalAddress(const std::string& text);

// Every address a host name (or address) stands for, canonical; none when it cannot be resolved.
std::vector<std::string> resolveHost(const std::string& host);

}  // namespace lightbox::net
