#pragma once
// The transfer queue: every retrieve, send and export of this session with its progress and outcome;
// Cancel and Retry for the selected one; Open for a retrieved study.
#include <QWidget>

class QTableWidget;

namespace lightbox::app {

class NetworkService;

class TransferPanel : public QWidget {
    Q_OBJECT
public:
    TransferPanel(NetworkService& network, QWidget* parent = nullptr);
    QTableWidget* table() const { return m_table; }

signals:
    void openRequested(const QString& studyUid);

private:
    void update(int id);
    int selectedId() const;

    NetworkService& m_network;
    QTableWidget* m_table = nullptr;
};

}  // namespace lightbox::app
