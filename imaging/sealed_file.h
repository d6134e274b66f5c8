#pragma once
// Files the cache keeps encrypted at rest ("sealed", storage/cache_crypto.h) are read through one
// door: the storage library, which holds the keys, registers an unsealer here, and every reader of
// DICOM files (DicomFile::open, the DCMTK loads of sending and de-identification) asks it for the
// plaintext when a file starts with the sealed magic. Readers never see ciphertext, and code that
// reads files needs no key of its own.
#include "result.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

class DcmFileFormat;

namespace lightbox {

// True when the bytes (at least 7) start with the sealed-file magic "LBXENC1".
bool looksSealed(const std::uint8_t* head, std::size_t size);
bool isSealedFile(const std::string& path);
// The size of a file's plaintext: from a sealed file's header, or the file's size (0 if unreadable).
std::uint64_t plainSizeOf(const std::string& path);

// Returns a sealed file's plaintext, or an error (wrong key, damaged, no key for it).
using Unsealer = std::function<Result<std::vector<char>>(const std::string& path)>;
void setUnsealer(Unsealer unsealer);

// The plaintext of a sealed file ("locked" when no unsealer is registered).
Result<std::vector<char>> unsealFile(const std::string& path);
// A plain file's bytes, or a sealed file's plaintext.
Result<std::vector<char>> readPlainBytes(const std::string& path);
// Writes a plain copy of `path` (sealed or not) to `target` (created 0600, replaced if present).
Status copyPlain(const std::string& path, const std::string& target);

// Loads a DICOM file (sealed or not) into a DCMTK file format object: the whole file, or up to
// Pixel Data. Used where code works on DCMTK's objects directly (sending, de-identification).
Status loadDcmFile(DcmFileFormat& file, const std::string& path, bool untilPixelData = false);

}  // namespace lightbox
