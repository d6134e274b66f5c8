#include "preamble.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace lightbox::storage {

PreambleCleaning classifyPreamble(const unsigned char* p)
{
    PreambleCleaning c;
    bool any = false;
    for (int i = 0; i < 128 && !any; ++i) any = p[i] != 0;
    if (!any) return c;
    c.cleaned = true;
    const auto starts = [p](const char* magic, std::size_t n) { return std::memcmp(p, magic, n) == 0; };
    if (starts("MZ", 2)) c.executable = "Windows executable (PE)";
    else if (starts("\x7f" "ELF", 4)) c.executable = "ELF executable";
    else if (starts("\xfe\xed\xfa\xce", 4) || starts("\xfe\xed\xfa\xcf", 4) || starts("\xce\xfa\xed\xfe", 4) || starts("\xcf\xfa\xed\xfe", 4) ||
             starts("\xca\xfe\xba\xbe", 4))
        c.executable = "Mach-O executable";
    if (!c.executable.empty()) c.what = "a " + c.executable + " header";
    else if (starts("II*\0", 4) || starts("MM\0*", 4)) c.what = "a TIFF header";
    else c.what = "non-zero bytes";
    return c;
}

PreambleCleaning cleanPreamble(std::uint8_t* data, std::size_t size)
{
    PreambleCleaning c;
    if (size < 132 || std::memcmp(data + 128, "DICM", 4) != 0) return c;
    c = classifyPreamble(data);
    if (c.cleaned) std::memset(data, 0, 128);
    return c;
}

Result<PreambleCleaning> cleanPreamble(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return makeError("unreadable", "cannot open " + path + ": " + std::strerror(errno));
    unsigned char head[132];
    const ssize_t n = ::pread(fd, head, sizeof head, 0);
    PreambleCleaning c;
    if (n == ssize_t(sizeof head) && std::memcmp(head + 128, "DICM", 4) == 0) {
        c = classifyPreamble(head);
        if (c.cleaned) {
            static const unsigned char zeros[128] = {};
            if (::pwrite(fd, zeros, sizeof zeros, 0) != ssize_t(sizeof zeros)) {
                const int err = errno;
                ::close(fd);
                return makeError(err == ENOSPC || err == EFBIG ? "disk-full" : "unwritable", "cannot clean the preamble of " + path + ": " + std::strerror(err));
            }
        }
    }
    ::close(fd);
    return c;
}

}  // namespace lightbox::storage
