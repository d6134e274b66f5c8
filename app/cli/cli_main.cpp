#include "cli_main.h"

#include "commands.h"
#include "version.h"

#include <QCoreApplication>
#include <QTextStream>

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
           "  lightbox inspect PATH|--series UID|--study UID [--json]   volumes of a series, with warnings\n"
           "  lightbox archive add NAME [--aet AET --host H --port P [--tls]] [--dicomweb URL [--user U --password P | --token T]]\n"
           "  lightbox archive list|remove NAME          the archives Lightbox talks to\n"
           "  lightbox config set aet|port|listen|tls-cert|tls-key|tls-ca VALUE   Lightbox on the network\n"
           "  lightbox echo --archive NAME               C-ECHO an archive\n"
           "  lightbox find --archive NAME [filters] [--json]   search an archive\n"
           "  lightbox retrieve --archive NAME --study UID [--series UID] [--method move|get|wado]\n"
           "  lightbox send --archive NAME --study UID [--method store|stow]\n"
           "  lightbox listen                            run the storage listener in the foreground\n"
           "  (archive commands take --config FILE and --cache DIR)\n"
           "  lightbox layout STUDY_UID [--screens N] [--stage K] [--protocol NAME] [--json]   the hanging protocol's layout\n"
           "  lightbox protocols [--json]                the hanging protocols (shipped and the user's)\n";
}

}  // namespace

std::optional<int> runCommandLine(int argc, char** argv)
{
    if (argc < 2) return std::nullopt;
    const QString first = QString::fromLocal8Bit(argv[1]);
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
        {"layout", runLayout},
        {"protocols", runProtocols},
    };
    if (first == "--version" || first == "-v") {
        QTextStream(stdout) << "lightbox " LIGHTBOX_VERSION "\n";
        return 0;
    }
    if (first == "--help" || first == "-h" || first == "help") {
        printHelp();
        return 0;
    }
    auto it = commands.find(first);
    if (it == commands.end()) return std::nullopt;
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("Lightbox");
    QCoreApplication::setOrganizationName("Lightbox");
    QStringList args = QCoreApplication::arguments().mid(2);
    return it->second(args);
}

}  // namespace lightbox::app
