#pragma once
// Headless commands; each returns the process exit code.
#include <QStringList>

#include <optional>

namespace lightbox::app {

int runRender(const QStringList& args);
int runDump(const QStringList& args);
int runDemo(const QStringList& args);
int runEcho(const QStringList& args);
int runImport(const QStringList& args);
int runStudies(const QStringList& args);
int runCache(const QStringList& args);
int runCacheCopy(const QStringList& args);  // cache backup|restore|rebuild-index
int runCacheKey(const QStringList& args);   // cache key ...
int runCacheInit(const QStringList& args);  // cache init [--no-encryption]
int runInspect(const QStringList& args);
int runArchive(const QStringList& args);
int runConfig(const QStringList& args);
int runFind(const QStringList& args);
int runRetrieve(const QStringList& args);
int runSend(const QStringList& args);
int runListen(const QStringList& args);
int runLayout(const QStringList& args);
int runProtocols(const QStringList& args);
int runUsers(const QStringList& args);
int runAudit(const QStringList& args);
int runExport(const QStringList& args);
int runWorklist(const QStringList& args);
int runHl7(const QStringList& args);
int runStats(const QStringList& args);
int runQueue(const QStringList& args);    // queue [list] | deliver | retry | cancel: the outbox and prefetch tasks
int runOffline(const QStringList& args);  // offline patient|study|worklist|list|release: studies kept for reading offline
int runRoute(const QStringList& args);    // route list|add|remove|test: the routing rules
// `open` and lightbox:// URLs: the exit code once a running Lightbox answered; nullopt when none
// runs for the cache (the GUI starts in this process with the request).
std::optional<int> runOpen(int argc, char** argv);
class CliArgs;
int runRenderView(const CliArgs& args);

// Prints a one-line error to stderr and returns `code`.
int fail(const QString& message, int code = 1);

}  // namespace lightbox::app
