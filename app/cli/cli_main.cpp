#include "cli_main.h"

#include "cache_unlock.h"
#include "cli_session.h"
#include "commands.h"
#include "launch_request.h"
#include "version.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QTextStream>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>

namespace lightbox::app {

namespace {

void printHelp()
{
    QTextStream out(stdout);
    out << "Lightbox " LIGHTBOX_VERSION " - diagnostic radiology workstation\n\n"
           "usage:\n"
           "  lightbox [PATH...]                 open files or folders in the viewer\n"
           "  lightbox --demo                    open the demo study (generated on first use)\n"
           "  lightbox --version                 print the version\n"
           "  lightbox open --accession A | --patient-id P | --study UID | lightbox://open?... [--screenshot DIR [--screenshot-exit]]\n"
           "                 open a study in the running Lightbox (or start one), retrieved first if needed\n"
           "  lightbox render FILE --out PNG [--frame N] [--window C,W] [--file-window N]\n"
           "                 [--voi-lut N] [--voi-function linear|linear-exact|sigmoid] [--invert]\n"
           "  lightbox render PATH --view axial|sagittal|coronal|mip|vr --out PNG [--position MM]\n"
           "                 [--slab-mm N] [--slab-mode mip|minip|avg] [--preset NAME] [--window C,W] [--size WxH]\n"
           "  lightbox dump FILE [--json]        print the main attributes (UTF-8)\n"
           "  lightbox demo --out DIR            write the demo study (a CT phantom) to DIR\n"
           "  lightbox echo --host H --port P [--called-aet AET] [--aet OUR_AET]   C-ECHO a DICOM peer\n"
           "  lightbox import PATH... [--cache DIR]      store files, folders, DICOMDIRs, ZIPs in the cache\n"
           "  lightbox studies [filters] [--json]         search the cache (see README)\n"
           "  lightbox cache stats|verify|evict|delete|pin|unpin|quota   manage the cache\n"
           "  lightbox cache backup DEST|restore SRC|rebuild-index    back up, restore, re-index the cache\n"
           "  lightbox cache init [--no-encryption]      create the cache (encrypted unless told otherwise)\n"
           "  lightbox cache key [status|add-recovery|set-passphrase|add-key-store|remove DOOR]   the cache key's doors\n"
           "  lightbox inspect PATH|--series UID|--study UID [--json]   volumes of a series, with warnings\n"
           "  lightbox archive add NAME [--aet AET --host H --port P [--tls]] [--dicomweb URL [--user U --password-stdin | --token-stdin]]\n"
           "  lightbox archive list|remove NAME          the archives Lightbox talks to\n"
           "  lightbox config set aet|port|listen|tls-cert|tls-key|tls-ca|backup-folder|backup-every VALUE   settings\n"
           "  lightbox echo --archive NAME               C-ECHO an archive\n"
           "  lightbox find --archive NAME [filters] [--json]   search an archive\n"
           "  lightbox retrieve --archive NAME --study UID [--series UID] [--method move|get|wado]\n"
           "  lightbox send --archive NAME --study UID [--method store|stow] [--queue]\n"
           "  lightbox queue [--json] [--all] | queue deliver | queue retry [ID] | queue cancel ID\n"
           "  lightbox offline [list [--all] [--json]] | offline patient ID | study UID | worklist [--mine] [--status S] [--days N|--until DATE]\n"
           "  lightbox offline release --patient ID | --study UID | --all\n"
           "  lightbox export STUDY_UID... [--anonymize [--retain-dates-shifted DAYS|--retain-dates] [--retain-uids] ...]\n"
           "                 --out DIR|FILE.zip | --archive NAME   copy studies out, de-identified by PS3.15 (see README)\n"
           "  lightbox listen                            run the storage listener in the foreground\n"
           "  lightbox service [--rules FILE]            listeners (DICOM, HL7) and prefetch without a window\n"
           "  lightbox worklist [list|next|mark|assign|add|prefetch|rules]   the reading worklist (see README)\n"
           "  lightbox route list|add NAME --to ARCHIVE [--modality M]... [--anonymize]|remove NAME|test FILE   routing rules (see README)\n"
           "  lightbox hl7 allow NAME --host H | list | remove NAME   who may send HL7 orders\n"
           "  lightbox stats [--from D] [--to D] [--json] [--csv FILE]   turnaround, reading time, prefetch hit rate\n"
           "  (archive commands take --config FILE and --cache DIR)\n"
           "  lightbox layout STUDY_UID [--screens N] [--stage K] [--protocol NAME] [--json]   the hanging protocol's layout\n"
           "  lightbox protocols [--json]                the hanging protocols (shipped and the user's)\n"
           "  lightbox users add NAME --role ROLE [--system] | remove|list|passwd|role|totp|unlock|policy   Lightbox's users\n"
           "  lightbox audit verify|show|export|key [--from D] [--to D] [--user U] [--patient ID] [--format csv|dicom-xml|json]\n"
           "  (every command takes --user NAME, with LIGHTBOX_PASSWORD and LIGHTBOX_TOTP, once users are set up; --break-glass)\n";
}

// Commands print their own output only: Qt's notes to developers (e.g. "QStandardPaths:
// XDG_RUNTIME_DIR not set") are shown with LIGHTBOX_DEBUG=1; fatal errors always.
void commandLineMessages(QtMsgType type, const QMessageLogContext&, const QString& message)
{
    static const bool debug = qEnvironmentVariableIsSet("LIGHTBOX_DEBUG");
    if (debug || type == QtFatalMsg) QTextStream(stderr) << message << '\n';
    if (type == QtFatalMsg) std::abort();
}

int editDistance(const QString& a, const QString& b)
{
    std::vector<int> row(std::size_t(b.size()) + 1);
    for (int j = 0; j <= b.size(); ++j) row[std::size_t(j)] = j;
    for (int i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = i;
        for (int j = 1; j <= b.size(); ++j) {
            const int above = row[std::size_t(j)];
            row[std::size_t(j)] = std::min({above + 1, row[std::size_t(j - 1)] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[std::size_t(b.size())];
}

// A first word that is neither a command nor an existing path: a mistyped command, not a file to open.
int unknownCommand(const QString& word, const QStringList& commands)
{
    QString closest;
    int best = 3;
    for (const QString& c : commands)
        if (const int d = editDistance(word, c); d < best) {
            best = d;
            closest = c;
        }
    QString message = QStringLiteral("'%1' is neither a command nor a file or folder").arg(word);
    if (!closest.isEmpty()) message += QStringLiteral(" (did you mean '%1'?)").arg(closest);
    QTextStream(stderr) << "lightbox: " << message << "; lightbox --help lists the commands\n";
    return 2;
}

// Signs in, checks the command's permission, runs it, and records it (Application Start/Stop).
int runSignedIn(const QString& command, QStringList& args, const std::function<int(const QStringList&)>& run)
{
    auto session = signInForCommand(command, args);
    if (!session) return fail(QString::fromStdString(session.error().message), 3);
    security::Auditor& auditor = **session;
    if (const auto permission = permissionFor(command, args))
        if (Status allowed = auditor.require(*permission, "lightbox " + command.toStdString()); !allowed) {
            endCommandSession();
            return fail(QString::fromStdString(allowed.error().message), 3);
        }
    auditor.applicationActivity(true);
    const int rc = run(args);
    auditor.applicationActivity(false, rc == 0 ? Status(Done{}) : Status(makeError("exit", "exit code " + std::to_string(rc))));
    endCommandSession();  // the command's records are on the disk before it exits
    return rc;
}

}  // namespace

std::optional<int> runCommandLine(int argc, char** argv)
{
    if (argc < 2) return std::nullopt;
    const QString first = QString::fromLocal8Bit(argv[1]);
    // An encrypted cache is unlocked from the key store, LIGHTBOX_CACHE_PASSPHRASE or the terminal.
    security::installCacheUnlock(promptOnTerminal);
    using Command = std::function<int(const QStringList&)>;
    static const std::map<QString, Command> commands = {
        {"render", runRender},
        {"dump", runDump},
        {"demo", runDemo},
        {"echo", runEcho},
        {"import", runImport},
        {"studies", runStudies},
        {"cache", runCache},
        {"inspect", runInspect},
        {"archive", runArchive},
        {"config", runConfig},
        {"find", runFind},
        {"retrieve", runRetrieve},
        {"send", runSend},
        {"listen", runListen},
        {"service", runListen},
        {"layout", runLayout},
        {"protocols", runProtocols},
        {"users", runUsers},
        {"audit", runAudit},
        {"export", runExport},
        {"worklist", runWorklist},
        {"hl7", runHl7},
        {"stats", runStats},
        {"queue", runQueue},
        {"offline", runOffline},
        {"route", runRoute},
    };
    if (first == "--version" || first == "-v") {
        QTextStream(stdout) << "lightbox " LIGHTBOX_VERSION "\n";
        return 0;
    }
    if (first == "--help" || first == "-h" || first == "help") {
        printHelp();
        return 0;
    }
    if (isLaunchCommand(first)) return runOpen(argc, argv);
    auto it = commands.find(first);
    if (it == commands.end()) {
        if (first.startsWith('-') || QFileInfo::exists(first)) return std::nullopt;  // the viewer's options and paths
        QStringList names;
        for (const auto& [name, run] : commands) names << name;
        return unknownCommand(first, names);
    }
    qInstallMessageHandler(commandLineMessages);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("Lightbox");
    QCoreApplication::setOrganizationName("Lightbox");
    QStringList args = QCoreApplication::arguments().mid(2);
    return runSignedIn(first, args, it->second);
}

}  // namespace lightbox::app
