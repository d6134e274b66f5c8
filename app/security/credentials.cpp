#include "credentials.h"

#include <argon2.h>
#include <liboath/oath.h>
#include <openssl/rand.h>
#include <qrencode.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace lightbox::security {

namespace {

constexpr std::uint32_t kTimeCost = 3, kMemoryKiB = 64 * 1024, kLanes = 1, kSaltLen = 16, kHashLen = 32;
constexpr unsigned kStep = 30;

std::string randomBytes(std::size_t n)
{
    std::string out(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), int(n)) != 1) std::abort();  // no entropy: never go on with weak secrets
    return out;
}

bool oathReady()
{
    static const bool ok = oath_init() == OATH_OK;
    return ok;
}

// The raw secret of a base32 text, empty when it is not base32.
std::string decodeSecret(const std::string& base32)
{
    char* raw = nullptr;
    size_t len = 0;
    if (!oathReady() || oath_base32_decode(base32.data(), base32.size(), &raw, &len) != OATH_OK) return {};
    std::string out(raw, len);
    std::free(raw);
    return out;
}

std::string percentEncode(const std::string& s)
{
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += char(c);
        else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace

Result<std::string> hashPassword(const std::string& password)
{
    const std::string salt = randomBytes(kSaltLen);
    const std::size_t len = argon2_encodedlen(kTimeCost, kMemoryKiB, kLanes, kSaltLen, kHashLen, Argon2_id);
    std::string encoded(len, '\0');
    const int rc = argon2id_hash_encoded(kTimeCost, kMemoryKiB, kLanes, password.data(), password.size(), salt.data(), salt.size(), kHashLen,
                                         encoded.data(), encoded.size());
    if (rc != ARGON2_OK) return makeError("password-hash", std::string("the password could not be hashed: ") + argon2_error_message(rc));
    encoded.resize(std::strlen(encoded.c_str()));
    return encoded;
}

bool passwordMatches(const std::string& encoded, const std::string& password)
{
    return !encoded.empty() && argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

std::string newTotpSecret()
{
    const std::string raw = randomBytes(20);
    char* out = nullptr;
    size_t len = 0;
    if (!oathReady() || oath_base32_encode(raw.data(), raw.size(), &out, &len) != OATH_OK) std::abort();
    std::string secret(out, len);
    std::free(out);
    while (!secret.empty() && secret.back() == '=') secret.pop_back();
    return secret;
}

std::string totpUri(const std::string& secret, const std::string& user, const std::string& machine)
{
    const std::string label = percentEncode("Lightbox:" + user + "@" + machine);
    return "otpauth://totp/" + label + "?secret=" + secret + "&issuer=Lightbox&algorithm=SHA1&digits=6&period=30";
}

Result<std::int64_t> checkTotp(const std::string& secret, const std::string& code, std::time_t now, std::int64_t lastStep)
{
    const std::string raw = decodeSecret(secret);
    if (raw.empty()) return makeError("totp-secret", "the stored second-factor secret is damaged; an administrator must enrol it again");
    if (code.size() != 6 || code.find_first_not_of("0123456789") != std::string::npos)
        return makeError("totp-wrong", "the one-time code must be 6 digits");
    int position = 0;
    uint64_t counter = 0;
    const int rc = oath_totp_validate3(raw.data(), raw.size(), now, kStep, 0, 1, &position, &counter, code.c_str());
    if (rc < 0) return makeError("totp-wrong", "wrong or expired one-time code");
    if (std::int64_t(counter) <= lastStep) return makeError("totp-replayed", "this one-time code was used already; wait for the next one");
    return std::int64_t(counter);
}

std::string totpCode(const std::string& secret, std::time_t now)
{
    const std::string raw = decodeSecret(secret);
    char code[7] = {};
    if (raw.empty() || oath_totp_generate(raw.data(), raw.size(), now, kStep, 0, 6, code) != OATH_OK) return {};
    return code;
}

std::string qrForTerminal(const std::string& text)
{
    std::unique_ptr<QRcode, void (*)(QRcode*)> qr(QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), QRcode_free);
    if (!qr) return {};
    const int n = qr->width, quiet = 2;
    auto dark = [&](int x, int y) { return x >= 0 && y >= 0 && x < n && y < n && (qr->data[y * n + x] & 1); };
    std::string out;
    // Two modules per character cell: upper and lower half blocks, light on dark terminals inverted.
    for (int y = -quiet; y < n + quiet; y += 2) {
        for (int x = -quiet; x < n + quiet; ++x) {
            const bool top = dark(x, y), bottom = dark(x, y + 1);
            out += top && bottom ? " " : top ? "\u2584" : bottom ? "\u2580" : "\u2588";
        }
        out += '\n';
    }
    return out;
}

std::vector<std::string> newRecoveryCodes()
{
    static const char* alphabet = "abcdefghjkmnpqrstuvwxyz23456789";  // no look-alikes (0/o, 1/l/i)
    std::vector<std::string> codes;
    for (int i = 0; i < 10; ++i) {
        const std::string raw = randomBytes(12);
        std::string code;
        for (int j = 0; j < 12; ++j) {
            if (j && j % 4 == 0) code += '-';
            code += alphabet[static_cast<unsigned char>(raw[std::size_t(j)]) % 31];
        }
        codes.push_back(code);
    }
    return codes;
}

}  // namespace lightbox::security
