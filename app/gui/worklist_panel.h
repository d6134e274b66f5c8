#pragma once
// The reading worklist tab: the orders and arrived studies of app/worklist/reading_list.h with
// their status, priority and assignment; filters (status, modality, "mine", text); "Next study"
// opens the first study for the signed-in reader with its hanging protocol and marks it in
// progress; Assign to me, Mark read and Back on the list from the row's menu. Loaded and written
// on the thread pool (never on the GUI thread), refreshed every 10 s while shown and when the
// cache changes.
#include "reading_list.h"

#include <QFutureWatcher>
#include <QTimer>
#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace lightbox::app {

class CacheService;

class WorklistPanel : public QWidget {
    Q_OBJECT
public:
    WorklistPanel(CacheService& cache, QWidget* parent = nullptr);
    ~WorklistPanel() override;

    QTableWidget* table() const { return m_table; }
    QPushButton* nextButton() const { return m_next; }
    const std::vector<ReadingItem>& items() const { return m_shown; }
    bool isLoading() const { return m_loading.isRunning(); }

public slots:
    void refresh();
    // Opens the next study for the signed-in reader (a message when there is none).
    void openNext();

signals:
    void readRequested(const QString& studyUid);  // open with the hanging protocol
    void message(const QString& text);
    void loaded();  // the list on screen is up to date
    // "Make available offline": the items `filter` lets through, or one patient's studies.
    void offlineRequested(const lightbox::app::ReadingFilter& filter, const QString& label);
    void offlinePatientRequested(const QString& patientId, const QString& name);

protected:
    void showEvent(QShowEvent* e) override;

private:
    void buildControls();
    void onLoaded();
    void fill();
    ReadingFilter filter() const;
    const ReadingItem* selected() const;
    void openItem(const ReadingItem& item);
    // Writes a reading change on the pool, then refreshes.
    void change(std::function<Status(ReadingLog&, const QString& user)> write);
    void showMenu(const QPoint& at);

    CacheService& m_cache;
    QTableWidget* m_table = nullptr;
    QPushButton* m_next = nullptr;
    QComboBox* m_status = nullptr;
    QComboBox* m_modality = nullptr;
    QCheckBox* m_mine = nullptr;
    QLineEdit* m_text = nullptr;
    QLabel* m_summary = nullptr;
    QTimer m_timer;
    QFutureWatcher<void> m_loading;
    std::shared_ptr<std::vector<ReadingItem>> m_loaded;
    std::vector<ReadingItem> m_all, m_shown;
    bool m_openNextWhenLoaded = false;
    bool m_refreshAgain = false;
};

// The signed-in user (the operating-system user on a machine without Lightbox users).
QString currentReader();

}  // namespace lightbox::app
