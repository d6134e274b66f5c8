#include "protocol_editor.h"

#include "protocol_library.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace lightbox::app {

ProtocolEditorDialog::ProtocolEditorDialog(Layout shown, HangingProtocol base, ReadingContext context, QString userFolder, QWidget* parent)
    : QDialog(parent), m_shown(std::move(shown)), m_base(std::move(base)), m_context(std::move(context)), m_folder(std::move(userFolder))
{
    setWindowTitle(tr("Save layout as hanging protocol"));
    const storage::StudyRow& study = m_context.current.row;
    auto* form = new QFormLayout;
    m_name = new QLineEdit(m_base.user ? m_base.name : tr("My %1").arg(m_base.name), this);
    m_description = new QLineEdit(this);
    m_description->setPlaceholderText(tr("what it is for (optional)"));
    const QString modality = study.modalities.empty() ? tr("(none)") : QString::fromStdString(study.modalities.front());
    auto* modalityLabel = new QLabel(tr("%1 (always)").arg(modality), this);
    m_useBodyPart = new QCheckBox(tr("Body part %1").arg(QString::fromStdString(study.bodyParts)), this);
    m_useBodyPart->setChecked(!study.bodyParts.empty());
    m_useBodyPart->setEnabled(!study.bodyParts.empty());
    m_useDescription = new QCheckBox(tr("Study description matches"), this);
    m_useDescription->setChecked(!study.description.empty());
    m_pattern = new QLineEdit("*" + QString::fromStdString(study.description) + "*", this);
    m_pattern->setToolTip(tr("* any text, ? one character; case is ignored"));
    m_priors = new QSpinBox(this);
    m_priors->setRange(0, 9);
    m_priors->setSpecialValueText(tr("not required"));
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Description"), m_description);
    form->addRow(tr("Modality"), modalityLabel);
    form->addRow(QString(), m_useBodyPart);
    form->addRow(m_useDescription, m_pattern);
    form->addRow(tr("Priors at least"), m_priors);
    m_preview = new QPlainTextEdit(this);
    m_preview->setReadOnly(true);
    m_preview->setMinimumSize(520, 220);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (!save().isEmpty()) accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* box = new QVBoxLayout(this);
    box->addLayout(form);
    box->addWidget(new QLabel(tr("What each viewport will look for:"), this));
    box->addWidget(m_preview, 1);
    box->addWidget(m_message);
    box->addWidget(buttons);
    for (QLineEdit* e : {m_name, m_description, m_pattern}) connect(e, &QLineEdit::textChanged, this, &ProtocolEditorDialog::refresh);
    for (QCheckBox* c : {m_useBodyPart, m_useDescription}) connect(c, &QCheckBox::toggled, this, &ProtocolEditorDialog::refresh);
    connect(m_priors, &QSpinBox::valueChanged, this, &ProtocolEditorDialog::refresh);
    refresh();
}

CaptureChoices ProtocolEditorDialog::choices() const
{
    CaptureChoices c;
    c.name = m_name->text();
    c.description = m_description->text();
    c.useBodyPart = m_useBodyPart->isChecked();
    c.useDescription = m_useDescription->isChecked();
    c.descriptionPattern = m_pattern->text();
    c.minimumPriors = m_priors->value();
    return c;
}

HangingProtocol ProtocolEditorDialog::protocol() const { return captureProtocol(m_shown, m_base, m_context, choices()); }

void ProtocolEditorDialog::refresh()
{
    m_pattern->setEnabled(m_useDescription->isChecked());
    const HangingProtocol p = protocol();
    QStringList lines;
    int screenNumber = 0;
    for (const ScreenLayout& s : p.stages.front().screens) {
        lines << tr("Screen %1: %2 × %3").arg(++screenNumber).arg(s.rows).arg(s.columns);
        for (const ProtocolViewport& v : s.viewports) {
            const DisplaySet* d = p.displaySet(v.displaySet);
            QStringList wants;
            for (const ProtocolRule& r : d->rules) wants << r.attribute + " " + r.values.join("|");
            lines << QStringLiteral("  [%1,%2] %3 %4%5: %6")
                         .arg(v.row)
                         .arg(v.column)
                         .arg(v.view, d->imageSet, v.preset.isEmpty() ? QString() : ", " + v.preset, wants.join(", "));
        }
    }
    m_preview->setPlainText(lines.join("\n"));
}

QString ProtocolEditorDialog::save()
{
    if (m_name->text().trimmed().isEmpty()) {
        m_message->setText(tr("The protocol needs a name."));
        return {};
    }
    const HangingProtocol p = protocol();
    // What is written must read back as a valid protocol.
    auto check = protocolFromJson(protocolToJson(p));
    if (!check) {
        m_message->setText(QString::fromStdString(check.error().message));
        return {};
    }
    auto saved = ProtocolLibrary::save(p, m_folder);
    if (!saved) {
        m_message->setText(QString::fromStdString(saved.error().message));
        return {};
    }
    m_message->setText(tr("Saved as %1").arg(*saved));
    return *saved;
}

QString ProtocolEditorDialog::message() const { return m_message->text(); }

}  // namespace lightbox::app
