#pragma once
// What the running Lightbox does with a launch request (from `lightbox open`, a lightbox:// URL, or
// its own command line): the signed-in user must be allowed to read (and the screen unlocked);
// the study is looked up in the cache index, else on the configured archives (off the GUI
// thread), retrieved through the Transfers queue when it is only there, and read with its hanging
// protocol on every screen (MainWindow::readStudy: the one open path, audited there). Two patients
// behind one accession or patient ID: refused, nothing opened. Answers go back through the reply.
#include "launch_server.h"

#include <QObject>

namespace lightbox::app {

class CacheService;
class MainWindow;
class NetworkService;
class SessionGuard;
struct LaunchCandidate;

class LaunchController : public QObject {
    Q_OBJECT
public:
    LaunchController(MainWindow& window, CacheService& cache, NetworkService& network, SessionGuard& guard, QObject* parent = nullptr);

    void handle(const LaunchRequest& request, LaunchReply reply);

private:
    void searchArchives(const LaunchRequest& request, LaunchReply reply);
    void retrieveThenOpen(const LaunchCandidate& found, const LaunchRequest& request, LaunchReply reply);
    void open(const LaunchCandidate& found, const LaunchRequest& request, LaunchReply reply);
    void refuse(const LaunchReply& reply, const QString& why, const char* state = "refused");

    MainWindow& m_window;
    CacheService& m_cache;
    NetworkService& m_network;
    SessionGuard& m_guard;
};

}  // namespace lightbox::app
