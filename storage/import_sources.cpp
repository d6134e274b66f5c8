#include "import_sources.h"

#include "dicom_file.h"

#include <zip.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>

namespace lightbox::storage {

namespace fs = std::filesystem;

namespace {

constexpr Tag DirectoryRecordSequence = makeTag(0x0004, 0x1220);
constexpr Tag ReferencedFileID = makeTag(0x0004, 0x1500);

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

// Finds `component` in `dir` ignoring case (ISO 9660 media are upper case, copies often not).
std::string resolveComponent(const fs::path& dir, const std::string& component)
{
    std::error_code ec;
    if (fs::exists(dir / component, ec)) return component;
    const std::string want = lower(component);
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        std::string name = e.path().filename().string();
        // Some writers add ";1" version suffixes or a trailing dot.
        std::string plain = name;
        if (auto p = plain.find(';'); p != std::string::npos) plain.erase(p);
        if (!plain.empty() && plain.back() == '.') plain.pop_back();
        if (lower(plain) == want || lower(name) == want) return name;
    }
    return {};
}

bool safeFileIdComponents(const std::vector<std::string>& parts)
{
    for (const std::string& part : parts)
        if (part.empty() || part == "." || part == ".." || part.find_first_of("/\\:") != std::string::npos) return false;
    return true;
}

void addFile(const std::string& path, std::vector<ImportItem>& items, std::vector<SourceProblem>& problems)
{
    if (isZipArchive(path)) {
        int err = 0;
        zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
        if (!z) {
            problems.push_back({path, "ZIP archive cannot be opened (libzip error " + std::to_string(err) + ")"});
            return;
        }
        const zip_int64_t n = zip_get_num_entries(z, 0);
        for (zip_int64_t i = 0; i < n; ++i) {
            const char* name = zip_get_name(z, zip_uint64_t(i), 0);
            if (!name) continue;
            const std::string entry = name;
            if (!entry.empty() && entry.back() == '/') continue;  // a folder
            items.push_back({path, path + ":" + entry, i});
        }
        zip_close(z);
        return;
    }
    if (isDicomdir(path)) {
        for (const std::string& f : dicomdirReferencedFiles(path, problems)) items.push_back({f, f, -1});
        return;
    }
    items.push_back({path, path, -1});
}

}  // namespace

bool isZipArchive(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    return in.gcount() == 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0;
}

bool isDicomdir(const std::string& path)
{
    return lower(fs::path(path).filename().string()) == "dicomdir";
}

std::vector<std::string> dicomdirReferencedFiles(const std::string& dicomdirPath, std::vector<SourceProblem>& problems)
{
    std::vector<std::string> out;
    auto file = DicomFile::open(dicomdirPath);
    if (!file) {
        problems.push_back({dicomdirPath, "DICOMDIR cannot be read: " + file.error().message});
        return out;
    }
    const fs::path base = fs::path(dicomdirPath).parent_path();
    for (const DicomItem& record : (*file)->dataset().items(DirectoryRecordSequence)) {
        const std::vector<std::string> parts = record.texts(ReferencedFileID);
        if (parts.empty()) continue;
        std::string joined;
        for (const std::string& part : parts) joined += (joined.empty() ? "" : "\\") + part;
        // Each component is one file or folder name on the medium: anything that could lead out of
        // the DICOMDIR's folder is refused, never resolved.
        if (!safeFileIdComponents(parts)) {
            problems.push_back({dicomdirPath + ": " + joined, "refused: the DICOMDIR names a file outside its folder"});
            continue;
        }
        fs::path p = base;
        bool found = true;
        for (const std::string& part : parts) {
            const std::string actual = resolveComponent(p, part);
            if (actual.empty()) {
                found = false;
                break;
            }
            p /= actual;
        }
        if (!found) {
            fs::path wanted = base;
            for (const std::string& part : parts) wanted /= part;
            problems.push_back({wanted.string(), "referenced by the DICOMDIR but missing"});
        }
        else out.push_back(p.string());
    }
    return out;
}

std::vector<ImportItem> enumerateImportItems(const std::vector<std::string>& paths, std::vector<SourceProblem>& problems,
                                             const std::atomic<bool>* cancel)
{
    std::vector<ImportItem> items;
    for (const std::string& p : paths) {
        if (cancel && cancel->load()) break;
        std::error_code ec;
        const auto status = fs::status(p, ec);
        if (ec || !fs::exists(status)) {
            problems.push_back({p, "not found"});
            continue;
        }
        if (fs::is_directory(status)) {
            std::vector<std::string> files;
            for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
                 it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (ec) {
                    problems.push_back({p, "folder cannot be read completely: " + ec.message()});
                    break;
                }
                if (it->is_regular_file(ec) && !isDicomdir(it->path().string())) files.push_back(it->path().string());
            }
            std::sort(files.begin(), files.end());
            for (const std::string& f : files) addFile(f, items, problems);
        } else {
            addFile(p, items, problems);
        }
    }
    return items;
}

namespace {

// Streams a ZIP entry's bytes to `sink` (which returns false to stop: then false, no error set).
bool readZipEntry(const std::string& zipPath, std::int64_t index, std::int64_t maxBytes, const std::function<bool(const char*, std::size_t)>& sink,
                  std::string* error)
{
    int err = 0;
    std::unique_ptr<zip_t, int (*)(zip_t*)> z(zip_open(zipPath.c_str(), ZIP_RDONLY, &err), &zip_close);
    if (!z) {
        if (error) *error = "ZIP archive cannot be opened";
        return false;
    }
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z.get(), zip_uint64_t(index), 0, &st) != 0) {
        if (error) *error = "ZIP entry cannot be read";
        return false;
    }
    if ((st.valid & ZIP_STAT_SIZE) && std::int64_t(st.size) > maxBytes) {
        if (error) *error = "ZIP entry is larger than the free space allows";
        return false;
    }
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> zf(zip_fopen_index(z.get(), zip_uint64_t(index), 0), &zip_fclose);
    if (!zf) {
        if (error) *error = std::string("ZIP entry cannot be opened: ") + zip_strerror(z.get());
        return false;
    }
    std::vector<char> buf(1 << 20);
    std::int64_t total = 0;
    while (true) {
        const zip_int64_t n = zip_fread(zf.get(), buf.data(), buf.size());
        if (n < 0) {
            if (error) *error = std::string("ZIP entry is damaged: ") + zip_file_strerror(zf.get());
            return false;
        }
        if (n == 0) break;
        total += n;
        if (total > maxBytes) {  // a size that lied in the directory
            if (error) *error = "ZIP entry is larger than the free space allows";
            return false;
        }
        if (!sink(buf.data(), std::size_t(n))) return false;
    }
    return true;
}

}  // namespace

bool extractZipEntry(const std::string& zipPath, std::int64_t index, const std::string& target, std::int64_t maxBytes, std::string* error)
{
    const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    std::unique_ptr<FILE, int (*)(FILE*)> out(fd >= 0 ? ::fdopen(fd, "wb") : nullptr, &std::fclose);
    if (!out) {
        if (fd >= 0) ::close(fd);
        if (error) *error = "cannot write " + target;
        return false;
    }
    return readZipEntry(zipPath, index, maxBytes, [&](const char* data, std::size_t n) {
        if (std::fwrite(data, 1, n, out.get()) == n) return true;
        if (error) *error = "cannot write " + target;
        return false;
    }, error);
}

ZipRead readZipEntryToMemory(const std::string& zipPath, std::int64_t index, std::size_t maxBytes, std::vector<std::uint8_t>& out, std::string* error)
{
    out.clear();
    bool tooBig = false;
    const bool ok = readZipEntry(zipPath, index, std::numeric_limits<std::int64_t>::max(), [&](const char* data, std::size_t n) {
        if (out.size() + n > maxBytes) {
            tooBig = true;
            return false;
        }
        out.insert(out.end(), data, data + n);
        return true;
    }, error);
    return ok ? ZipRead::Read : tooBig ? ZipRead::TooBig : ZipRead::Failed;
}

}  // namespace lightbox::storage
