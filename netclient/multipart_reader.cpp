#include "multipart_reader.h"

#include <algorithm>
#include <cctype>
#include <cstring>


namespace lightbox::net {

std::string multipartBoundary(const std::string& contentType)
{
    std::string lower = contentType;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    const std::size_t at = lower.find("boundary=");
    if (at == std::string::npos) return {};
    std::size_t start = at + 9, end;
    if (start < contentType.size() && contentType[start] == '"') {
        ++start;
        end = contentType.find('"', start);
    } else {
        end = contentType.find_first_of("; \t", start);
    }
    return contentType.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

MultipartReader::MultipartReader(std::string boundary, NewFile newFile, PartDone done)
    : m_delimiter("\r\n--" + boundary), m_newFile(std::move(newFile)), m_done(std::move(done))
{
    // The first delimiter may come without the leading CRLF.
    m_buffer = "\r\n";
}

MultipartReader::~MultipartReader() { closePart(false); }

bool MultipartReader::fail(const std::string& why)
{
    m_error = why;
    closePart(false);
    return false;
}

void MultipartReader::closePart(bool complete)
{
    std::unique_ptr<IncomingFile> file = std::move(m_file);
    if (!file || !complete) return;  // an unfinished file removes itself
    auto path = file->finish();
    if (!path) {
        m_error = "cannot write a received instance: " + path.error().message;
        return;
    }
    ++m_parts;
    m_done(*path, m_headers);
}

bool MultipartReader::writeBody(std::size_t n)
{
    if (m_file)
        if (Status s = m_file->write(m_buffer.data(), n); !s) return fail("cannot write a received instance: " + s.error().message);
    m_buffer.erase(0, n);
    return true;
}

bool MultipartReader::flushBody(std::size_t keep)
{
    if (m_buffer.size() <= keep) return true;
    return writeBody(m_buffer.size() - keep);
}

bool MultipartReader::feed(const char* data, std::size_t size)
{
    if (!m_error.empty()) return false;
    m_buffer.append(data, size);
    while (true) {
        switch (m_state) {
        case State::Preamble: {
            const std::size_t at = m_buffer.find(m_delimiter);
            if (at == std::string::npos) {
                if (m_buffer.size() > m_delimiter.size()) m_buffer.erase(0, m_buffer.size() - m_delimiter.size());
                return true;
            }
            m_buffer.erase(0, at + m_delimiter.size());
            m_state = State::Headers;
            m_headers.clear();
            break;
        }
        case State::Headers: {
            if (m_buffer.size() >= 2 && m_buffer.compare(0, 2, "--") == 0) {
                m_state = State::End;  // the closing delimiter
                return true;
            }
            const std::size_t end = m_buffer.find("\r\n\r\n");
            if (end == std::string::npos) {
                if (m_buffer.size() > 64 * 1024) return fail("malformed multipart response: part headers too long");
                return true;
            }
            // Lines after the delimiter's own CRLF.
            std::size_t pos = m_buffer.find("\r\n");
            while (pos != std::string::npos && pos < end) {
                const std::size_t next = m_buffer.find("\r\n", pos + 2);
                const std::string line = m_buffer.substr(pos + 2, (next == std::string::npos ? end : std::min(next, end)) - pos - 2);
                const std::size_t colon = line.find(':');
                if (colon != std::string::npos) {
                    std::string key = line.substr(0, colon);
                    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return char(std::tolower(c)); });
                    std::string value = line.substr(colon + 1);
                    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(value.begin());
                    m_headers[key] = value;
                }
                if (next == std::string::npos || next >= end) break;
                pos = next;
            }
            m_buffer.erase(0, end + 4);
            auto file = m_newFile(m_headers);
            if (!file) return fail(file.error().message);
            m_file = std::move(*file);
            m_state = State::Body;
            break;
        }
        case State::Body: {
            const std::size_t at = m_buffer.find(m_delimiter);
            if (at == std::string::npos) {
                // Everything but what could be the start of a delimiter goes to the file.
                return flushBody(m_delimiter.size() - 1);
            }
            if (!writeBody(at)) return false;
            m_buffer.erase(0, m_delimiter.size());
            closePart(true);
            if (!m_error.empty()) return false;
            m_state = State::Headers;
            m_headers.clear();
            break;
        }
        case State::End: return true;
        }
    }
}

}  // namespace lightbox::net
