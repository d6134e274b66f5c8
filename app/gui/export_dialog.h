#pragma once
// The Export dialog: where to (a folder with a DICOMDIR, a ZIP of the same, or a configured
// archive), whether to anonymise and with which options of the PS3.15 profile, and in a few words
// what will be removed. Export checks the choices by the command line's rules (export_options.h)
// and the signed-in role, and shows what is wrong instead of closing; spec() is then the job for
// the transfer queue. The dialog does no disk or network work itself.
#include "export_options.h"
#include "export_study.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace lightbox::app {

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    // `what` names the studies for people ("DOE^JANE — CT chest", "3 studies").
    ExportDialog(const QString& cacheDir, const std::vector<std::string>& studyUids, const QString& what, const AppConfig& config,
                 QWidget* parent = nullptr);

    const ExportSpec& spec() const { return m_spec; }
    // The reason the choices cannot be exported (also shown in the dialog); empty when they can.
    QString check();

    // For tests and for people: the fields.
    QComboBox* destinationKind() const { return m_kind; }
    QLineEdit* path() const { return m_path; }
    QGroupBox* anonymise() const { return m_anonymise; }
    QComboBox* dates() const { return m_dates; }
    QSpinBox* shiftDays() const { return m_shiftDays; }
    QLineEdit* patientName() const { return m_patientName; }
    QLineEdit* patientId() const { return m_patientId; }
    QPlainTextEdit* blanking() const { return m_blank; }
    QLabel* summary() const { return m_summary; }
    QLabel* problem() const { return m_problem; }
    QPushButton* exportButton() const;

private:
    QWidget* buildDestination();
    QWidget* buildAnonymise();
    void updateState();
    DeidChoices choices() const;
    void browse();

    ExportSpec m_spec;
    AppConfig m_config;
    QComboBox* m_kind = nullptr;
    QLineEdit* m_path = nullptr;
    QPushButton* m_browse = nullptr;
    QGroupBox* m_anonymise = nullptr;
    QComboBox* m_dates = nullptr;
    QSpinBox* m_shiftDays = nullptr;
    QCheckBox* m_characteristics = nullptr;
    QCheckBox* m_descriptions = nullptr;
    QCheckBox* m_uids = nullptr;
    QCheckBox* m_private = nullptr;
    QLineEdit* m_patientName = nullptr;
    QLineEdit* m_patientId = nullptr;
    QPlainTextEdit* m_blank = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_problem = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

}  // namespace lightbox::app
