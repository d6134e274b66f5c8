#pragma once
// DCMTK writes what it receives over DIMSE (a C-STORE's data set after the meta header it makes)
// to a file *name* it is given, and its association is not reachable to give it a stream instead.
// To have those bytes go only to an IncomingFile (encrypted in an encrypted cache) and never to a
// plain file, the name given is a named pipe: a FIFO holds no data on disk. A thread reads the
// other end into the IncomingFile as DCMTK writes.
// When the IncomingFile cannot take the bytes (disk full), the pipe is still drained, so DCMTK
// never blocks on it; finish() then reports the error.
#include "instance_sink.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace lightbox::net {

class PipedFile {
public:
    // A new named pipe (0600) in `folder`, read into `file`.
    static Result<std::unique_ptr<PipedFile>> open(const std::string& folder, std::unique_ptr<IncomingFile> file);
    ~PipedFile();  // unfinished: the pipe and the file are removed
    PipedFile(const PipedFile&) = delete;
    PipedFile& operator=(const PipedFile&) = delete;

    // The name to give DCMTK.
    const std::string& path() const { return m_path; }
    // Call once DCMTK is done with path() (its stream closed). With `complete`, waits for the last
    // bytes and returns the finished file's path; otherwise (or when nothing arrived, or a write
    // failed) the file is removed and the reason returned.
    Result<std::string> finish(bool complete);

private:
    PipedFile(std::string path, int fd, std::unique_ptr<IncomingFile> file);
    void pump();

    std::string m_path;
    int m_fd = -1;
    std::unique_ptr<IncomingFile> m_file;
    std::atomic<bool> m_stop{false};
    std::uint64_t m_bytes = 0;  // read so far (reader thread; read by finish() after join)
    Status m_written = Done{};
    std::thread m_reader;
};

}  // namespace lightbox::net
