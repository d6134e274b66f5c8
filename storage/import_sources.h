#pragma once
// What an import reads: files, folders (recursively), DICOMDIRs (the files they reference, found
// case-insensitively as on CD/DVD/USB media) and ZIP archives (their entries).
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace lightbox::storage {

struct ImportItem {
    std::string path;        // the file, or the ZIP archive holding it
    std::string displayName; // what reports show: the path, or "archive.zip:entry"
    std::int64_t zipIndex = -1;
};

struct SourceProblem {
    std::string path;
    std::string reason;
};

// Lists the items to import. Problems (missing paths, unreadable archives, files a DICOMDIR
// references but that are absent) are appended to `problems`.
std::vector<ImportItem> enumerateImportItems(const std::vector<std::string>& paths, std::vector<SourceProblem>& problems,
                                             const std::atomic<bool>* cancel = nullptr);

// Files referenced by a DICOMDIR (resolved relative to its folder).
std::vector<std::string> dicomdirReferencedFiles(const std::string& dicomdirPath, std::vector<SourceProblem>& problems);

bool isZipArchive(const std::string& path);
bool isDicomdir(const std::string& path);

// Extracts one ZIP entry to `target` (streamed; refuses entries over `maxBytes`).
bool extractZipEntry(const std::string& zipPath, std::int64_t index, const std::string& target, std::int64_t maxBytes, std::string* error);
// An entry of at most `maxBytes` read into memory (never written out); TooBig: bigger than that.
enum class ZipRead { Read, TooBig, Failed };
ZipRead readZipEntryToMemory(const std::string& zipPath, std::int64_t index, std::size_t maxBytes, std::vector<std::uint8_t>& out, std::string* error);

}  // namespace lightbox::storage
