#include "file_store.h"

#include "cache_keys.h"
#include "digest.h"
#include "preamble.h"
#include "sealed_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <memory>
#include <set>
#include <utility>

namespace lightbox::storage {

namespace fs = std::filesystem;

namespace {

std::string errnoText() { return std::strerror(errno); }

Status writeAll(int fd, const void* data, std::size_t size)
{
    const auto* p = static_cast<const std::uint8_t*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return makeError(errno == ENOSPC ? "disk-full" : "write-failed", errnoText());
        }
        p += n;
        size -= size_t(n);
    }
    return Done{};
}

std::string writeErrorCode(int err) { return err == ENOSPC || err == EDQUOT ? "disk-full" : "write-failed"; }

class PlainTemporary : public TemporaryWriter {
public:
    PlainTemporary(std::string path, int fd) : m_path(std::move(path)), m_fd(fd) {}
    ~PlainTemporary() override
    {
        if (m_fd >= 0) ::close(m_fd);
        if (!m_done) ::unlink(m_path.c_str());
    }
    Status write(const void* data, std::size_t size) override { return writeAll(m_fd, data, size); }
    Result<std::string> finish() override
    {
        const int fd = std::exchange(m_fd, -1);
        if (::close(fd) != 0) return makeError(writeErrorCode(errno), "cannot write " + m_path + ": " + errnoText());
        m_done = true;
        return m_path;
    }

private:
    std::string m_path;
    int m_fd;
    bool m_done = false;
};

class SealedTemporary : public TemporaryWriter {
public:
    SealedTemporary(std::string path, std::unique_ptr<EncryptingWriter> writer) : m_path(std::move(path)), m_writer(std::move(writer)) {}
    ~SealedTemporary() override
    {
        m_writer.reset();  // an unfinished writer removes its file
    }
    Status write(const void* data, std::size_t size) override { return m_writer->write(data, size); }
    Result<std::string> finish() override
    {
        Status s = m_writer->finish();
        m_writer.reset();
        if (!s) {
            ::unlink(m_path.c_str());
            return makeError(s.error().code, "cannot write " + m_path + ": " + s.error().message);
        }
        return m_path;
    }

private:
    std::string m_path;
    std::unique_ptr<EncryptingWriter> m_writer;
};

}  // namespace

FileStore::FileStore(std::string root, std::optional<CacheKey> key)
    : m_root(std::move(root)), m_key(key), m_files(m_root + "/files"), m_tmp(m_root + "/tmp")
{
}

std::string FileStore::nameDigest(const std::string& uid) const { return m_key ? keyedNameDigest(*m_key, uid) : sha1Hex(uid); }

Status FileStore::prepare()
{
    std::error_code ec;
    fs::create_directories(m_files, ec);
    if (ec) return makeError("store", "cannot create " + m_files + ": " + ec.message());
    fs::create_directories(m_tmp, ec);
    if (ec) return makeError("store", "cannot create " + m_tmp + ": " + ec.message());
    for (const std::string& folder : {m_files, m_tmp}) fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace, ec);
    // Temporary files of processes that no longer run belong to imports that did not finish:
    // nothing refers to them. Those of running processes (another Lightbox importing into the
    // same cache) stay.
    for (const auto& e : fs::directory_iterator(m_tmp, ec)) {
        const std::string name = e.path().filename().string();
        const long pid = std::strtol(name.c_str(), nullptr, 10);
        const bool alive = pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM);
        if (!alive) fs::remove_all(e.path(), ec);
    }
    return Done{};
}

std::string FileStore::finalPath(const std::string& sop) const
{
    // 256 folders: a few thousand files each at a million instances (ext4 indexes directories).
    const std::string h = nameDigest(sop);
    return m_files + "/" + h.substr(0, 2) + "/" + h + ".dcm";
}

std::string FileStore::temporaryPath(const std::string& suffix) const
{
    static std::atomic<unsigned long long> counter{0};
    thread_local std::mt19937_64 rng(std::random_device{}());
    return m_tmp + "/" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" + std::to_string(rng() % 1000000007ULL) + suffix;
}

Result<std::string> FileStore::writeTemporary(const void* data, std::size_t size, bool plain) const
{
    const std::string path = temporaryPath(".part");
    if (m_key && !plain) {
        auto writer = EncryptingWriter::create(path, *m_key);
        if (!writer) return writer.error();
        Status s = (*writer)->write(data, size);
        if (s) s = (*writer)->finish();
        if (!s) return makeError(s.error().code, "cannot write " + path + ": " + s.error().message);
        return path;
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return makeError(errno == ENOSPC ? "disk-full" : "write-failed", "cannot create " + path + ": " + errnoText());
    Status s = writeAll(fd, data, size);
    if (::close(fd) != 0 && s) s = makeError(errno == ENOSPC ? "disk-full" : "write-failed", errnoText());
    if (!s) {
        ::unlink(path.c_str());
        return makeError(s.error().code, "cannot write " + path + ": " + s.error().message);
    }
    return path;
}

Result<std::unique_ptr<TemporaryWriter>> FileStore::openTemporary() const
{
    const std::string path = temporaryPath(".part");
    if (m_key) {
        auto writer = EncryptingWriter::create(path, *m_key);
        if (!writer) return writer.error();
        return std::unique_ptr<TemporaryWriter>(std::make_unique<SealedTemporary>(path, std::move(*writer)));
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return makeError(writeErrorCode(errno), "cannot create " + path + ": " + errnoText());
    return std::unique_ptr<TemporaryWriter>(std::make_unique<PlainTemporary>(path, fd));
}

Result<std::string> FileStore::copyToTemporary(const std::string& source, Sha256& digest, std::uint64_t& size, PreambleCleaning* cleaning) const
{
    const std::string path = temporaryPath(".part");
    const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return makeError("unreadable", "cannot be read: " + errnoText());
    // Sealed on the way (the preamble cleaned in the first chunk): no plain copy on the disk.
    std::unique_ptr<EncryptingWriter> sealedOut;
    if (m_key && cleaning) {
        auto writer = EncryptingWriter::create(path, *m_key);
        if (!writer) {
            ::close(in);
            return writer.error();
        }
        sealedOut = std::move(*writer);
    }
    const int out = sealedOut ? -1 : ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (!sealedOut && out < 0) {
        ::close(in);
        return makeError(errno == ENOSPC ? "disk-full" : "write-failed", "cannot create " + path + ": " + errnoText());
    }
    Sha256Stream hash;
    constexpr std::size_t kChunk = 1 << 20;
    thread_local std::unique_ptr<std::uint8_t[]> chunk(new std::uint8_t[kChunk]);  // not zeroed per file
    std::uint8_t* const data = chunk.get();
    size = 0;
    Status status = Done{};
    while (true) {
        const ssize_t n = ::read(in, data, kChunk);
        if (n < 0) {
            if (errno == EINTR) continue;
            status = makeError("unreadable", "read error: " + errnoText());
            break;
        }
        if (n == 0) break;
        if (cleaning && size == 0) *cleaning = cleanPreamble(data, std::size_t(n));
        hash.update(data, size_t(n));
        size += std::uint64_t(n);
        status = sealedOut ? sealedOut->write(data, size_t(n)) : writeAll(out, data, size_t(n));
        if (!status) break;
    }
    ::close(in);
    if (sealedOut) {
        if (status) status = sealedOut->finish();
        sealedOut.reset();  // an unfinished writer removes its file
    } else if (::close(out) != 0 && status) {
        status = makeError(errno == ENOSPC ? "disk-full" : "write-failed", "cannot write " + path + ": " + errnoText());
    }
    if (!status) {
        ::unlink(path.c_str());
        return status.error();
    }
    digest = hash.finish();
    return path;
}

Status FileStore::seal(const std::string& temporary) const
{
    if (!m_key || isSealedFile(temporary)) return Done{};
    const std::string sealedPath = temporary + ".lbx";
    if (Status s = encryptFile(temporary, sealedPath, *m_key); !s) {
        ::unlink(sealedPath.c_str());
        return s;
    }
    if (::rename(sealedPath.c_str(), temporary.c_str()) != 0) {
        const std::string why = errnoText();
        ::unlink(sealedPath.c_str());
        return makeError("write-failed", "cannot replace " + temporary + ": " + why);
    }
    return Done{};
}

Status FileStore::writeSmallFile(const std::string& path, const void* data, std::size_t size) const
{
    std::error_code ec;
    if (fs::create_directories(fs::path(path).parent_path(), ec))
        fs::permissions(fs::path(path).parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
    auto tmp = writeTemporary(data, size);
    if (!tmp) return tmp.error();
    if (::rename(tmp->c_str(), path.c_str()) != 0) {
        const std::string why = errnoText();
        ::unlink(tmp->c_str());
        return makeError("write-failed", "cannot write " + path + ": " + why);
    }
    return Done{};
}

Result<std::vector<char>> FileStore::readSmallFile(const std::string& path) const { return readPlainBytes(path); }

Status FileStore::makeDurable() const
{
    const int rootFd = ::open(m_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootFd < 0) return makeError("store", "cannot open " + m_root + ": " + errnoText());
#ifdef __linux__
    // One flush of the whole file system: cheaper than an fsync per file for batches of hundreds.
    const int r = ::syncfs(rootFd);
#else
    const int r = ::fsync(rootFd);
    ::sync();
#endif
    const std::string why = r != 0 ? errnoText() : std::string();
    ::close(rootFd);
    if (r != 0) return makeError(errno == ENOSPC ? "disk-full" : "flush-failed", "the disk did not confirm the written files: " + why);
    return Done{};
}

Status FileStore::place(const std::string& temporary, const std::string& sop) const
{
    const std::string target = finalPath(sop);
    std::error_code ec;
    if (fs::create_directories(fs::path(target).parent_path(), ec))
        fs::permissions(fs::path(target).parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) return makeError("store", "cannot create the folder of " + target + ": " + ec.message());
    if (::rename(temporary.c_str(), target.c_str()) != 0)
        return makeError(errno == ENOSPC ? "disk-full" : "store", "cannot move " + temporary + " to " + target + ": " + errnoText());
    return Done{};
}

std::string FileStore::thumbnailPath(const std::string& seriesUid, int size) const
{
    return m_root + "/thumbs/" + nameDigest(seriesUid) + "-" + std::to_string(size) + (m_key ? ".png.lbx" : ".png");
}

void FileStore::removeThumbnails(const std::string& seriesUid) const
{
    const std::string prefix = nameDigest(seriesUid) + "-";
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(m_root + "/thumbs", ec))
        if (e.path().filename().string().rfind(prefix, 0) == 0) fs::remove(e.path(), ec);
}

Status FileStore::remove(const std::string& sop) const
{
    const std::string path = finalPath(sop);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return makeError("store", "cannot delete " + path + ": " + errnoText());
    return Done{};
}

std::vector<std::string> FileStore::listFiles() const
{
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(m_files, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (it->is_regular_file(ec) && it->path().extension() == ".dcm") out.push_back(it->path().string());
    }
    return out;
}

std::int64_t FileStore::freeBytes() const
{
    struct statvfs st {};
    if (::statvfs(m_root.c_str(), &st) != 0) return -1;
    return std::int64_t(st.f_bavail) * std::int64_t(st.f_frsize);
}

}  // namespace lightbox::storage
