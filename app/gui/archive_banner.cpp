#include "archive_banner.h"

#include "dimse_echo.h"
#include "network_service.h"
#include "outbox.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSizePolicy>
#include <QtConcurrent>

#include <QSet>

#include <algorithm>
#include <map>

namespace lightbox::app {

namespace {

QString when(std::int64_t ms)
{
    if (ms <= 0) return ArchiveBanner::tr("never");
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms);
    return t.date() == QDate::currentDate() ? t.toString("HH:mm") : QLocale().toString(t, QLocale::ShortFormat);
}

// Echoes each DIMSE archive, records the outcomes, and says what the reader must know ("" when
// all is well). Runs on a worker thread.
QString checkArchives(const AppConfig& config, const QString& cacheDir)
{
    auto outbox = Outbox::open(cacheDir);
    if (!outbox) return ArchiveBanner::tr("The send queue cannot be read: %1").arg(QString::fromStdString(outbox.error().message));
    QSet<QString> known;
    for (const ArchiveEntry& a : config.archives) {
        known.insert(a.name);
        if (!a.callable()) continue;  // DICOMweb-only archives (and peers that only send): known from their transfers
        // A short wait: an archive that does not answer in 10 s is down for the reader.
        net::DicomPeer peer = a.peer(config.local);
        peer.timeoutSeconds = std::min(peer.timeoutSeconds, 10);
        const auto r = net::echo(peer);
        (*outbox)->recordContact(a.name, bool(r), r ? QString() : QString::fromStdString(r.error().message));
    }
    std::map<QString, int> waiting, failed;
    for (const OutboxItem& item : (*outbox)->items()) ++(item.state == OutboxItem::State::Failed ? failed : waiting)[item.archive];
    QStringList lines;
    for (const ArchiveContact& c : (*outbox)->contacts()) {
        if (!known.contains(c.archive)) continue;  // removed from the settings since
        if (c.reachable()) continue;
        lines << ArchiveBanner::tr("Archive %1 cannot be reached (last reached: %2; %3). Reading goes on from the cache.")
                     .arg(c.archive, when(c.lastReached), c.lastError.isEmpty() ? ArchiveBanner::tr("no answer") : c.lastError);
    }
    for (const auto& [archive, n] : waiting) lines << ArchiveBanner::tr("%n object(s) wait to be sent to %1.", nullptr, n).arg(archive);
    for (const auto& [archive, n] : failed)
        lines << ArchiveBanner::tr("%n object(s) were refused by %1: see lightbox queue.", nullptr, n).arg(archive);
    return lines.join('\n');
}

}  // namespace

ArchiveBanner::ArchiveBanner(NetworkService& network, QString cacheDir, QWidget* parent)
    : QFrame(parent), m_network(network), m_cacheDir(std::move(cacheDir))
{
    setObjectName("archiveBanner");
    setStyleSheet("#archiveBanner { background: #f6d365; border: 1px solid #c9a227; } #archiveBanner QLabel { color: #3a2c00; }");
    m_text = new QLabel(this);
    m_text->setWordWrap(true);
    m_check = new QPushButton(tr("Check now"), this);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    // As tall as its wrapped lines need at the window's width.
    QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Minimum);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_check);
    hide();
    connect(m_check, &QPushButton::clicked, this, &ArchiveBanner::checkNow);
    connect(&m_watcher, &QFutureWatcher<QString>::finished, this, [this] {
        m_check->setEnabled(true);
        if (m_checkAgain) {
            m_checkAgain = false;
            checkNow();
            return;
        }
        show(m_watcher.result());
        emit checked();
    });
    m_timer.setInterval(60000);
    connect(&m_timer, &QTimer::timeout, this, &ArchiveBanner::checkNow);
    m_timer.start();
    QTimer::singleShot(0, this, &ArchiveBanner::checkNow);
}

// A check under way needs nothing of this widget (it works on copies): it is left to finish.
ArchiveBanner::~ArchiveBanner() = default;

QString ArchiveBanner::text() const { return isVisibleTo(parentWidget()) ? m_text->text() : QString(); }

void ArchiveBanner::checkNow()
{
    if (m_watcher.isRunning()) {
        m_checkAgain = true;  // asked during a check: one more once it is done, with what is now
        return;
    }
    m_check->setEnabled(false);
    // Echoes wait on the network: never on the GUI thread, nor on the pool that reads the cache.
    m_watcher.setFuture(QtConcurrent::run([config = m_network.config(), dir = m_cacheDir] { return checkArchives(config, dir); }));
}

void ArchiveBanner::show(const QString& text)
{
    m_text->setText(text);
    setVisible(!text.isEmpty());
}

}  // namespace lightbox::app
