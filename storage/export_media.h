#pragma once
// Exported files as DICOM interchange media (PS3.10, PS3.11 General Purpose profile): a folder
// with DICOM/STnnnnnn/SEnnnnnn/IMnnnnnn files and a DICOMDIR, or the same tree in a ZIP. What
// Lightbox creates is private: folders 0700, files 0600. Nothing is left half-written: a folder
// or ZIP appears under its name only once complete.
#include "result.h"

#include <string>
#include <vector>

namespace lightbox::storage {

// The media path of the n-th (from 1) study, series and instance: "DICOM/ST000001/SE000002/IM000003".
std::string mediaFilePath(int study, int series, int instance);

// A private folder (0700) made for one job: beside `near` (the same file system, so that it can be
// renamed into place), named "<near>.partial-XXXXXX"; removed with what it holds when the object goes
// unless release() was called.
class StagingFolder {
public:
    static Result<StagingFolder> createBeside(const std::string& near);
    // In the cache's tmp/ (named "<pid>-export-XXXXXX", so that a crashed export's is cleaned up).
    static Result<StagingFolder> createIn(const std::string& parent);
    StagingFolder(StagingFolder&& other) noexcept;
    StagingFolder& operator=(StagingFolder&&) = delete;
    ~StagingFolder();
    const std::string& path() const { return m_path; }
    void release() { m_path.clear(); }

private:
    explicit StagingFolder(std::string path) : m_path(std::move(path)) {}
    std::string m_path;
};

// Creates the folders of `relativeFile` under `root` (0700 each).
Status makeParentFolders(const std::string& root, const std::string& relativeFile);
// Writes root/DICOMDIR listing the files (paths relative to root, as mediaFilePath gives them).
Status writeDicomdir(const std::string& root, const std::vector<std::string>& relativeFiles);
// Moves the staged folder to `target` (which must not exist, or be an empty folder).
Status publishFolder(StagingFolder& staged, const std::string& target);
// Packs every file under `root` (DICOMDIR and DICOM/...) into the ZIP `target`, atomically.
Status writeZip(const std::string& root, const std::vector<std::string>& relativeFiles, const std::string& target);

}  // namespace lightbox::storage
