#pragma once
// Encryption at rest for the cache (issue 11, point 2): the cache key, how it is wrapped, and an
// authenticated, seekable file format for large DICOM files. OpenSSL (AES-256-GCM, HKDF-SHA256,
// RAND_bytes) and libargon2 (Argon2id). No Qt. Keys: cache_key_wrap.cpp; files: cache_crypto.cpp.
//
// Keys
//   The cache key is 32 random bytes. It is never stored in the clear: it is kept wrapped
//   (AES-256-GCM) either by a key-encryption key (KEK) derived from a passphrase with Argon2id (the
//   administrator's recovery copy, and the headless fallback: LIGHTBOX_CACHE_PASSPHRASE or a prompt),
//   or by a random 32-byte KEK held in the operating system's key store (app/security/key_store.h).
//   Why the key store holds a KEK and not the cache key itself: the wrapped records live beside the
//   cache (one file, several wraps of the same key), so the key store entry alone opens nothing, a
//   lost or rotated key store entry is replaced by re-wrapping one 32-byte key (no file is
//   re-encrypted), and the recovery passphrase and the key store stay two equal doors to one key.
//
// File format "LBXENC1" (all integers big-endian)
//   header, 64 bytes: magic "LBXENC1" (7) | version 1 (1) | chunk size (4) | reserved, zero (4)
//                     | plaintext size (8) | salt (32) | reserved, zero (8)
//   then ceil(size / chunk) chunks (at least one: an empty file has one empty last chunk), each
//   AES-256-GCM ciphertext (same length as its plaintext) followed by its 16-byte tag.
//   File key  = HKDF-SHA256(cache key, salt, "lightbox cache file v1"): a fresh key per file, so
//               nonces can simply count chunks and never repeat under one key, and a chunk moved
//               from another file fails (a random per-file salt rather than a 96-bit nonce prefix:
//               no birthday bound on nonces across millions of files under one cache key).
//   Nonce     = 4 zero bytes | chunk index (8).
//   AAD       = header with the size field zeroed | chunk index (8) | last flag (1)
//               | plaintext size (8, only in the last chunk; zero otherwise).
//   So a changed header byte, a reordered, swapped, dropped or appended chunk, a truncated file
//   and a chunk from another file all fail the tag check; the last chunk's tag authenticates the
//   size, which DecryptingReader checks when it opens a file. Never are wrong bytes returned.
//
// How it plugs into the cache:
//   - FileStore writes every stored file, thumbnail and temporary file through EncryptingWriter
//     into tmp/ (network arrivals stream into one as they come: FileStore::openTemporary), then
//     place() renames as before (a half-written file is never under its final name; a crash
//     leaves a .part that prepare() removes).
//   - Readers get the plaintext in memory through the unsealer (imaging/sealed_file.h), which
//     decrypts with decryptToMemory; DecryptingReader gives random access.
//   - File names are HMAC-SHA256(a subkey of the cache key, UID) (cache_keys.h); the index is
//     encrypted page by page by its own SQLite VFS (sealed_vfs.h).
//   - What the header makes possible: a cache can hold plain and encrypted files side by side
//     (the magic tells them apart, so a cache is converted file by file), the chunk size and version
//     can change later without breaking old files, and the plaintext size is known without decrypting.
#include "result.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lightbox::storage {

using CacheKey = std::array<unsigned char, 32>;

// 32 bytes from OpenSSL's RAND_bytes (an error, never a weak key, when it has no entropy).
Result<CacheKey> newCacheKey();

// Argon2id cost. The defaults are those of account passwords (app/security/credentials.cpp):
// 64 MiB, 3 passes, 1 lane, about 0.15 s here.
struct Argon2Params {
    std::uint32_t memoryKiB = 64 * 1024;
    std::uint32_t timeCost = 3;
    std::uint32_t lanes = 1;
};

// One wrapped copy of a cache key. kdf is "argon2id" (m, t, p and salt used) or "raw" (a 32-byte
// KEK from the key store). Byte fields are raw bytes here and base64 in JSON.
struct WrappedKey {
    std::string kdf;
    std::uint32_t m = 0, t = 0, p = 0;
    std::string salt;
    std::string nonce;
    std::string ciphertext;  // the wrapped key followed by the 16-byte GCM tag

    // {"kdf":"argon2id","m":65536,"t":3,"p":1,"salt":"…","nonce":"…","ciphertext":"…"}
    std::string toJson() const;
    static Result<WrappedKey> fromJson(const std::string& json);
};

Result<WrappedKey> wrapKey(const CacheKey& key, const std::string& passphrase, const Argon2Params& params = {});
// Uses the record's own m, t, p and salt. A wrong passphrase (or a changed record) is an error
// ("wrong-passphrase"): the GCM tag is checked, a wrong key is never returned.
Result<CacheKey> unwrapKey(const WrappedKey& wrapped, const std::string& passphrase);
Result<WrappedKey> wrapKeyWithKek(const CacheKey& key, const CacheKey& kek);
Result<CacheKey> unwrapKeyWithKek(const WrappedKey& wrapped, const CacheKey& kek);

constexpr std::size_t kEncryptedHeaderSize = 64;
constexpr std::size_t kEncryptedTagSize = 16;
constexpr std::uint32_t kDefaultChunkSize = 64 * 1024;

// Writes one encrypted file, streaming: the file is created 0600 (it must not exist yet), one
// chunk is held in memory at a time. Nothing is valid until finish() returns success.
class EncryptingWriter {
public:
    static Result<std::unique_ptr<EncryptingWriter>> create(const std::string& path, const CacheKey& key,
                                                           std::uint32_t chunkSize = kDefaultChunkSize);
    ~EncryptingWriter();
    EncryptingWriter(const EncryptingWriter&) = delete;
    EncryptingWriter& operator=(const EncryptingWriter&) = delete;

    Status write(const void* data, std::size_t size);
    // Writes the last chunk and the size into the header; `sync` also fsyncs the file.
    Status finish(bool sync = false);

private:
    struct Impl;
    explicit EncryptingWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m;
};

// Random access to an encrypted file: open() checks the header, the file's length and the last
// chunk's tag; read() decrypts only the chunks that overlap the range.
class DecryptingReader {
public:
    static Result<std::unique_ptr<DecryptingReader>> open(const std::string& path, const CacheKey& key);
    ~DecryptingReader();
    DecryptingReader(const DecryptingReader&) = delete;
    DecryptingReader& operator=(const DecryptingReader&) = delete;

    std::uint64_t size() const;
    std::uint32_t chunkSize() const;
    // Up to `size` bytes from `offset` (fewer at the end of the file, none past it).
    Result<std::vector<char>> read(std::uint64_t offset, std::size_t size);
    Result<std::size_t> readInto(std::uint64_t offset, std::size_t size, char* out);

private:
    struct Impl;
    explicit DecryptingReader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m;
};

// True when the file starts with the "LBXENC1" magic.
bool isEncryptedFile(const std::string& path);

Status encryptFile(const std::string& in, const std::string& out, const CacheKey& key, std::uint32_t chunkSize = kDefaultChunkSize);
// Writes `out` only when every chunk authenticated (through `out`.partial, then renamed).
Status decryptFile(const std::string& in, const std::string& out, const CacheKey& key);
Result<std::vector<char>> decryptToMemory(const std::string& path, const CacheKey& key);

}  // namespace lightbox::storage
