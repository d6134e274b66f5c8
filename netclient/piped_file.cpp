#include "piped_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>
#include <vector>

namespace lightbox::net {

Result<std::unique_ptr<PipedFile>> PipedFile::open(const std::string& folder, std::unique_ptr<IncomingFile> file)
{
    static std::atomic<unsigned long> counter{0};
    const std::string path = folder + "/" + std::to_string(++counter) + ".pipe";
    if (::mkfifo(path.c_str(), 0600) != 0) return makeError("write-failed", "cannot create the pipe " + path + ": " + std::strerror(errno));
    // Opened for reading at once (non-blocking: there is no writer yet), so that DCMTK's open for
    // writing never waits for a reader.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const std::string why = std::strerror(errno);
        ::unlink(path.c_str());
        return makeError("write-failed", "cannot open the pipe " + path + ": " + why);
    }
    std::unique_ptr<PipedFile> piped(new PipedFile(path, fd, std::move(file)));
    if (!piped->m_written) return piped->m_written.error();  // no reader: DCMTK must never get this pipe
    return piped;
}

PipedFile::PipedFile(std::string path, int fd, std::unique_ptr<IncomingFile> file)
    : m_path(std::move(path)), m_fd(fd), m_file(std::move(file))
{
    try {
        m_reader = std::thread([this] { pump(); });
    } catch (const std::system_error&) {
        m_written = makeError("write-failed", "cannot start a thread to receive");  // finish() reports it; nothing was read
    }
}

PipedFile::~PipedFile()
{
    if (m_fd >= 0) (void)finish(false);
}

void PipedFile::pump()
{
    std::vector<char> buffer(256 * 1024);
    while (true) {
        pollfd p{m_fd, POLLIN, 0};
        // Until a writer has opened the pipe, Linux reports nothing (no hang-up): the timeout lets
        // finish() end a pipe DCMTK never opened.
        const int ready = ::poll(&p, 1, 50);
        if (ready <= 0) {
            // Never stop reading before the transfer ends (a writer left with a full pipe would
            // block for good): an error here is waited out like a timeout.
            if (m_stop.load()) break;
            if (ready < 0 && errno != EINTR) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
        }
        const ssize_t n = ::read(m_fd, buffer.data(), buffer.size());
        if (n > 0) {
            m_bytes += std::uint64_t(n);
            if (m_written) m_written = m_file->write(buffer.data(), std::size_t(n));  // drained on after a failure
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n < 0) {
            if (m_written) m_written = makeError("write-failed", std::string("cannot read the pipe: ") + std::strerror(errno));
            if (m_stop.load()) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
        }
        // End of file: the writer closed. Before any byte (a system that reports a hang-up with no
        // writer yet), only the end of the transfer ends the wait.
        if (m_bytes > 0 || m_stop.load()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

Result<std::string> PipedFile::finish(bool complete)
{
    m_stop = true;
    if (m_reader.joinable()) m_reader.join();
    ::close(m_fd);
    m_fd = -1;
    ::unlink(m_path.c_str());  // DCMTK may have removed it already (a failed transfer)
    std::unique_ptr<IncomingFile> file = std::move(m_file);
    if (!m_written) return m_written.error();
    if (!complete) return makeError("incomplete", "the transfer did not complete");
    if (m_bytes == 0) return makeError("write-failed", "nothing was received");
    if (!file) return makeError("write-failed", "already finished");
    return file->finish();
}

}  // namespace lightbox::net
