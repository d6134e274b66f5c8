#pragma once
// A streaming reader of multipart/related bodies (RFC 2046), as WADO-RS answers: bytes are fed as
// they arrive; each part's body is written to a file as it streams (instances can be large) and
// handed over when complete. Part headers are kept (Content-Type, Content-Location).
#include "result.h"

#include <cstdio>
#include <functional>
#include <map>
#include <string>

namespace lightbox::net {

// The boundary parameter of a Content-Type header ("" if none).
std::string multipartBoundary(const std::string& contentType);

class MultipartReader {
public:
    using PartDone = std::function<void(const std::string& path, const std::map<std::string, std::string>& headers)>;
    // `newPath` gives the file each part is written to.
    MultipartReader(std::string boundary, std::function<std::string()> newPath, PartDone done);
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
    void closePart(bool complete);

    std::string m_delimiter;  // "\r\n--boundary"
    std::function<std::string()> m_newPath;
    PartDone m_done;
    State m_state = State::Preamble;
    std::string m_buffer;
    std::map<std::string, std::string> m_headers;
    std::FILE* m_file = nullptr;
    std::string m_path;
    std::size_t m_parts = 0;
    std::string m_error;
};

}  // namespace lightbox::net
