#pragma once
// A streaming reader of multipart/related bodies (RFC 2046), as WADO-RS answers: bytes are fed as
// they arrive; each part's body is written to an IncomingFile as it streams (instances can be
// large) and handed over when complete. Part headers are kept (Content-Type, Content-Location).
#include "instance_sink.h"
#include "result.h"

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace lightbox::net {

// The boundary parameter of a Content-Type header ("" if none).
std::string multipartBoundary(const std::string& contentType);

class MultipartReader {
public:
    using Headers = std::map<std::string, std::string>;  // names in lower case
    using PartDone = std::function<void(const std::string& path, const Headers& headers)>;
    // `newFile` gives the file a part is written to, given its headers: nullptr skips the part (not
    // an instance), an error stops the reader.
    using NewFile = std::function<Result<std::unique_ptr<IncomingFile>>(const Headers& headers)>;
    MultipartReader(std::string boundary, NewFile newFile, PartDone done);
    ~MultipartReader();

    // Feeds bytes; false (with error()) on malformed input or a write error.
    bool feed(const char* data, std::size_t size);
    // True once the closing delimiter was seen.
    bool finished() const { return m_state == State::End; }
    const std::string& error() const { return m_error; }
    std::size_t parts() const { return m_parts; }

private:
    enum class State { Preamble, Headers, Body, End };
    bool fail(const std::string& why);
    bool flushBody(std::size_t keep);
    bool writeBody(std::size_t n);
    void closePart(bool complete);

    std::string m_delimiter;  // "\r\n--boundary"
    NewFile m_newFile;
    PartDone m_done;
    State m_state = State::Preamble;
    std::string m_buffer;
    Headers m_headers;
    std::unique_ptr<IncomingFile> m_file;  // null while a skipped part streams by
    std::size_t m_parts = 0;
    std::string m_error;
};

}  // namespace lightbox::net
