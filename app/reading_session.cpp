#include "reading_session.h"

#include "open_job.h"
#include "protocol_editor.h"
#include "reading_window.h"

#include "cache.h"

#include <QGuiApplication>
#include <QScreen>
#include <QShortcut>
#include <QtConcurrent>

namespace lightbox::app {

struct ReadingSession::Prepared {
    QString error;
    ReadingContext context;
    const HangingProtocol* protocol = nullptr;
    std::vector<SeriesGroup> series;  // of the current study and every prior
    std::map<std::string, const SeriesGroup*> byUid;
};

ReadingSession::ReadingSession(QString cacheFolder, ProtocolLibrary library, QThreadPool& pool, QObject* parent)
    : QObject(parent), m_folder(std::move(cacheFolder)), m_library(std::move(library)), m_pool(pool)
{
    connect(&m_watcher, &QFutureWatcher<std::shared_ptr<Prepared>>::finished, this, [this] {
        auto p = m_watcher.result();
        if (!p->error.isEmpty()) {
            emit failed(p->error);
            return;
        }
        m_prepared = p;
        m_layout = layOut(*p->protocol, p->context, 1, m_screens);
        show();
        emit opened(m_layout.protocol);
    });
}

ReadingSession::~ReadingSession()
{
    m_watcher.waitForFinished();
    closeWindows();
}

void ReadingSession::open(const QString& studyUid, int screens)
{
    m_screens = screens > 0 ? screens : int(QGuiApplication::screens().size());
    const QString folder = m_folder;
    const std::vector<HangingProtocol>* protocols = &m_library.protocols;
    const std::string study = studyUid.toStdString();
    m_watcher.setFuture(QtConcurrent::run(&m_pool, [folder, protocols, study] {
        auto p = std::make_shared<Prepared>();
        auto cache = storage::Cache::open(folder.toStdString());
        if (!cache) {
            p->error = QString::fromStdString(cache.error().message);
            return p;
        }
        auto context = readingContext((*cache)->index(), study);
        if (!context) {
            p->error = QString::fromStdString(context.error().message);
            return p;
        }
        p->context = std::move(*context);
        p->protocol = chooseProtocol(*protocols, p->context);
        if (!p->protocol) {
            p->error = tr("No hanging protocol applies to this study.");
            return p;
        }
        // The files of the current study and of the priors the protocol may show (every stage).
        std::set<std::string> studies{study};
        for (const ImageSet& s : p->protocol->imageSets)
            if (s.prior > 0 && s.prior <= int(p->context.priors.size())) studies.insert(p->context.priors[std::size_t(s.prior - 1)].row.studyUid);
        QStringList files;
        for (const std::string& s : studies)
            for (const auto& [path, row] : (*cache)->studyFiles(s)) files << QString::fromStdString(path);
        OpenResult opened = openPaths(files);
        p->series = std::move(opened.series);
        for (const SeriesGroup& g : p->series) p->byUid[g.seriesInstanceUid] = &g;
        return p;
    }));
}

void ReadingSession::closeWindows()
{
    for (ReadingWindow* w : m_windows) {
        w->hide();
        w->deleteLater();  // a shortcut of the window may be what asked for this
    }
    m_windows.clear();
}

void ReadingSession::show()
{
    m_sync.clear();
    closeWindows();
    const QList<QScreen*> screens = QGuiApplication::screens();
    for (std::size_t i = 0; i < m_layout.screens.size(); ++i) {
        auto* w = new ReadingWindow(m_pool);
        const QString title = tr("Lightbox — %1 — %2, stage %3 of %4 — screen %5")
                                  .arg(QString::fromStdString(m_prepared->context.current.row.patientName), m_layout.protocol)
                                  .arg(m_layout.stage)
                                  .arg(m_layout.stages)
                                  .arg(i + 1);
        w->setScreenPlacement(m_layout.screens[i], m_prepared->byUid, m_prepared->series, title);
        auto* next = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageDown), w);
        connect(next, &QShortcut::activated, this, &ReadingSession::nextStage, Qt::QueuedConnection);
        auto* previous = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageUp), w);
        connect(previous, &QShortcut::activated, this, &ReadingSession::previousStage, Qt::QueuedConnection);
        connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Right), w), &QShortcut::activated, w, [w] { w->stepSeries(1); });
        connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Left), w), &QShortcut::activated, w, [w] { w->stepSeries(-1); });
        connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_L), w), &QShortcut::activated, this, [this] { m_sync.setEnabled(!m_sync.enabled()); });
        connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), w), &QShortcut::activated, this, [this, w] {
            if (ProtocolEditorDialog* d = editProtocol(w)) d->open();
        });
        if (int(i) < screens.size()) {
            QScreen* s = screens[int(i)];
            w->setScreen(s);
            w->setGeometry(s->availableGeometry());
            w->show();
        } else {
            w->show();
        }
        m_windows.push_back(w);
    }
    for (ReadingWindow* w : m_windows)
        for (int c = 0; c < w->cellCount(); ++c)
            if (w->viewport(c)) m_sync.add(w->placement(c).spec.sync, w->viewport(c), w->placement(c).spec.preset);
}

void ReadingSession::nextStage()
{
    if (!m_prepared || m_layout.stage >= m_layout.stages) return;
    m_layout = layOut(*m_prepared->protocol, m_prepared->context, m_layout.stage + 1, m_screens);
    show();
}

void ReadingSession::previousStage()
{
    if (!m_prepared || m_layout.stage <= 1) return;
    m_layout = layOut(*m_prepared->protocol, m_prepared->context, m_layout.stage - 1, m_screens);
    show();
}

}  // namespace lightbox::app

namespace lightbox::app {

Layout ReadingSession::shownLayout() const
{
    Layout l = m_layout;
    l.screens.clear();
    for (const ReadingWindow* w : m_windows) l.screens.push_back(w->shownPlacement());
    return l;
}

const HangingProtocol* ReadingSession::protocol() const { return m_prepared ? m_prepared->protocol : nullptr; }

ProtocolEditorDialog* ReadingSession::editProtocol(QWidget* parent)
{
    if (!m_prepared || !m_prepared->protocol) return nullptr;
    auto* d = new ProtocolEditorDialog(shownLayout(), *m_prepared->protocol, m_prepared->context, m_userFolder, parent);
    d->setAttribute(Qt::WA_DeleteOnClose);
    return d;
}

}  // namespace lightbox::app
