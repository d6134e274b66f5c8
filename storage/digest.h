#pragma once
// SHA-256 (file integrity), SHA-1 (file names from UIDs) and base64 (keys in text files) with OpenSSL.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace lightbox::storage {

using Sha256 = std::array<std::uint8_t, 32>;

Sha256 sha256(const void* data, std::size_t size);
// SHA-256 of a file read in chunks; false if it cannot be read.
bool sha256File(const std::string& path, Sha256& out, std::uint64_t* size = nullptr);
std::string sha1Hex(const std::string& text);

// Standard base64 with padding; decoding refuses anything else (false).
std::string base64(const void* data, std::size_t size);
bool unbase64(const std::string& in, std::string& out);

// Incremental SHA-256.
class Sha256Stream {
public:
    Sha256Stream();
    ~Sha256Stream();
    Sha256Stream(const Sha256Stream&) = delete;
    Sha256Stream& operator=(const Sha256Stream&) = delete;
    void update(const void* data, std::size_t size);
    Sha256 finish();

private:
    void* m_ctx;
};

}  // namespace lightbox::storage
