#pragma once
// Sign-in against the operating system (PAM): the password is checked by the PAM service's
// modules (pam_unix, pam_sss for a directory, ...) and the account must be valid (pam_acct_mgmt).
#include "result.h"

#include <string>

namespace lightbox::security {

Status pamAuthenticate(const std::string& service, const std::string& user, const std::string& password);

}  // namespace lightbox::security
