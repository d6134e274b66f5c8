#include "cli_session.h"

#include "audit_forwarder.h"

#include <QTextStream>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <termios.h>
#include <unistd.h>

namespace lightbox::app {

namespace {

// A line from the terminal with echo off; nothing when there is no terminal.
std::optional<std::string> promptHidden(const QString& prompt)
{
    std::FILE* tty = std::fopen("/dev/tty", "r+");
    if (!tty) return std::nullopt;
    std::fprintf(tty, "%s", prompt.toLocal8Bit().constData());
    std::fflush(tty);
    termios old{};
    const int fd = fileno(tty);
    const bool haveTermios = tcgetattr(fd, &old) == 0;
    if (haveTermios) {
        termios silent = old;
        silent.c_lflag &= ~tcflag_t(ECHO);
        tcsetattr(fd, TCSAFLUSH, &silent);
    }
    char buffer[1024] = {};
    const bool got = std::fgets(buffer, sizeof buffer, tty) != nullptr;
    if (haveTermios) tcsetattr(fd, TCSAFLUSH, &old);
    std::fprintf(tty, "\n");
    std::fclose(tty);
    if (!got) return std::nullopt;
    std::string line = buffer;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    return line;
}

std::shared_ptr<security::Auditor> g_auditor;

QString takeOption(QStringList& args, const QString& name, bool& found)
{
    const int i = int(args.indexOf(name));
    found = i >= 0;
    if (!found) return {};
    QString value = i + 1 < args.size() ? args[i + 1] : QString();
    args.remove(i, i + 1 < args.size() ? 2 : 1);
    return value;
}

}  // namespace

std::optional<std::string> promptOnTerminal(const QString& prompt) { return promptHidden(prompt); }

std::optional<std::string> readSecret(const char* env, const QString& prompt)
{
    if (const char* v = std::getenv(env)) return std::string(v);
    return promptHidden(prompt);
}

std::optional<security::Permission> permissionFor(const QString& command, const QStringList& args)
{
    using P = security::Permission;
    const QString sub = args.value(0);
    if (command == "users") return sub == "passwd" ? std::nullopt : std::optional<P>(P::ManageUsers);  // one's own password: checked there
    if (command == "audit") return P::ReadAudit;
    if (command == "config") return P::Configure;
    if (command == "archive") return sub == "list" ? P::Read : P::Configure;
    if (command == "cache") {
        if (sub == "delete") return std::nullopt;  // the cache's gate checks and records it
        if (sub == "evict" || sub == "quota" || sub == "limits" || sub == "pin" || sub == "unpin") return P::Configure;
        if (sub == "backup") return std::nullopt;  // the cache's gate checks and records it (one Export per study)
        if (sub == "restore" || sub == "rebuild-index" || sub == "key" || sub == "init") return P::Configure;
        return P::Read;
    }
    if (command == "import" || command == "listen" || command == "service") return P::Import;
    if (command == "route") return sub.isEmpty() || sub == "list" || sub == "test" || sub.startsWith('-') ? P::Read : P::Configure;
    if (command == "hl7") return sub == "list" ? P::Read : P::Configure;
    if (command == "worklist") {
        if (sub == "source") return args.value(1) == "list" ? P::Read : P::Configure;
        return sub == "add" || sub == "prefetch" || sub == "poll" ? P::Import : P::Read;
    }
    // Keeping studies in the cache against the quota is bringing them in (Import); looking is reading.
    if (command == "offline") return sub.isEmpty() || sub == "list" || sub.startsWith('-') ? P::Read : P::Import;
    if (command == "send") return P::ExportIdentified;  // sends the files as they are, identity included
    // Delivering, retrying or cancelling what waits in the outbox is sending; looking at it is reading.
    if (command == "queue") return sub.isEmpty() || sub == "list" || sub.startsWith('-') ? P::Read : P::ExportIdentified;
    // De-identified copies need Export; copies as stored ExportIdentified (checked again in the export service).
    if (command == "export") return args.contains("--anonymize") ? P::Export : P::ExportIdentified;
    return P::Read;
}

Result<std::shared_ptr<security::Auditor>> signInForCommand(const QString& command, QStringList& args)
{
    const std::string dir = security::securityDir();
    auto store = security::AccountStore::open(dir);
    if (!store) return store.error();
    // The first --user signs in (a second one is the command's own, e.g. audit show's filter);
    // on a machine without users nobody signs in and --user stays the command's.
    bool named = false;
    const QString user = (*store)->hasUsers() ? takeOption(args, "--user", named) : QString();
    const bool breakGlass = args.removeAll("--break-glass") > 0;
    const std::string application = "lightbox " + command.toStdString() + (args.isEmpty() || args.value(0).startsWith('-') ? "" : " " + args.value(0).toStdString());
    security::Identity who{security::systemUser(), security::Role::Administrator, false, false, false};
    const bool firstAdministrator = command == "users" && args.value(0) == "add" && !(*store)->hasUsers();
    if ((*store)->hasUsers() && !firstAdministrator) {
        if (!named || user.isEmpty())
            return makeError("sign-in", "Lightbox users are set up on this machine: sign in with --user NAME (password from LIGHTBOX_PASSWORD or the terminal)");
        security::SignInRequest request;
        request.user = user.toStdString();
        request.breakGlass = breakGlass;
        auto password = readSecret("LIGHTBOX_PASSWORD", "Password for " + user + ": ");
        if (!password) return makeError("sign-in", "no password: set LIGHTBOX_PASSWORD or run on a terminal");
        request.password = *password;
        if (const char* code = std::getenv("LIGHTBOX_TOTP")) request.code = code;
        else if (auto account = (*store)->find(request.user); account && account->totpEnrolled)
            if (auto typed = promptHidden("One-time code for " + user + ": ")) request.code = *typed;
        auto signedIn = (*store)->signIn(request);
        security::Auditor failures(dir, security::Identity{request.user, security::Role::Technologist, false, false, false}, application);
        if (!signedIn) {
            failures.authentication(request.user, "sign-in", Status(signedIn.error()));
            return signedIn.error();
        }
        who = *signedIn;
    }
    g_auditor = std::make_shared<security::Auditor>(dir, who, application);
    if (who.signedIn) g_auditor->authentication(who.user, breakGlass ? "break-glass sign-in" : "sign-in", Done{});
    if (who.breakGlass) g_auditor->securityAlert(security::alert::emergencyOverrideStarted, "break-glass sign-in by " + who.user, Done{});
    security::installAuditor(g_auditor);
    return g_auditor;
}

security::Auditor& commandAuditor() { return *g_auditor; }

void forwardTrail(int timeoutMs)
{
    if (!g_auditor) return;
    g_auditor->flush();
    auto r = security::forwardAudit(g_auditor->securityDir(), timeoutMs);
    if (!r && qEnvironmentVariableIsSet("LIGHTBOX_DEBUG")) QTextStream(stderr) << "lightbox: " << QString::fromStdString(r.error().message) << '\n';
}

void endCommandSession()
{
    forwardTrail(2000);
    security::installAuditor(nullptr);
    g_auditor.reset();  // joins its writer once the queue is written
}

}  // namespace lightbox::app
