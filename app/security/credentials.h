#pragma once
// Secrets a person proves: passwords (Argon2id, memory-hard, from libargon2) and one-time codes
// (TOTP, RFC 6238, from liboath), with recovery codes for a lost authenticator.
#include "result.h"

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

namespace lightbox::security {

// "$argon2id$v=19$m=65536,t=3,p=1$salt$hash" with a random 16-byte salt.
Result<std::string> hashPassword(const std::string& password);
bool passwordMatches(const std::string& encoded, const std::string& password);

// A new random 160-bit TOTP secret, base32 as authenticator apps take it.
std::string newTotpSecret();
// The otpauth:// URI an authenticator scans (issuer Lightbox, 6 digits, 30 s).
std::string totpUri(const std::string& secret, const std::string& user, const std::string& machine);
// The code's time step when `code` is valid at `now` (±1 step for clock drift), else an error
// ("wrong", or "replayed" when its step is not after `lastStep`, the last step accepted).
Result<std::int64_t> checkTotp(const std::string& secret, const std::string& code, std::time_t now, std::int64_t lastStep);
// The code for `now` (tests and the enrolment check).
std::string totpCode(const std::string& secret, std::time_t now);
// The QR code of `text` drawn with Unicode half blocks, for a terminal.
std::string qrForTerminal(const std::string& text);

// Ten single-use recovery codes "xxxx-xxxx-xxxx" (12 characters of 31: about 59 bits each).
std::vector<std::string> newRecoveryCodes();

}  // namespace lightbox::security
