#pragma once
// The offline banner: when an archive cannot be reached, the main window says so, per archive,
// with the time it was last reached and why it failed — reading goes on from the cache — and how
// many objects wait in the outbox (app/worklist/outbox.h) to be sent when it is back. Each
// archive with DIMSE settings is echoed every minute (and on "Check now") off the GUI thread;
// the outcome is recorded in the outbox's contacts, where `lightbox queue` shows it too. Hidden
// while every archive answers and nothing waits.
#include <QFrame>
#include <QFutureWatcher>
#include <QTimer>

class QLabel;
class QPushButton;

namespace lightbox::app {

class NetworkService;

class ArchiveBanner : public QFrame {
    Q_OBJECT
public:
    ArchiveBanner(NetworkService& network, QString cacheDir, QWidget* parent = nullptr);
    ~ArchiveBanner() override;
    QString text() const;

public slots:
    void checkNow();

signals:
    void checked();

private:
    void show(const QString& text);

    NetworkService& m_network;
    QString m_cacheDir;
    QLabel* m_text = nullptr;
    QPushButton* m_check = nullptr;
    QTimer m_timer;
    QFutureWatcher<QString> m_watcher;
    bool m_checkAgain = false;
};

}  // namespace lightbox::app
