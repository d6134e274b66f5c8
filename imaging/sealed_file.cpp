#include "sealed_file.h"

#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>

namespace lightbox {

namespace {

constexpr char kMagic[7] = {'L', 'B', 'X', 'E', 'N', 'C', '1'};

std::mutex& unsealerMutex()
{
    static std::mutex m;
    return m;
}

Unsealer& registered()
{
    static Unsealer u;
    return u;
}

}  // namespace

bool looksSealed(const std::uint8_t* head, std::size_t size)
{
    return size >= sizeof kMagic && std::memcmp(head, kMagic, sizeof kMagic) == 0;
}

bool isSealedFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::uint8_t head[sizeof kMagic] = {};
    in.read(reinterpret_cast<char*>(head), sizeof head);
    return in.gcount() == std::streamsize(sizeof head) && looksSealed(head, sizeof head);
}

std::uint64_t plainSizeOf(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::uint8_t head[24] = {};
    in.read(reinterpret_cast<char*>(head), sizeof head);
    if (in.gcount() == std::streamsize(sizeof head) && looksSealed(head, sizeof head)) {
        std::uint64_t size = 0;  // header: magic (7) | version (1) | chunk size (4) | reserved (4) | size (8, big-endian)
        for (int i = 16; i < 24; ++i) size = (size << 8) | head[i];
        return size;
    }
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? std::uint64_t(st.st_size) : 0;
}

void setUnsealer(Unsealer unsealer)
{
    std::lock_guard lock(unsealerMutex());
    registered() = std::move(unsealer);
}

Result<std::vector<char>> unsealFile(const std::string& path)
{
    Unsealer u;
    {
        std::lock_guard lock(unsealerMutex());
        u = registered();
    }
    if (!u) return makeError("locked", path + " is encrypted and this process holds no cache key (the cache is locked)");
    return u(path);
}

Result<std::vector<char>> readPlainBytes(const std::string& path)
{
    if (isSealedFile(path)) return unsealFile(path);
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return makeError("unreadable", "cannot open " + path);
    const std::streamoff size = in.tellg();
    std::vector<char> bytes(std::size_t(size > 0 ? size : 0));
    in.seekg(0);
    if (!bytes.empty() && !in.read(bytes.data(), std::streamsize(bytes.size()))) return makeError("unreadable", "cannot read " + path);
    return bytes;
}

Status copyPlain(const std::string& path, const std::string& target)
{
    auto bytes = readPlainBytes(path);
    if (!bytes) return bytes.error();
    ::unlink(target.c_str());
    const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return makeError("unwritable", "cannot create " + target + ": " + std::strerror(errno));
    const char* p = bytes->data();
    std::size_t left = bytes->size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            ::unlink(target.c_str());
            return makeError(err == ENOSPC ? "disk-full" : "unwritable", "cannot write " + target + ": " + std::strerror(err));
        }
        p += n;
        left -= std::size_t(n);
    }
    if (::close(fd) != 0) return makeError("unwritable", "cannot write " + target + ": " + std::strerror(errno));
    return Done{};
}

Status loadDcmFile(DcmFileFormat& file, const std::string& path, bool untilPixelData)
{
    if (!isSealedFile(path)) {
        const OFCondition c = untilPixelData ? file.loadFileUntilTag(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect, DCM_PixelData)
                                             : file.loadFile(path.c_str());
        if (c.bad()) return makeError("unreadable", path + ": " + c.text());
        return Done{};
    }
    auto bytes = unsealFile(path);
    if (!bytes) return bytes.error();
    DcmInputBufferStream stream;
    stream.setBuffer(bytes->data(), offile_off_t(bytes->size()));
    stream.setEos();
    file.transferInit();
    const OFCondition c = file.read(stream, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
    file.transferEnd();
    if (c.bad()) return makeError("unreadable", path + ": " + c.text());
    return Done{};
}

}  // namespace lightbox
