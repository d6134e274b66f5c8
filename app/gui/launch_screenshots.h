#pragma once
// `--screenshot DIR` of a launch: once every reading window of the session is on screen (exposed)
// and every viewport of its layout shows its image (ReadingWindow::allShown), one PNG per window
// is saved as DIR/screen-N.png (N: the window's screen in the layout, from 1). DIR is made 0700
// when Lightbox makes it; the files are created 0600. Waits by polling the condition, within a
// deadline.
#include <QPointer>
#include <QString>
#include <QStringList>

#include <functional>

namespace lightbox::app {

class ReadingSession;

struct LaunchShots {
    QStringList files;
    QStringList titles;  // the windows' titles (patient, protocol, stage, screen)
    QString error;       // empty: saved
};

void saveWhenPainted(QPointer<ReadingSession> session, const QString& dir, std::function<void(const LaunchShots&)> done, int timeoutMs = 180000);

}  // namespace lightbox::app
