#include "digest.h"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>
#include <vector>

namespace lightbox::storage {

namespace {

struct CtxDeleter { void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); } };

}  // namespace

Sha256 sha256(const void* data, std::size_t size)
{
    Sha256 out{};
    unsigned int len = 0;
    EVP_Digest(data, size, out.data(), &len, EVP_sha256(), nullptr);
    return out;
}

bool sha256File(const std::string& path, Sha256& out, std::uint64_t* size)
{
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) return false;
    std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return false;
    constexpr size_t kChunk = 1 << 20;
    thread_local std::unique_ptr<unsigned char[]> buf(new unsigned char[kChunk]);
    std::uint64_t total = 0;
    while (true) {
        const size_t n = std::fread(buf.get(), 1, kChunk, f.get());
        if (n > 0) EVP_DigestUpdate(ctx.get(), buf.get(), n);
        total += n;
        if (n < kChunk) break;
    }
    if (std::ferror(f.get())) return false;
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), out.data(), &len);
    if (size) *size = total;
    return true;
}

Sha256Stream::Sha256Stream() : m_ctx(EVP_MD_CTX_new())
{
    EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(m_ctx), EVP_sha256(), nullptr);
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(m_ctx)); }

void Sha256Stream::update(const void* data, std::size_t size) { EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(m_ctx), data, size); }

Sha256 Sha256Stream::finish()
{
    Sha256 out{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(m_ctx), out.data(), &len);
    return out;
}

std::string base64(const void* data, std::size_t size)
{
    std::string out(4 * ((size + 2) / 3), '\0');
    const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), static_cast<const unsigned char*>(data), int(size));
    out.resize(std::size_t(len));
    return out;
}

bool unbase64(const std::string& in, std::string& out)
{
    if (in.size() % 4 != 0) return false;
    out.assign(3 * in.size() / 4, '\0');
    const int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()), int(in.size()));
    if (len < 0) return false;
    std::size_t pad = 0;
    if (!in.empty() && in.back() == '=') ++pad;
    if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
    out.resize(std::size_t(len) - pad);
    return true;
}

std::string sha1Hex(const std::string& text)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(text.data(), text.size(), d, &len, EVP_sha1(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (unsigned int i = 0; i < len; ++i) {
        s += hex[d[i] >> 4];
        s += hex[d[i] & 15];
    }
    return s;
}

}  // namespace lightbox::storage
