#include "gui_main.h"

#include "cache_unlock.h"

#include "backup_schedule.h"

#include "cache_location.h"
#include "cache_service.h"
#include "launch_controller.h"
#include "launch_start.h"
#include "main_window.h"
#include "network_service.h"
#include "session_guard.h"
#include "screen_plan.h"
#include "study_browser.h"
#include "version.h"
#include "vtk_view_widget.h"

#include <QScreen>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
#include <QInputDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QThread>
#include <QLocale>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QTextStream>
#include <QTranslator>
#include <QThreadPool>
#include <QStatusBar>
#include <QTimer>

namespace lightbox::app {

namespace {

// Empty when an OpenGL context can be made on this display; else why not, for people.
QString openGlProblem()
{
    // Platforms that draw no OpenGL widget (QOpenGLWidget, which hosts VTK), even where they can
    // make a context: Qt's offscreen platform does with GLX when DISPLAY is set.
    static const QStringList noGlWidgets{"offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "vkkhrdisplay"};
    const bool widgets = !noGlWidgets.contains(QGuiApplication::platformName());
    QOffscreenSurface surface;
    surface.setFormat(QSurfaceFormat::defaultFormat());
    surface.create();
    QOpenGLContext context;
    context.setFormat(QSurfaceFormat::defaultFormat());
    if (widgets && surface.isValid() && context.create() && context.makeCurrent(&surface)) {
        context.doneCurrent();
        return {};
    }
    return QStringLiteral("OpenGL is not available on this display (Qt platform \"%1\"); the viewer draws with OpenGL 3.2. "
                          "Run Lightbox on a display with OpenGL (a desktop session, or Xvfb with Mesa); the command-line "
                          "commands work without one (lightbox --help).")
        .arg(QGuiApplication::platformName());
}

// Name, version, icon and the user's language.
void setUpApplication(QTranslator& translator)
{
    QApplication::setApplicationName("Lightbox");
    QApplication::setOrganizationName("Lightbox");
    QApplication::setApplicationVersion(LIGHTBOX_VERSION);
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/lightbox.svg")));
    if (translator.load(QLocale(), QStringLiteral("lightbox"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QApplication::installTranslator(&translator);
}

// The GUI's command line: what to open first, where the cache and the settings are, a screenshot.
struct GuiOptions {
    QCommandLineParser parser;
    QCommandLineOption demo{"demo", "Open the demo study (generated on first use)."};
    QCommandLineOption screenshot{"screenshot", "Save a screenshot of the window to FILE once the images are shown, then quit.", "FILE"};
    QCommandLineOption cache{"cache", "Use DIR as the study cache (default: the per-user data folder).", "DIR"};
    QCommandLineOption config{"config", "Read archives and network settings from FILE (default ~/.config/lightbox/lightbox.json).", "FILE"};
    QCommandLineOption mpr{"mpr", "Show the opened series as MPR planes and a 3D view."};
    QCommandLineOption study{"study", "Open the cached study UID in the viewer.", "UID"};
    QCommandLineOption read{"read", "Read the cached study UID with its hanging protocol, one window per screen.", "UID"};

    void process(const QApplication& app)
    {
        parser.setApplicationDescription("Lightbox diagnostic radiology workstation");
        parser.addHelpOption();
        parser.addOption(config);
        parser.addOption(mpr);
        parser.addOption(cache);
        parser.addOption(demo);
        parser.addOption(screenshot);
        parser.addOption(study);
        parser.addOption(read);
        parser.addPositionalArgument("paths", "DICOM files or folders to open.", "[PATH...]");
        parser.process(app);
    }
    bool opensSomething() const
    {
        return parser.isSet(demo) || parser.isSet(study) || parser.isSet(read) || !parser.positionalArguments().isEmpty();
    }
};

// --config, else $LIGHTBOX_CONFIG, else the per-user file; set in $LIGHTBOX_CONFIG for the reading
// windows, which find the user's protocols beside it.
QString configPathFor(const QString& asked)
{
    QString configPath = asked;
    if (configPath.isEmpty()) configPath = qEnvironmentVariable("LIGHTBOX_CONFIG");
    if (configPath.isEmpty()) configPath = AppConfig::defaultPath();
    qputenv("LIGHTBOX_CONFIG", configPath.toLocal8Bit());
    return configPath;
}

void openFirst(MainWindow& window, const GuiOptions& o)
{
    if (o.parser.isSet(o.demo)) window.openDemo();
    else if (o.parser.isSet(o.study)) window.openStudy(o.parser.value(o.study));
    else if (o.parser.isSet(o.read)) window.readStudy(o.parser.value(o.read));
    else if (!o.parser.positionalArguments().isEmpty()) window.openPaths(o.parser.positionalArguments());
}

// --screenshot: save what the user sees once it is shown, then quit.
void saveScreenshotWhenShown(MainWindow& window, const GuiOptions& o)
{
    const QString file = o.parser.value(o.screenshot);
    if (!o.opensSomething()) {
        // The study browser: wait for its first search.
        QObject::connect(window.browser(), &StudyBrowser::searchFinished, &window, [&window, file] {
            QTimer::singleShot(500, &window, [&window, file] {
                window.grab().save(file);
                QApplication::quit();
            });
        });
    }
    // Give the first image (or the volume) time to decode and render, then save what the user sees.
    auto save = [&window, file] {
        QTimer::singleShot(1500, &window, [&window, file] {
            window.grab().save(file);
            QApplication::quit();
        });
    };
    if (o.parser.isSet(o.mpr)) QObject::connect(&window, &MainWindow::volumeLoaded, &window, save);
    else QObject::connect(&window, &MainWindow::loadFinished, &window, save);
}

}  // namespace

int runGui(int argc, char** argv)
{
    viewer::VtkViewWidget::configureDefaultSurfaceFormat();
    QApplication app(argc, argv);
    QTranslator translator;
    setUpApplication(translator);
    GuiOptions options;
    std::optional<LaunchRequest> launch;
    if (const QStringList args = app.arguments().mid(1); !args.isEmpty() && isLaunchCommand(args.front())) {
        const Result<LaunchRequest> parsed = parseLaunchArguments(args);
        if (!parsed) {
            QTextStream(stderr) << "lightbox: " << QString::fromStdString(parsed.error().message) << '\n';
            return 2;
        }
        launch = *parsed;
    } else {
        options.process(app);
    }
    const QString cacheDir = storage::resolveCacheDir(launch ? launch->cacheDir : options.parser.value(options.cache));

    // One Lightbox per user and cache answers launch requests: the first to take the lock.
    LaunchServer::Claim claim;
    QString claimProblem;
    std::unique_ptr<LaunchServer> launchServer = LaunchServer::claim(cacheDir, &claim, &claimProblem);
    if (!launchServer && launch) {
        if (claim != LaunchServer::Claim::HeldByAnother) {
            QTextStream(stderr) << "lightbox: " << claimProblem << '\n';
            return 1;
        }
        if (auto code = deliverToStarting(cacheDir, *launch, launchServer)) return *code;
    } else if (!launchServer && claim == LaunchServer::Claim::Failed) {
        QTextStream(stderr) << "lightbox: launch requests (lightbox open) are not served: " << claimProblem << '\n';
    }

    // Without OpenGL no view can be drawn: say so and leave, rather than fail inside VTK.
    if (const QString problem = openGlProblem(); !problem.isEmpty()) {
        QTextStream(stderr) << "lightbox: " << problem << '\n';
        return 1;
    }

    // Who is at the keyboard: the sign-in form once Lightbox has users (nobody: leave).
    const std::unique_ptr<SessionGuard> session = SessionGuard::start(security::securityDir());
    if (!session) return 0;

    // The encrypted cache is unlocked here, before any view reads it: from the key store,
    // LIGHTBOX_CACHE_PASSPHRASE, or a passphrase asked in a dialog (only ever on this thread).
    const bool screenshotFile = !launch && options.parser.isSet(options.screenshot);
    const bool unattended = screenshotFile || (launch && launch->screenshotExit);  // nobody to answer a dialog
    security::installCacheUnlock([unattended](const QString& prompt) -> std::optional<std::string> {
        if (unattended || QThread::currentThread() != qApp->thread()) return std::nullopt;
        bool ok = false;
        const QString typed = QInputDialog::getText(nullptr, QObject::tr("Encrypted study cache"), prompt, QLineEdit::Password, QString(), &ok);
        if (!ok) return std::nullopt;
        return typed.toStdString();
    });
    if (Status unlocked = security::prepareCacheKey(cacheDir.toStdString()); !unlocked) {
        const QString why = QString::fromStdString(unlocked.error().message);
        QTextStream(stderr) << "lightbox: " << why << '\n';
        if (!unattended) QMessageBox::critical(nullptr, QObject::tr("Encrypted study cache"), why);
        return 1;
    }

    // Decoding and reading run on this pool; the GUI thread never waits on disk.
    QThreadPool pool;
    pool.setMaxThreadCount(std::max(2, QThread::idealThreadCount()));

    CacheService cacheService(cacheDir, pool);
    NetworkService network(configPathFor(launch ? launch->configPath : options.parser.value(options.config)), cacheDir);
    if (network.config().local.listen) network.startListener();
    MainWindow window(pool, cacheService);
    window.attachNetwork(network);
    window.attachSession(*session);
    if (QScreen* listScreen = ScreenPlan().studyListScreen()) window.placeStudyList(listScreen, false);
    window.show();
    if (!launch) openFirst(window, options);

    // Requests from `lightbox open` and lightbox:// URLs, and this process's own.
    LaunchController launches(window, cacheService, network, *session);
    if (launchServer) {
        launchServer->setHandler([&launches](const LaunchRequest& r, LaunchReply reply) { launches.handle(r, std::move(reply)); });
        if (QString why; !launchServer->listen(&why)) QTextStream(stderr) << "lightbox: launch requests are not served: " << why << '\n';
    }
    if (launch) QTimer::singleShot(0, &window, [&launches, &launch] { launches.handle(*launch, terminalReply(*launch)); });

    // Scheduled backups (an administrator's setting): checked now and every minute, run off this thread.
    BackupRunner backups(network.config().backup, cacheDir);
    QTimer backupTimer;
    auto checkBackup = [&backups, &window] {
        if (const QString said = backups.tick(); !said.isEmpty()) window.statusBar()->showMessage(said, 15000);
    };
    QObject::connect(&backupTimer, &QTimer::timeout, &window, checkBackup);
    backupTimer.start(60000);
    QTimer::singleShot(5000, &window, checkBackup);

    if (screenshotFile) saveScreenshotWhenShown(window, options);
    if (!launch && options.parser.isSet(options.mpr))
        QObject::connect(&window, &MainWindow::loadFinished, &window, [&window] { window.setMprMode(true); });
    const int code = app.exec();
    pool.waitForDone();
    return code;
}

}  // namespace lightbox::app
