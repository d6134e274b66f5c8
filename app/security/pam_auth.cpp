#include "pam_auth.h"

#include <security/pam_appl.h>

#include <cstdlib>
#include <cstring>

namespace lightbox::security {

namespace {

// Answers every "echo off" prompt (the password) with the password; other prompts get nothing.
int converse(int count, const struct pam_message** messages, struct pam_response** responses, void* data)
{
    const auto* password = static_cast<const std::string*>(data);
    auto* replies = static_cast<pam_response*>(std::calloc(std::size_t(count), sizeof(pam_response)));
    if (!replies) return PAM_BUF_ERR;
    for (int i = 0; i < count; ++i) {
        if (messages[i]->msg_style == PAM_PROMPT_ECHO_OFF || messages[i]->msg_style == PAM_PROMPT_ECHO_ON)
            replies[i].resp = strdup(password->c_str());
    }
    *responses = replies;
    return PAM_SUCCESS;
}

}  // namespace

Status pamAuthenticate(const std::string& service, const std::string& user, const std::string& password)
{
    pam_conv conversation{converse, const_cast<std::string*>(&password)};
    pam_handle_t* handle = nullptr;
    int rc = pam_start(service.c_str(), user.c_str(), &conversation, &handle);
    if (rc != PAM_SUCCESS) return makeError("pam", "the system's sign-in service '" + service + "' cannot be used");
    rc = pam_authenticate(handle, PAM_DISALLOW_NULL_AUTHTOK);
    if (rc == PAM_SUCCESS) rc = pam_acct_mgmt(handle, PAM_DISALLOW_NULL_AUTHTOK);
    const std::string why = pam_strerror(handle, rc);
    pam_end(handle, rc);
    if (rc == PAM_SUCCESS) return Done{};
    if (rc == PAM_AUTH_ERR || rc == PAM_USER_UNKNOWN || rc == PAM_MAXTRIES) return makeError("wrong-password", "unknown user or wrong password");
    return makeError("pam", "the system refused the sign-in: " + why);
}

}  // namespace lightbox::security
