#pragma once
// "Save layout as protocol": a dialog that turns what the reading windows show into the user's own
// hanging protocol. The user names it and chooses the rules that decide which studies it is for
// (modality always; body part; a study description pattern; a minimum number of priors); a
// preview lists what each screen and viewport will look for. Saved as JSON in the user's protocol
// folder, where it is used from the next study on (and wins ties against shipped protocols).
#include "protocol_capture.h"

#include <QDialog>

class QCheckBox;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;
class QLabel;

namespace lightbox::app {

class ProtocolEditorDialog : public QDialog {
    Q_OBJECT
public:
    ProtocolEditorDialog(Layout shown, HangingProtocol base, ReadingContext context, QString userFolder, QWidget* parent = nullptr);

    QLineEdit* nameField() const { return m_name; }
    QLineEdit* descriptionPatternField() const { return m_pattern; }
    QSpinBox* priorsField() const { return m_priors; }
    // Saves (also what the Save button does); the file's path, or empty with the reason in message().
    QString save();
    QString message() const;
    HangingProtocol protocol() const;  // as the choices stand

private:
    CaptureChoices choices() const;
    void refresh();

    Layout m_shown;
    HangingProtocol m_base;
    ReadingContext m_context;
    QString m_folder;
    QLineEdit* m_name = nullptr;
    QLineEdit* m_description = nullptr;
    QCheckBox* m_useBodyPart = nullptr;
    QCheckBox* m_useDescription = nullptr;
    QLineEdit* m_pattern = nullptr;
    QSpinBox* m_priors = nullptr;
    QPlainTextEdit* m_preview = nullptr;
    QLabel* m_message = nullptr;
};

}  // namespace lightbox::app
