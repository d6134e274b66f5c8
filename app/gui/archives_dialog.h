#pragma once
// Settings of the archives Lightbox talks to and of Lightbox's own DICOM node: add, edit and
// remove archives (DIMSE: AE title, host, port, TLS; DICOMweb: URL and credentials), test each,
// and set our AE title, storage port and whether the listener runs.
#include "app_config.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QLayout;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace lightbox::app {

class NetworkService;

class ArchivesDialog : public QDialog {
    Q_OBJECT
public:
    ArchivesDialog(NetworkService& network, QWidget* parent = nullptr);

    // For tests: the form of the selected archive, its test, and saving.
    ArchiveEntry formEntry() const;
    void setFormEntry(const ArchiveEntry& e);
    void addArchive(const ArchiveEntry& e);
    void testSelected();
    QString testResult() const;
    bool testRunning() const { return m_testing; }
    QString save();  // empty: saved
    const AppConfig& pending() const { return m_config; }

    // Lightbox's own listener TLS files (for tests).
    QLineEdit* listenerCertField() const { return m_localCert; }
    QLineEdit* listenerKeyField() const { return m_localKey; }

signals:
    void tested(const QString& result);

private:
    // The constructor's parts: the list of archives, the selected archive's fields laid out in
    // their groups, Lightbox's own node.
    QLayout* buildArchiveList();
    void createArchiveFields();
    QLayout* buildArchiveForm();
    QWidget* buildLocalNode();
    void select(int row);
    void commitForm();

    NetworkService& m_network;
    AppConfig m_config;
    int m_current = -1;
    bool m_testing = false;
    QListWidget* m_list = nullptr;
    QLineEdit *m_name, *m_aet, *m_host, *m_ca, *m_cert, *m_key, *m_url, *m_user, *m_password, *m_token, *m_webCa;
    QSpinBox *m_port, *m_timeout, *m_localPort;
    QCheckBox *m_tls, *m_verify, *m_webVerify, *m_listen;
    QLineEdit *m_localAet, *m_localCert, *m_localKey, *m_localCa;
    QLabel* m_result;
};

}  // namespace lightbox::app
