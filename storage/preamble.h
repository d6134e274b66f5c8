#pragma once
// The 128-byte preamble before "DICM" is free for applications (TIFF headers, vendor tags), and
// can hold an executable's header that makes a DICOM file a valid program too (CVE-2019-11687).
// Every stored file gets a zero preamble: whatever was there is cleaned on the way in, and an
// executable's header (Windows PE, ELF, Mach-O) is named so that it is reported as a security
// alert.
#include "result.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lightbox::storage {

struct PreambleCleaning {
    bool cleaned = false;     // the preamble held something and is now zero
    std::string executable;   // "Windows executable (PE)", "ELF executable", "Mach-O executable" or empty
    std::string what;         // what it held, for people ("a TIFF header", "non-zero bytes", ...)
};

// What a preamble holds (the 128 bytes before "DICM").
PreambleCleaning classifyPreamble(const unsigned char* preamble);
// Zeroes the preamble of the file at `path` in place when it has one with something in it.
Result<PreambleCleaning> cleanPreamble(const std::string& path);
// The same on a file's bytes in memory.
PreambleCleaning cleanPreamble(std::uint8_t* data, std::size_t size);

}  // namespace lightbox::storage
