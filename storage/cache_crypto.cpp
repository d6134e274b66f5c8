#include "cache_crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

// The LBXENC1 file format (cache_key_wrap.cpp: the cache key and its wrapping).
namespace lightbox::storage {

namespace {

constexpr char kMagic[7] = {'L', 'B', 'X', 'E', 'N', 'C', '1'};
constexpr unsigned char kVersion = 1;
constexpr std::size_t kSaltSize = 32, kNonceSize = 12, kTag = kEncryptedTagSize, kHeader = kEncryptedHeaderSize;
constexpr std::size_t kSizeField = 16;  // offset of the plaintext size in the header
constexpr std::uint32_t kMinChunk = 4096, kMaxChunk = 16u << 20;
const char* const kFileInfo = "lightbox cache file v1";

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

void putBE(unsigned char* p, std::uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; --i, v >>= 8) p[i] = static_cast<unsigned char>(v & 0xff);
}

std::uint64_t getBE(const unsigned char* p, int bytes)
{
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
    return v;
}

std::string errnoText() { return std::strerror(errno); }

struct FileCipher {
    unsigned char header[kHeader]{};  // as on disk (size field filled in at the end)
    unsigned char fileKey[32]{};
    std::uint32_t chunk = kDefaultChunkSize;
    CipherCtx enc{EVP_CIPHER_CTX_new()}, dec{EVP_CIPHER_CTX_new()};

    ~FileCipher() { OPENSSL_cleanse(fileKey, sizeof fileKey); }

    bool deriveFileKey(const CacheKey& key)
    {
        EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
        EVP_KDF_CTX* kctx = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
        EVP_KDF_free(kdf);
        if (!kctx) return false;
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<unsigned char*>(key.data()), key.size()),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, header + 24, kSaltSize),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(kFileInfo), std::strlen(kFileInfo)),
            OSSL_PARAM_construct_end()};
        const bool ok = EVP_KDF_derive(kctx, fileKey, sizeof fileKey, params) == 1;
        EVP_KDF_CTX_free(kctx);
        return ok && EVP_EncryptInit_ex(enc.get(), EVP_aes_256_gcm(), nullptr, fileKey, nullptr) == 1 &&
               EVP_DecryptInit_ex(dec.get(), EVP_aes_256_gcm(), nullptr, fileKey, nullptr) == 1;
    }

    void aadAndNonce(std::uint64_t index, bool last, std::uint64_t plainSize, unsigned char* aad, unsigned char* nonce) const
    {
        std::memcpy(aad, header, kHeader);
        std::memset(aad + kSizeField, 0, 8);
        putBE(aad + kHeader, index, 8);
        aad[kHeader + 8] = last ? 1 : 0;
        putBE(aad + kHeader + 9, last ? plainSize : 0, 8);
        std::memset(nonce, 0, 4);
        putBE(nonce + 4, index, 8);
    }
    static constexpr std::size_t kAad = kHeader + 17;

    bool seal(std::uint64_t index, bool last, std::uint64_t plainSize, const unsigned char* in, std::size_t n, unsigned char* out)
    {
        unsigned char aad[kAad], nonce[kNonceSize];
        aadAndNonce(index, last, plainSize, aad, nonce);
        int len = 0, fin = 0;
        return EVP_EncryptInit_ex(enc.get(), nullptr, nullptr, nullptr, nonce) == 1 && EVP_EncryptUpdate(enc.get(), nullptr, &len, aad, int(kAad)) == 1 &&
               EVP_EncryptUpdate(enc.get(), out, &len, in, int(n)) == 1 && EVP_EncryptFinal_ex(enc.get(), out + len, &fin) == 1 &&
               EVP_CIPHER_CTX_ctrl(enc.get(), EVP_CTRL_GCM_GET_TAG, int(kTag), out + n) == 1;
    }

    bool open(std::uint64_t index, bool last, std::uint64_t plainSize, const unsigned char* in, std::size_t n, unsigned char* out)
    {
        unsigned char aad[kAad], nonce[kNonceSize];
        aadAndNonce(index, last, plainSize, aad, nonce);
        int len = 0, fin = 0;
        return EVP_DecryptInit_ex(dec.get(), nullptr, nullptr, nullptr, nonce) == 1 && EVP_DecryptUpdate(dec.get(), nullptr, &len, aad, int(kAad)) == 1 &&
               EVP_DecryptUpdate(dec.get(), out, &len, in, int(n)) == 1 &&
               EVP_CIPHER_CTX_ctrl(dec.get(), EVP_CTRL_GCM_SET_TAG, int(kTag), const_cast<unsigned char*>(in + n)) == 1 &&
               EVP_DecryptFinal_ex(dec.get(), out + len, &fin) == 1;
    }
};

bool writeAll(int fd, const unsigned char* p, std::size_t n)
{
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= std::size_t(w);
    }
    return true;
}

bool preadAll(int fd, unsigned char* p, std::size_t n, std::uint64_t offset)
{
    while (n > 0) {
        const ssize_t r = ::pread(fd, p, n, off_t(offset));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= std::size_t(r);
        offset += std::uint64_t(r);
    }
    return true;
}

std::uint64_t chunkCount(std::uint64_t size, std::uint32_t chunk) { return size == 0 ? 1 : (size + chunk - 1) / chunk; }

}  // namespace

struct EncryptingWriter::Impl {
    std::string path;
    int fd = -1;
    FileCipher cipher;
    std::vector<unsigned char> plain, sealed;
    std::uint64_t index = 0, total = 0;
    bool finished = false, failed = false;

    ~Impl()
    {
        if (fd >= 0) ::close(fd);
        if (!finished) ::unlink(path.c_str());  // never leave a file that looks complete but is not
        OPENSSL_cleanse(plain.data(), plain.capacity());
    }

    Status flush(bool last)
    {
        if (!cipher.seal(index, last, total, plain.data(), plain.size(), sealed.data()))
            return failed = true, makeError("crypto", path + ": chunk " + std::to_string(index) + " could not be encrypted");
        if (!writeAll(fd, sealed.data(), plain.size() + kTag)) return failed = true, makeError("io", path + ": " + errnoText());
        ++index;
        plain.clear();
        return Done{};
    }
};

EncryptingWriter::EncryptingWriter(std::unique_ptr<Impl> impl) : m(std::move(impl)) {}
EncryptingWriter::~EncryptingWriter() = default;

Result<std::unique_ptr<EncryptingWriter>> EncryptingWriter::create(const std::string& path, const CacheKey& key, std::uint32_t chunkSize)
{
    if (chunkSize < kMinChunk || chunkSize > kMaxChunk) return makeError("bad-argument", "chunk size out of bounds");
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->finished = true;  // nothing to remove until the file exists
    FileCipher& c = impl->cipher;
    c.chunk = chunkSize;
    std::memcpy(c.header, kMagic, sizeof kMagic);
    c.header[7] = kVersion;
    putBE(c.header + 8, chunkSize, 4);
    if (RAND_bytes(c.header + 24, int(kSaltSize)) != 1) return makeError("crypto", "no random numbers for a file salt");
    if (!c.enc || !c.dec || !c.deriveFileKey(key)) return makeError("crypto", "the file key could not be derived");
    impl->fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (impl->fd < 0) return makeError("io", "cannot create " + path + ": " + errnoText());
    impl->finished = false;
    if (!writeAll(impl->fd, c.header, kHeader)) return makeError("io", path + ": " + errnoText());
    impl->plain.reserve(chunkSize);
    impl->sealed.resize(std::size_t(chunkSize) + kTag);
    return std::unique_ptr<EncryptingWriter>(new EncryptingWriter(std::move(impl)));
}

Status EncryptingWriter::write(const void* data, std::size_t size)
{
    if (m->finished || m->failed) return makeError("bad-state", m->path + ": write after finish or after an error");
    auto p = static_cast<const unsigned char*>(data);
    while (size > 0) {
        // A full chunk is written only once more data follows: the last chunk is written by finish().
        if (m->plain.size() == m->cipher.chunk)
            if (auto st = m->flush(false); !st) return st;
        const std::size_t take = std::min<std::size_t>(size, m->cipher.chunk - m->plain.size());
        m->plain.insert(m->plain.end(), p, p + take);
        m->total += take;
        p += take;
        size -= take;
    }
    return Done{};
}

Status EncryptingWriter::finish(bool sync)
{
    if (m->finished || m->failed) return makeError("bad-state", m->path + ": finish twice or after an error");
    if (auto st = m->flush(true); !st) return st;
    unsigned char size[8];
    putBE(size, m->total, 8);
    if (::pwrite(m->fd, size, 8, kSizeField) != 8 || (sync && ::fsync(m->fd) != 0))
        return m->failed = true, makeError("io", m->path + ": " + errnoText());
    const int fd = m->fd;
    m->fd = -1;
    if (::close(fd) != 0) return m->failed = true, makeError("io", m->path + ": " + errnoText());
    m->finished = true;
    return Done{};
}

struct DecryptingReader::Impl {
    std::string path;
    int fd = -1;
    FileCipher cipher;
    std::uint64_t size = 0, chunks = 0;
    std::vector<unsigned char> sealed;

    ~Impl()
    {
        if (fd >= 0) ::close(fd);
    }

    Error tampered(std::uint64_t index) const
    {
        return makeError("tampered", path + ": chunk " + std::to_string(index) + " of " + std::to_string(chunks) +
                                         " failed authentication (changed, truncated, moved, or the wrong key)");
    }

    // Decrypts chunk `index` into out (chunk-size bytes of room); returns its plaintext length.
    Result<std::size_t> chunk(std::uint64_t index, unsigned char* out)
    {
        const bool last = index + 1 == chunks;
        const std::size_t n = last ? std::size_t(size - index * cipher.chunk) : cipher.chunk;
        const std::uint64_t at = kHeader + index * (std::uint64_t(cipher.chunk) + kTag);
        if (!preadAll(fd, sealed.data(), n + kTag, at)) return makeError("io", path + ": chunk " + std::to_string(index) + " cannot be read");
        if (!cipher.open(index, last, size, sealed.data(), n, out)) {
            OPENSSL_cleanse(out, n);
            return tampered(index);
        }
        return n;
    }
};

DecryptingReader::DecryptingReader(std::unique_ptr<Impl> impl) : m(std::move(impl)) {}
DecryptingReader::~DecryptingReader() = default;

Result<std::unique_ptr<DecryptingReader>> DecryptingReader::open(const std::string& path, const CacheKey& key)
{
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (impl->fd < 0) return makeError("io", "cannot open " + path + ": " + errnoText());
    FileCipher& c = impl->cipher;
    struct stat st {};
    if (::fstat(impl->fd, &st) != 0 || !preadAll(impl->fd, c.header, kHeader, 0) || std::memcmp(c.header, kMagic, sizeof kMagic) != 0)
        return makeError("not-encrypted", path + " is not a Lightbox encrypted file (no LBXENC1 header)");
    if (c.header[7] != kVersion) return makeError("unsupported", path + ": encrypted file version " + std::to_string(c.header[7]) + " is not known");
    c.chunk = std::uint32_t(getBE(c.header + 8, 4));
    impl->size = getBE(c.header + kSizeField, 8);
    if (c.chunk < kMinChunk || c.chunk > kMaxChunk || impl->size > (std::uint64_t(1) << 50))
        return makeError("tampered", path + ": the header is damaged (chunk size or plaintext size out of bounds)");
    impl->chunks = chunkCount(impl->size, c.chunk);
    const std::uint64_t expected = kHeader + impl->size + impl->chunks * kTag;
    if (std::uint64_t(st.st_size) != expected)
        return makeError("tampered", path + ": " + std::to_string(st.st_size) + " bytes where the header promises " + std::to_string(expected) +
                                         " (truncated, extended, or the header was changed)");
    if (!c.enc || !c.dec || !c.deriveFileKey(key)) return makeError("crypto", "the file key could not be derived");
    impl->sealed.resize(std::size_t(c.chunk) + kTag);
    // The last chunk's tag covers the size and the header: check it before anything is read.
    std::vector<unsigned char> last(c.chunk);
    if (auto r = impl->chunk(impl->chunks - 1, last.data()); !r) return r.error();
    return std::unique_ptr<DecryptingReader>(new DecryptingReader(std::move(impl)));
}

std::uint64_t DecryptingReader::size() const { return m->size; }
std::uint32_t DecryptingReader::chunkSize() const { return m->cipher.chunk; }

Result<std::size_t> DecryptingReader::readInto(std::uint64_t offset, std::size_t size, char* out)
{
    if (offset >= m->size) return std::size_t(0);
    size = std::size_t(std::min<std::uint64_t>(size, m->size - offset));
    const std::uint32_t cs = m->cipher.chunk;
    std::vector<unsigned char> buf;
    std::size_t done = 0;
    for (std::uint64_t i = offset / cs; done < size; ++i) {
        const std::uint64_t chunkStart = i * cs;
        const std::size_t skip = std::size_t(offset + done - chunkStart);
        const std::size_t want = std::min<std::size_t>(size - done, cs - skip);
        unsigned char* dst = reinterpret_cast<unsigned char*>(out + done);
        if (skip == 0 && want == std::min<std::uint64_t>(cs, m->size - chunkStart)) {  // a whole chunk: straight into out
            if (auto r = m->chunk(i, dst); !r) {
                OPENSSL_cleanse(out, done);
                return r.error();
            }
        } else {
            buf.resize(cs);
            if (auto r = m->chunk(i, buf.data()); !r) {
                OPENSSL_cleanse(out, done);
                return r.error();
            }
            std::memcpy(dst, buf.data() + skip, want);
        }
        done += want;
    }
    return done;
}

Result<std::vector<char>> DecryptingReader::read(std::uint64_t offset, std::size_t size)
{
    std::vector<char> out(std::size_t(std::min<std::uint64_t>(size, offset >= m->size ? 0 : m->size - offset)));
    auto r = readInto(offset, out.size(), out.data());
    if (!r) return r.error();
    return out;
}

bool isEncryptedFile(const std::string& path)
{
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    char magic[sizeof kMagic];
    const bool yes = std::fread(magic, 1, sizeof magic, f) == sizeof magic && std::memcmp(magic, kMagic, sizeof kMagic) == 0;
    std::fclose(f);
    return yes;
}

Status encryptFile(const std::string& in, const std::string& out, const CacheKey& key, std::uint32_t chunkSize)
{
    const int fd = ::open(in.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return makeError("io", "cannot open " + in + ": " + errnoText());
    auto w = EncryptingWriter::create(out, key, chunkSize);
    if (!w) {
        ::close(fd);
        return w.error();
    }
    std::vector<char> buf(1 << 20);
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const std::string why = errnoText();
            ::close(fd);
            return makeError("io", in + ": " + why);
        }
        if (n == 0) break;
        if (auto st = (*w)->write(buf.data(), std::size_t(n)); !st) {
            ::close(fd);
            return st;
        }
    }
    ::close(fd);
    return (*w)->finish();
}

Status decryptFile(const std::string& in, const std::string& out, const CacheKey& key)
{
    auto r = DecryptingReader::open(in, key);
    if (!r) return r.error();
    DecryptingReader& reader = **r;
    const std::string partial = out + ".partial";
    const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return makeError("io", "cannot create " + partial + ": " + errnoText());
    std::vector<char> buf(std::size_t(reader.chunkSize()) * 16);
    for (std::uint64_t at = 0; at < reader.size();) {
        auto n = reader.readInto(at, buf.size(), buf.data());
        if (!n || !writeAll(fd, reinterpret_cast<const unsigned char*>(buf.data()), *n)) {
            ::close(fd);
            ::unlink(partial.c_str());
            return n ? makeError("io", partial + ": " + errnoText()) : n.error();
        }
        at += *n;
    }
    if (::close(fd) != 0 || std::rename(partial.c_str(), out.c_str()) != 0) {
        ::unlink(partial.c_str());
        return makeError("io", "cannot write " + out + ": " + errnoText());
    }
    return Done{};
}

Result<std::vector<char>> decryptToMemory(const std::string& path, const CacheKey& key)
{
    auto r = DecryptingReader::open(path, key);
    if (!r) return r.error();
    return (*r)->read(0, std::size_t((*r)->size()));
}

}  // namespace lightbox::storage
