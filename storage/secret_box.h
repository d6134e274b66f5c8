#pragma once
// Secrets (archive passwords, tokens) kept encrypted in settings files: AES-256-GCM with a random
// key held in its own file, readable by the user only (mode 0600), created on first use. A
// settings file can be shown, copied or backed up without revealing what it protects.
#include "result.h"

#include <string>

namespace lightbox::storage {

class SecretBox {
public:
    // The key lives in `keyFile` (created if missing).
    explicit SecretBox(std::string keyFile) : m_keyFile(std::move(keyFile)) {}

    // "v1:" + base64(nonce | ciphertext | tag).
    Result<std::string> seal(const std::string& plain) const;
    Result<std::string> open(const std::string& sealed) const;
    const std::string& keyFile() const { return m_keyFile; }

private:
    Result<std::string> key(bool create) const;
    std::string m_keyFile;
};

}  // namespace lightbox::storage
