#pragma once
// Who runs a command: on a machine without Lightbox users, the operating-system user (audited as
// such); once users exist, the one named by --user, signed in with LIGHTBOX_PASSWORD (or a prompt
// on the terminal) and LIGHTBOX_TOTP. The command's permission is checked before it runs, and the
// command is recorded (Application Start and Stop) in the audit trail.
#include "auditor.h"

#include <QString>
#include <QStringList>

#include <memory>

namespace lightbox::app {

// Signs in for `command` (removing --user NAME and --break-glass from `args`) and installs the
// auditor. An error says why nobody is signed in (wrong password, locked, code missing...).
Result<std::shared_ptr<security::Auditor>> signInForCommand(const QString& command, QStringList& args);

// The permission `command` needs (with its first argument for commands with sub-commands), if any.
std::optional<security::Permission> permissionFor(const QString& command, const QStringList& args);

// The signed-in command's auditor (never null while a command runs).
security::Auditor& commandAuditor();
// Writes what the command's auditor still holds, forwards the trail to the audit repository when
// one is set (within 2 s; what does not go waits on the disk) and lets the auditor go.
void endCommandSession();
// Writes the queued records and forwards the trail (for long-running commands, now and then).
void forwardTrail(int timeoutMs);

// A secret from the environment variable `env`, else asked on the terminal without echo.
std::optional<std::string> readSecret(const char* env, const QString& prompt);
// A line typed at the terminal with echo off; nothing without a terminal.
std::optional<std::string> promptOnTerminal(const QString& prompt);

}  // namespace lightbox::app
