#include "export_media.h"

#include <dcmtk/dcmdata/dcddirif.h>
#include <zip.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <sys/stat.h>
#include <unistd.h>

namespace lightbox::storage {

namespace fs = std::filesystem;

namespace {

Error systemError(const std::string& what, const std::string& path)
{
    return makeError("io", what + " " + path + ": " + std::strerror(errno));
}

Result<std::string> makePrivateTemp(const std::string& pattern)
{
    std::string name = pattern + "XXXXXX";
    if (!::mkdtemp(name.data())) return systemError("cannot create", pattern);
    return name;
}

}  // namespace

std::string mediaFilePath(int study, int series, int instance)
{
    char path[64];
    std::snprintf(path, sizeof path, "DICOM/ST%06d/SE%06d/IM%06d", study, series, instance);
    return path;
}

Result<StagingFolder> StagingFolder::createBeside(const std::string& near)
{
    auto path = makePrivateTemp(fs::path(near).lexically_normal().string() + ".partial-");
    if (!path) return path.error();
    return StagingFolder(*path);
}

Result<StagingFolder> StagingFolder::createIn(const std::string& parent)
{
    std::error_code ec;
    fs::create_directories(parent, ec);
    // Named by our process id: the store's clean-up removes what dead processes left there.
    auto path = makePrivateTemp(parent + "/" + std::to_string(::getpid()) + "-export-");
    if (!path) return path.error();
    return StagingFolder(*path);
}

StagingFolder::StagingFolder(StagingFolder&& other) noexcept : m_path(std::move(other.m_path)) { other.m_path.clear(); }

StagingFolder::~StagingFolder()
{
    if (m_path.empty()) return;
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

Status makeParentFolders(const std::string& root, const std::string& relativeFile)
{
    fs::path dir = root;
    for (const auto& part : fs::path(relativeFile).parent_path()) {
        dir /= part;
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return systemError("cannot create", dir.string());
    }
    return Done{};
}

Status writeDicomdir(const std::string& root, const std::vector<std::string>& relativeFiles)
{
    DicomDirInterface dir;
    dir.enableInventMode(OFTrue);           // de-identified studies have no date, ID or accession to list
    dir.enableInventPatientIDMode(OFTrue);  // nor a patient ID unless one was given
    dir.disableTransferSyntaxCheck();  // (its default argument turns the check off) compressed files keep their syntax
    const std::string dicomdir = root + "/DICOMDIR";
    if (OFCondition c = dir.createNewDicomDir(DicomDirInterface::AP_GeneralPurpose, dicomdir.c_str(), "LIGHTBOX"); c.bad())
        return makeError("dicomdir", "cannot create " + dicomdir + ": " + c.text());
    for (const std::string& file : relativeFiles)
        if (OFCondition c = dir.addDicomFile(file.c_str(), root.c_str()); c.bad()) return makeError("dicomdir", "DICOMDIR cannot list " + file + ": " + c.text());
    if (OFCondition c = dir.writeDicomDir(); c.bad()) return makeError("dicomdir", "cannot write " + dicomdir + ": " + c.text());
    ::chmod(dicomdir.c_str(), 0600);
    return Done{};
}

Status publishFolder(StagingFolder& staged, const std::string& target)
{
    std::error_code ec;
    if (fs::exists(target, ec)) {
        if (!fs::is_directory(target, ec) || !fs::is_empty(target, ec)) return makeError("exists", target + " exists and is not an empty folder");
        if (::rmdir(target.c_str()) != 0) return systemError("cannot replace", target);
    }
    if (::rename(staged.path().c_str(), target.c_str()) != 0) return systemError("cannot move the export to", target);
    staged.release();
    return Done{};
}

Status writeZip(const std::string& root, const std::vector<std::string>& relativeFiles, const std::string& target)
{
    if (fs::exists(target)) return makeError("exists", target + " exists");
    const std::string partial = target + ".partial";
    int error = 0;
    zip_t* zip = zip_open(partial.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    if (!zip) return makeError("zip", "cannot create " + partial);
    std::vector<std::string> entries = relativeFiles;
    entries.insert(entries.begin(), "DICOMDIR");
    for (const std::string& name : entries) {
        zip_source_t* source = zip_source_file(zip, (root + "/" + name).c_str(), 0, -1);
        if (!source || zip_file_add(zip, name.c_str(), source, ZIP_FL_ENC_UTF_8) < 0) {
            if (source) zip_source_free(source);
            const std::string why = zip_strerror(zip);
            zip_discard(zip);
            std::remove(partial.c_str());
            return makeError("zip", "cannot add " + name + " to " + target + ": " + why);
        }
    }
    if (zip_close(zip) != 0) {
        const std::string why = zip_strerror(zip);
        zip_discard(zip);
        std::remove(partial.c_str());
        return makeError("zip", "cannot write " + target + ": " + why);
    }
    ::chmod(partial.c_str(), 0600);
    if (::rename(partial.c_str(), target.c_str()) != 0) {
        std::remove(partial.c_str());
        return systemError("cannot move the ZIP to", target);
    }
    return Done{};
}

}  // namespace lightbox::storage
