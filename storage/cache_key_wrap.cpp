#include "cache_crypto.h"
#include "digest.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <utility>
#include <vector>

// The cache key and its wrapping (cache_crypto.cpp: the LBXENC1 file format).
namespace lightbox::storage {

namespace {

constexpr std::size_t kNonceSize = 12, kTag = kEncryptedTagSize;
const char* const kWrapAad = "lightbox cache key v1";

// Bounds on a wrapped record's Argon2 cost, so a crafted record cannot ask for 4 TiB of memory.
constexpr std::uint32_t kMaxMemoryKiB = 4u << 20, kMaxTime = 64, kMaxLanes = 64;

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

// AES-256-GCM of one buffer: out = ciphertext | tag.
bool gcmSeal(const unsigned char* key, const unsigned char* nonce, const std::string& aad, const unsigned char* in, std::size_t n,
             unsigned char* out)
{
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int len = 0, fin = 0;
    return ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key, nonce) == 1 &&
           EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()), int(aad.size())) == 1 &&
           EVP_EncryptUpdate(ctx.get(), out, &len, in, int(n)) == 1 && EVP_EncryptFinal_ex(ctx.get(), out + len, &fin) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, int(kTag), out + n) == 1;
}

bool gcmOpen(const unsigned char* key, const unsigned char* nonce, const std::string& aad, const unsigned char* in, std::size_t n,
             unsigned char* out)
{
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int len = 0, fin = 0;
    return ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key, nonce) == 1 &&
           EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()), int(aad.size())) == 1 &&
           EVP_DecryptUpdate(ctx.get(), out, &len, in, int(n)) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, int(kTag), const_cast<unsigned char*>(in + n)) == 1 &&
           EVP_DecryptFinal_ex(ctx.get(), out + len, &fin) == 1;
}

// What the wrap's tag binds besides the key: the KDF and its cost, so a record whose parameters
// were changed is refused as such.
std::string wrapAad(const WrappedKey& w)
{
    return std::string(kWrapAad) + "|" + w.kdf + "|" + std::to_string(w.m) + "|" + std::to_string(w.t) + "|" + std::to_string(w.p) + "|" +
           w.salt;
}

Result<WrappedKey> sealKey(const CacheKey& key, const unsigned char* kek, WrappedKey w)
{
    w.nonce.assign(kNonceSize, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(w.nonce.data()), int(kNonceSize)) != 1) return makeError("crypto", "no random numbers for a nonce");
    w.ciphertext.assign(key.size() + kTag, '\0');
    if (!gcmSeal(kek, reinterpret_cast<const unsigned char*>(w.nonce.data()), wrapAad(w), key.data(), key.size(),
                 reinterpret_cast<unsigned char*>(w.ciphertext.data())))
        return makeError("crypto", "the cache key could not be wrapped");
    return w;
}

Result<CacheKey> openKey(const WrappedKey& w, const unsigned char* kek, const char* wrongWhat)
{
    if (w.nonce.size() != kNonceSize || w.ciphertext.size() != CacheKey().size() + kTag)
        return makeError("bad-wrapped-key", "the wrapped cache key is damaged (wrong field sizes)");
    CacheKey key{};
    if (!gcmOpen(kek, reinterpret_cast<const unsigned char*>(w.nonce.data()), wrapAad(w), reinterpret_cast<const unsigned char*>(w.ciphertext.data()),
                 key.size(), key.data()))
        return makeError("wrong-passphrase", std::string("the cache key cannot be unwrapped: ") + wrongWhat);
    return key;
}

Status deriveKek(const std::string& passphrase, const WrappedKey& w, unsigned char* kek)
{
    if (w.m < 8 * w.p || w.m > kMaxMemoryKiB || w.t < 1 || w.t > kMaxTime || w.p < 1 || w.p > kMaxLanes || w.salt.size() < 16)
        return makeError("bad-wrapped-key", "the wrapped cache key asks for Argon2id parameters out of bounds (m=" + std::to_string(w.m) +
                                                " KiB, t=" + std::to_string(w.t) + ", p=" + std::to_string(w.p) + ")");
    const int rc = argon2id_hash_raw(w.t, w.m, w.p, passphrase.data(), passphrase.size(), w.salt.data(), w.salt.size(), kek, 32);
    if (rc != ARGON2_OK) return makeError("crypto", std::string("Argon2id failed: ") + argon2_error_message(rc));
    return Done{};
}

// A flat JSON object of strings and unsigned integers: enough for WrappedKey, strict otherwise.
bool parseFlatJson(const std::string& s, std::vector<std::pair<std::string, std::string>>& fields)
{
    std::size_t i = 0;
    auto ws = [&] { while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i; };
    auto str = [&](std::string& out) {
        if (i >= s.size() || s[i] != '"') return false;
        const std::size_t end = s.find('"', i + 1);
        if (end == std::string::npos) return false;
        out = s.substr(i + 1, end - i - 1);
        if (out.find('\\') != std::string::npos) return false;  // never needed: base64 and names
        i = end + 1;
        return true;
    };
    ws();
    if (i >= s.size() || s[i++] != '{') return false;
    ws();
    if (i < s.size() && s[i] == '}') return true;
    for (;;) {
        std::string name, value;
        ws();
        if (!str(name)) return false;
        ws();
        if (i >= s.size() || s[i++] != ':') return false;
        ws();
        if (i < s.size() && s[i] == '"') {
            if (!str(value)) return false;
        } else {
            while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) value += s[i++];
            if (value.empty() || value.size() > 10) return false;
        }
        fields.emplace_back(name, value);
        ws();
        if (i < s.size() && s[i] == ',') { ++i; continue; }
        if (i < s.size() && s[i] == '}') { ++i; break; }
        return false;
    }
    ws();
    return i == s.size();
}

}  // namespace

Result<CacheKey> newCacheKey()
{
    CacheKey k{};
    if (RAND_bytes(k.data(), int(k.size())) != 1) return makeError("crypto", "no random numbers for a cache key");
    return k;
}

std::string WrappedKey::toJson() const
{
    std::string j = "{\"kdf\":\"" + kdf + "\"";
    if (kdf == "argon2id")
        j += ",\"m\":" + std::to_string(m) + ",\"t\":" + std::to_string(t) + ",\"p\":" + std::to_string(p) + ",\"salt\":\"" + base64(salt.data(), salt.size()) + "\"";
    return j + ",\"nonce\":\"" + base64(nonce.data(), nonce.size()) + "\",\"ciphertext\":\"" + base64(ciphertext.data(), ciphertext.size()) + "\"}";
}

Result<WrappedKey> WrappedKey::fromJson(const std::string& json)
{
    std::vector<std::pair<std::string, std::string>> fields;
    if (!parseFlatJson(json, fields)) return makeError("bad-wrapped-key", "the wrapped cache key is not a JSON object of the expected form");
    WrappedKey w;
    for (const auto& [name, value] : fields) {
        bool ok = true;
        auto number = [&](std::uint32_t& out) {
            if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
            const unsigned long long v = std::stoull(value);
            out = std::uint32_t(v);
            return v <= 0xffffffffull;
        };
        if (name == "kdf") w.kdf = value;
        else if (name == "m") ok = number(w.m);
        else if (name == "t") ok = number(w.t);
        else if (name == "p") ok = number(w.p);
        else if (name == "salt") ok = unbase64(value, w.salt);
        else if (name == "nonce") ok = unbase64(value, w.nonce);
        else if (name == "ciphertext") ok = unbase64(value, w.ciphertext);
        if (!ok) return makeError("bad-wrapped-key", "the wrapped cache key's field " + name + " is malformed");
    }
    if (w.kdf != "argon2id" && w.kdf != "raw") return makeError("bad-wrapped-key", "the wrapped cache key names an unknown KDF \"" + w.kdf + "\"");
    return w;
}

Result<WrappedKey> wrapKey(const CacheKey& key, const std::string& passphrase, const Argon2Params& params)
{
    if (passphrase.empty()) return makeError("empty-passphrase", "an empty passphrase cannot protect the cache key");
    WrappedKey w;
    w.kdf = "argon2id";
    w.m = params.memoryKiB;
    w.t = params.timeCost;
    w.p = params.lanes;
    w.salt.assign(16, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(w.salt.data()), int(w.salt.size())) != 1) return makeError("crypto", "no random numbers for a salt");
    unsigned char kek[32];
    if (auto st = deriveKek(passphrase, w, kek); !st) return st.error();
    auto r = sealKey(key, kek, std::move(w));
    OPENSSL_cleanse(kek, sizeof kek);
    return r;
}

Result<CacheKey> unwrapKey(const WrappedKey& wrapped, const std::string& passphrase)
{
    if (wrapped.kdf != "argon2id") return makeError("bad-wrapped-key", "this copy of the cache key is not wrapped by a passphrase");
    unsigned char kek[32];
    if (auto st = deriveKek(passphrase, wrapped, kek); !st) return st.error();
    auto r = openKey(wrapped, kek, "wrong passphrase (or the record was changed)");
    OPENSSL_cleanse(kek, sizeof kek);
    return r;
}

Result<WrappedKey> wrapKeyWithKek(const CacheKey& key, const CacheKey& kek)
{
    WrappedKey w;
    w.kdf = "raw";
    return sealKey(key, kek.data(), std::move(w));
}

Result<CacheKey> unwrapKeyWithKek(const WrappedKey& wrapped, const CacheKey& kek)
{
    if (wrapped.kdf != "raw") return makeError("bad-wrapped-key", "this copy of the cache key is not wrapped by a key-store key");
    return openKey(wrapped, kek.data(), "the key store's key does not match (or the record was changed)");
}

}  // namespace lightbox::storage
