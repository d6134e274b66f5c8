#include "secret_box.h"

#include "digest.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lightbox::storage {

namespace {

constexpr int kKey = 32, kNonce = 12, kTag = 16;

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

}  // namespace

Result<std::string> SecretBox::key(bool create) const
{
    std::FILE* f = std::fopen(m_keyFile.c_str(), "rb");
    if (f) {
        std::string k(kKey, '\0');
        const bool ok = std::fread(k.data(), 1, kKey, f) == std::size_t(kKey);
        std::fclose(f);
        if (!ok) return makeError("secret", m_keyFile + " is not a Lightbox key file");
        return k;
    }
    if (!create) return makeError("secret", "the key file " + m_keyFile + " is missing: passwords saved with it cannot be read");
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(m_keyFile).parent_path(), ec);
    std::string k(kKey, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(k.data()), kKey) != 1) return makeError("secret", "no random numbers for a key");
    const int fd = ::open(m_keyFile.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return makeError("secret", "cannot create the key file " + m_keyFile);
    const bool ok = ::write(fd, k.data(), kKey) == kKey && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return makeError("secret", "cannot write the key file " + m_keyFile);
    return k;
}

Result<std::string> SecretBox::seal(const std::string& plain) const
{
    auto k = key(true);
    if (!k) return k.error();
    unsigned char nonce[kNonce];
    RAND_bytes(nonce, kNonce);
    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
    std::vector<unsigned char> buf(kNonce + plain.size() + kTag);
    std::copy(nonce, nonce + kNonce, buf.begin());
    int len = 0, fin = 0;
    if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(k->data()), nonce) != 1 ||
        EVP_EncryptUpdate(ctx.get(), buf.data() + kNonce, &len, reinterpret_cast<const unsigned char*>(plain.data()), int(plain.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), buf.data() + kNonce + len, &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, buf.data() + kNonce + len + fin) != 1)
        return makeError("secret", "encryption failed");
    return "v1:" + base64(buf.data(), buf.size());
}

Result<std::string> SecretBox::open(const std::string& sealed) const
{
    if (sealed.rfind("v1:", 0) != 0) return makeError("secret", "not a sealed secret");
    std::vector<unsigned char> buf;
    std::string decoded;
    if (!unbase64(sealed.substr(3), decoded) || decoded.size() < std::size_t(kNonce + kTag)) return makeError("secret", "a sealed secret is damaged");
    buf.assign(decoded.begin(), decoded.end());
    auto k = key(false);
    if (!k) return k.error();
    const std::size_t n = buf.size() - kNonce - kTag;
    std::string plain(n, '\0');
    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
    int len = 0, fin = 0;
    if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(k->data()), buf.data()) != 1 ||
        EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len, buf.data() + kNonce, int(n)) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, buf.data() + kNonce + n) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &fin) != 1)
        return makeError("secret", "a saved password cannot be decrypted with " + m_keyFile + " (key replaced?)");
    return plain;
}

}  // namespace lightbox::storage
