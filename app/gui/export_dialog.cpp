#include "export_dialog.h"

#include "auditor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace lightbox::app {

namespace {
// The destination kinds before the archives, which follow in the combo box as "name (C-STORE)" etc.
enum Kind { KindFolder, KindZip, KindFirstArchive };
enum DatesChoice { DatesRemoved, DatesShifted, DatesKept };
constexpr int RoleArchive = Qt::UserRole, RoleStow = Qt::UserRole + 1;
}  // namespace

ExportDialog::ExportDialog(const QString& cacheDir, const std::vector<std::string>& studyUids, const QString& what, const AppConfig& config,
                           QWidget* parent)
    : QDialog(parent), m_config(config)
{
    setWindowTitle(tr("Export"));
    m_spec.cacheDir = cacheDir;
    m_spec.studyUids = studyUids;
    auto* heading = new QLabel(tr("Export %1").arg(what), this);
    heading->setTextFormat(Qt::PlainText);
    heading->setWordWrap(true);
    m_summary = new QLabel(this);
    m_summary->setObjectName("summary");
    m_summary->setTextFormat(Qt::PlainText);
    m_summary->setWordWrap(true);
    m_summary->setFrameShape(QFrame::StyledPanel);
    m_summary->setMargin(6);
    m_problem = new QLabel(this);
    m_problem->setObjectName("problem");
    m_problem->setTextFormat(Qt::PlainText);
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet("color: #c62828;");
    m_problem->setVisible(false);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole)->setDefault(true);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (check().isEmpty()) accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(heading);
    layout->addWidget(buildDestination());
    layout->addWidget(buildAnonymise());
    layout->addWidget(m_summary);
    layout->addWidget(m_problem);
    layout->addWidget(m_buttons);
    // The dialog grows with the summary's lines rather than squeezing the fields.
    // Word-wrapped labels do not tell the layout their height for a width: room for the summary's
    // lines (and two of a problem) is reserved so that the fields above are never squeezed.
    layout->setSizeConstraint(QLayout::SetMinimumSize);
    m_summary->setMinimumWidth(580);
    m_summary->setMinimumHeight(m_summary->fontMetrics().lineSpacing() * 7 + 2 * m_summary->margin());
    m_problem->setMinimumHeight(m_problem->fontMetrics().lineSpacing() * 2);
    updateState();
}

QPushButton* ExportDialog::exportButton() const
{
    for (QAbstractButton* b : m_buttons->buttons())
        if (m_buttons->buttonRole(b) == QDialogButtonBox::AcceptRole) return static_cast<QPushButton*>(b);
    return nullptr;
}

QWidget* ExportDialog::buildDestination()
{
    auto* box = new QGroupBox(tr("Destination"), this);
    m_kind = new QComboBox(box);
    m_kind->addItem(tr("Folder (with a DICOMDIR)"));
    m_kind->addItem(tr("ZIP file (with a DICOMDIR)"));
    for (const ArchiveEntry& e : m_config.archives) {
        if (e.hasDimse()) m_kind->addItem(tr("Archive %1 (C-STORE)").arg(e.name), QVariantList{e.name, false});
        if (e.hasWeb()) m_kind->addItem(tr("Archive %1 (STOW-RS)").arg(e.name), QVariantList{e.name, true});
    }
    m_path = new QLineEdit(box);
    m_path->setObjectName("path");
    m_browse = new QPushButton(tr("Browse…"), box);
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(m_browse);
    auto* form = new QFormLayout(box);
    form->addRow(tr("Export to:"), m_kind);
    form->addRow(tr("Path:"), pathRow);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &ExportDialog::updateState);
    connect(m_browse, &QPushButton::clicked, this, &ExportDialog::browse);
    return box;
}

QWidget* ExportDialog::buildAnonymise()
{
    m_anonymise = new QGroupBox(tr("Anonymise (PS3.15 Basic Application Level Confidentiality Profile)"), this);
    m_anonymise->setCheckable(true);
    m_anonymise->setChecked(true);
    m_dates = new QComboBox(m_anonymise);
    m_dates->addItems({tr("removed"), tr("shifted by"), tr("kept")});
    m_shiftDays = new QSpinBox(m_anonymise);
    m_shiftDays->setRange(-36500, 36500);
    m_shiftDays->setSuffix(tr(" days"));
    auto* datesRow = new QHBoxLayout;
    datesRow->addWidget(m_dates);
    datesRow->addWidget(m_shiftDays);
    datesRow->addStretch(1);
    m_characteristics = new QCheckBox(tr("Keep patient characteristics (age, sex, size, weight)"), m_anonymise);
    m_descriptions = new QCheckBox(tr("Keep study and series descriptions"), m_anonymise);
    m_uids = new QCheckBox(tr("Keep the original UIDs"), m_anonymise);
    m_private = new QCheckBox(tr("Keep known safe private tags"), m_anonymise);
    m_patientName = new QLineEdit(m_anonymise);
    m_patientName->setPlaceholderText(tr("empty"));
    m_patientId = new QLineEdit(m_anonymise);
    m_patientId->setPlaceholderText(tr("empty"));
    m_blank = new QPlainTextEdit(m_anonymise);
    m_blank->setPlaceholderText(tr("one X,Y,WIDTH,HEIGHT a line, in pixels, e.g. 0,0,640,60"));
    m_blank->setFixedHeight(m_blank->fontMetrics().lineSpacing() * 4 + 12);
    m_blank->setTabChangesFocus(true);
    auto* form = new QFormLayout(m_anonymise);
    form->addRow(tr("Dates:"), datesRow);
    form->addRow(m_characteristics);
    form->addRow(m_descriptions);
    form->addRow(m_uids);
    form->addRow(m_private);
    form->addRow(tr("New patient name:"), m_patientName);
    form->addRow(tr("New patient ID:"), m_patientId);
    form->addRow(tr("Blank rectangles:"), m_blank);
    connect(m_anonymise, &QGroupBox::toggled, this, &ExportDialog::updateState);
    connect(m_dates, &QComboBox::currentIndexChanged, this, &ExportDialog::updateState);
    connect(m_shiftDays, &QSpinBox::valueChanged, this, &ExportDialog::updateState);
    for (QCheckBox* c : {m_characteristics, m_descriptions, m_uids, m_private}) connect(c, &QCheckBox::toggled, this, &ExportDialog::updateState);
    for (QLineEdit* e : {m_patientName, m_patientId}) connect(e, &QLineEdit::textChanged, this, &ExportDialog::updateState);
    connect(m_blank, &QPlainTextEdit::textChanged, this, &ExportDialog::updateState);
    return m_anonymise;
}

// The path field and the summary follow the choices; a problem shown goes once they change.
void ExportDialog::updateState()
{
    const bool archive = m_kind->currentIndex() >= KindFirstArchive;
    m_path->setEnabled(!archive);
    m_browse->setEnabled(!archive);
    m_path->setPlaceholderText(m_kind->currentIndex() == KindZip ? tr("a new .zip file") : archive ? QString() : tr("a new or empty folder"));
    m_shiftDays->setEnabled(m_dates->currentIndex() == DatesShifted);
    m_problem->setVisible(false);
    if (!m_anonymise->isChecked()) {
        m_summary->setText(tr("Not anonymised: the files are exported as stored, with the patient's name, ID, dates and every other attribute."));
        return;
    }
    imaging::DeidOptions o;
    const QString error = deidOptionsFrom(choices(), o);
    m_summary->setText(error.isEmpty() ? deidSummary(o) : tr("Cannot anonymise this way: %1.").arg(error));
    if (error.isEmpty()) m_spec.deid = o;
}

// The anonymisation fields as text, for the rules the command line uses too (blank lines skipped).
DeidChoices ExportDialog::choices() const
{
    DeidChoices c;
    if (m_dates->currentIndex() == DatesShifted) c.shiftDays = QString::number(m_shiftDays->value());
    c.keepDates = m_dates->currentIndex() == DatesKept;
    c.retainPatientCharacteristics = m_characteristics->isChecked();
    c.retainDescriptions = m_descriptions->isChecked();
    c.retainUids = m_uids->isChecked();
    c.retainSafePrivate = m_private->isChecked();
    c.patientName = m_patientName->text();
    c.patientId = m_patientId->text();
    for (const QString& line : m_blank->toPlainText().split('\n'))
        if (!line.trimmed().isEmpty()) c.blank << line;
    return c;
}

void ExportDialog::browse()
{
    const QString path = m_kind->currentIndex() == KindZip
                             ? QFileDialog::getSaveFileName(this, tr("Export to a ZIP file"), m_path->text(), tr("ZIP files (*.zip)"))
                             : QFileDialog::getExistingDirectory(this, tr("Export to a folder"), m_path->text());
    if (!path.isEmpty()) m_path->setText(path);
}

QString ExportDialog::check()
{
    QString problem;
    m_spec.anonymize = m_anonymise->isChecked();
    m_spec.folder.clear();
    m_spec.zip.clear();
    m_spec.archive.reset();
    const QString path = m_path->text().trimmed();
    if (m_kind->currentIndex() >= KindFirstArchive) {
        const QVariantList a = m_kind->currentData().toList();
        if (const ArchiveEntry* e = m_config.find(a.value(0).toString())) {
            m_spec.archive = *e;
            m_spec.local = m_config.local;
            m_spec.useStow = a.value(1).toBool();
        } else
            problem = tr("The archive is no longer configured.");
    } else if (path.isEmpty())
        problem = m_kind->currentIndex() == KindZip ? tr("Give the ZIP file to write.") : tr("Give the folder to write.");
    else if (m_kind->currentIndex() == KindZip && !path.endsWith(".zip", Qt::CaseInsensitive))
        problem = tr("A ZIP file's name ends in .zip.");
    else
        (m_kind->currentIndex() == KindZip ? m_spec.zip : m_spec.folder) = path;
    if (problem.isEmpty() && m_spec.anonymize) {
        if (const QString e = deidOptionsFrom(choices(), m_spec.deid); !e.isEmpty()) problem = tr("Cannot export: %1.").arg(e);
    }
    // The export service refuses it too; said here before anything starts.
    if (problem.isEmpty() && !m_spec.anonymize)
        if (const auto auditor = security::currentAuditor(); auditor && !auditor->identity().may(security::Permission::ExportIdentified))
            problem = tr("%1 (%2) may not export without anonymisation: tick Anonymise.")
                          .arg(QString::fromStdString(auditor->identity().user), QString::fromStdString(security::roleName(auditor->identity().role)));
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    return problem;
}

}  // namespace lightbox::app
