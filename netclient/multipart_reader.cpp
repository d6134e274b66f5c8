#include "multipart_reader.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include <unistd.h>

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

MultipartReader::MultipartReader(std::string boundary, std::function<std::string()> newPath, PartDone done)
    : m_delimiter("\r\n--" + boundary), m_newPath(std::move(newPath)), m_done(std::move(done))
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
    if (!m_file) return;
    const bool ok = std::fclose(m_file) == 0;
    m_file = nullptr;
    if (complete && ok) {
        ++m_parts;
        m_done(m_path, m_headers);
    } else {
        ::unlink(m_path.c_str());
    }
    m_path.clear();
}

bool MultipartReader::flushBody(std::size_t keep)
{
    if (m_buffer.size() <= keep) return true;
    const std::size_t n = m_buffer.size() - keep;
    if (std::fwrite(m_buffer.data(), 1, n, m_file) != n) return fail("cannot write a received instance (disk full?)");
    m_buffer.erase(0, n);
    return true;
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
            m_path = m_newPath();
            m_file = std::fopen(m_path.c_str(), "wb");
            if (!m_file) return fail("cannot create " + m_path);
            m_state = State::Body;
            break;
        }
        case State::Body: {
            const std::size_t at = m_buffer.find(m_delimiter);
            if (at == std::string::npos) {
                // Everything but what could be the start of a delimiter goes to the file.
                return flushBody(m_delimiter.size() - 1);
            }
            if (std::fwrite(m_buffer.data(), 1, at, m_file) != at) return fail("cannot write a received instance (disk full?)");
            m_buffer.erase(0, at + m_delimiter.size());
            closePart(true);
            m_state = State::Headers;
            m_headers.clear();
            break;
        }
        case State::End: return true;
        }
    }
}

}  // namespace lightbox::net
