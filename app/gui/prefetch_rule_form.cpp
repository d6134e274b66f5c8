#include "prefetch_rule_form.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <limits>

namespace lightbox::app {

namespace {

QSpinBox* spinBox(QWidget* parent, const QString& name, int max, const QString& suffix)
{
    auto* s = new QSpinBox(parent);
    s->setObjectName(name);
    s->setRange(0, max);
    s->setSuffix(suffix);
    return s;
}

QLineEdit* lineEdit(QWidget* parent, const QString& name, const QString& placeholder)
{
    auto* e = new QLineEdit(parent);
    e->setObjectName(name);
    e->setPlaceholderText(placeholder);
    return e;
}

QCheckBox* checkBox(QWidget* parent, const QString& name, const QString& text)
{
    auto* c = new QCheckBox(text, parent);
    c->setObjectName(name);
    return c;
}

// "CT, MR" <-> ["CT", "MR"]
QJsonArray listOf(const QString& text)
{
    QJsonArray out;
    for (const QString& part : text.split(',', Qt::SkipEmptyParts))
        if (!part.trimmed().isEmpty()) out.append(part.trimmed());
    return out;
}

QString textOf(const QJsonArray& list)
{
    QStringList parts;
    for (const QJsonValue& v : list) parts << v.toString();
    return parts.join(", ");
}

}  // namespace

PrefetchRuleForm::PrefetchRuleForm(QWidget* parent) : QWidget(parent)
{
    m_name = lineEdit(this, "name", tr("a name for people"));
    m_modalities = lineEdit(this, "modalities", tr("any; e.g. CT, MR"));
    m_senders = lineEdit(this, "senders", tr("any; e.g. ris"));
    m_current = checkBox(this, "current", tr("Fetch the ordered study itself once the archive has it"));
    m_priors = spinBox(this, "priors", 50, tr(" most recent"));
    m_maxAge = spinBox(this, "maxAge", 150, tr(" years"));
    m_leadHours = spinBox(this, "leadHours", 24 * 365, tr(" hours before the scheduled time"));
    m_windows = lineEdit(this, "windows", tr("any time; e.g. 19:00-07:00, 12:00-13:30"));
    m_bandwidth = spinBox(this, "bandwidth", std::numeric_limits<int>::max(), tr(" bytes/s"));
    m_bandwidth->setSpecialValueText(tr("no limit"));
    m_bandwidth->setGroupSeparatorShown(true);

    auto* form = new QFormLayout(this);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Name:"), m_name);
    form->addRow(tr("For orders of modalities:"), m_modalities);
    form->addRow(tr("From senders:"), m_senders);
    form->addRow(tr("Current study:"), m_current);
    form->addRow(tr("Priors:"), m_priors);
    form->addRow(tr("No older than:"), m_maxAge);
    form->addRow(tr("A prior is relevant when:"), buildMatching());
    form->addRow(tr("Related procedures:"), buildProcedures());
    form->addRow(tr("Start:"), m_leadHours);
    form->addRow(tr("Only between:"), m_windows);
    form->addRow(tr("Bandwidth limit:"), m_bandwidth);
    connect(m_name, &QLineEdit::textEdited, this, &PrefetchRuleForm::nameEdited);
}

QWidget* PrefetchRuleForm::buildMatching()
{
    auto* box = new QWidget(this);
    m_sameModality = checkBox(box, "sameModality", tr("it has the order's modality"));
    m_sameBodyPart = checkBox(box, "sameBodyPart", tr("it shares a body part with the ordered study (unknown: kept)"));
    m_relatedProcedure = checkBox(box, "relatedProcedure", tr("its procedure is the order's or related to it (unknown: kept)"));
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    for (QCheckBox* c : {m_sameModality, m_sameBodyPart, m_relatedProcedure}) layout->addWidget(c);
    return box;
}

// The order's procedure code, and the codes of the priors related to it (comma-separated).
QWidget* PrefetchRuleForm::buildProcedures()
{
    auto* box = new QWidget(this);
    m_procedures = new QTableWidget(0, 2, box);
    m_procedures->setObjectName("procedures");
    m_procedures->setHorizontalHeaderLabels({tr("Order's procedure code"), tr("Related codes (comma-separated)")});
    m_procedures->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_procedures->horizontalHeader()->setStretchLastSection(true);
    m_procedures->verticalHeader()->hide();
    m_procedures->setMinimumHeight(110);
    m_addProcedure = new QPushButton(tr("Add code"), box);
    m_addProcedure->setObjectName("addProcedure");
    m_removeProcedure = new QPushButton(tr("Remove code"), box);
    m_removeProcedure->setObjectName("removeProcedure");
    auto* buttons = new QVBoxLayout;
    buttons->addWidget(m_addProcedure);
    buttons->addWidget(m_removeProcedure);
    buttons->addStretch(1);
    auto* layout = new QHBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_procedures, 1);
    layout->addLayout(buttons);
    connect(m_addProcedure, &QPushButton::clicked, this, [this] {
        addProcedureRow({}, {});
        m_procedures->setCurrentCell(m_procedures->rowCount() - 1, 0);
        m_procedures->editItem(m_procedures->item(m_procedures->rowCount() - 1, 0));
    });
    connect(m_removeProcedure, &QPushButton::clicked, this, [this] {
        if (m_procedures->currentRow() >= 0) m_procedures->removeRow(m_procedures->currentRow());
    });
    return box;
}

void PrefetchRuleForm::addProcedureRow(const QString& code, const QString& related)
{
    const int row = m_procedures->rowCount();
    m_procedures->insertRow(row);
    m_procedures->setItem(row, 0, new QTableWidgetItem(code));
    m_procedures->setItem(row, 1, new QTableWidgetItem(related));
}

void PrefetchRuleForm::show(const QJsonObject& r)
{
    m_name->setText(r["name"].toString());
    m_modalities->setText(textOf(r["when"].toObject()["modalities"].toArray()));
    m_senders->setText(textOf(r["when"].toObject()["senders"].toArray()));
    m_current->setChecked(r["current"].toBool(true));
    m_priors->setValue(r["priors"].toInt(2));
    m_maxAge->setValue(r["maxAgeYears"].toInt(5));
    const QJsonArray match = r["match"].toArray();
    m_sameModality->setChecked(match.contains("modality"));
    m_sameBodyPart->setChecked(match.contains("bodyPart"));
    m_relatedProcedure->setChecked(match.contains("procedure"));
    m_procedures->setRowCount(0);
    const QJsonObject related = r["relatedProcedures"].toObject();
    for (auto it = related.begin(); it != related.end(); ++it) addProcedureRow(it.key(), textOf(it.value().toArray()));
    m_leadHours->setValue(r["leadHours"].toInt(24));
    QStringList windows;
    for (const QJsonValue& w : r["windows"].toArray()) windows << w.toObject()["from"].toString() + "-" + w.toObject()["to"].toString();
    m_windows->setText(windows.join(", "));
    m_bandwidth->setValue(int(std::min<double>(r["maxBytesPerSecond"].toDouble(0), std::numeric_limits<int>::max())));
}

QJsonObject PrefetchRuleForm::rule() const
{
    QJsonArray match;
    if (m_sameModality->isChecked()) match.append("modality");
    if (m_sameBodyPart->isChecked()) match.append("bodyPart");
    if (m_relatedProcedure->isChecked()) match.append("procedure");
    QJsonObject related;
    for (int row = 0; row < m_procedures->rowCount(); ++row) {
        const QString code = m_procedures->item(row, 0) ? m_procedures->item(row, 0)->text().trimmed() : QString();
        const QJsonArray codes = listOf(m_procedures->item(row, 1) ? m_procedures->item(row, 1)->text() : QString());
        if (code.isEmpty() && codes.isEmpty()) continue;  // a row left empty
        related[code] = codes;
    }
    // "19:00-07:00, 12:00-13:30": each window as typed, for the rules' reader to check.
    QJsonArray windows;
    for (const QString& w : m_windows->text().split(',', Qt::SkipEmptyParts)) {
        if (w.trimmed().isEmpty()) continue;
        const QStringList ends = w.split('-');
        windows.append(QJsonObject{{"from", ends.value(0).trimmed()}, {"to", ends.size() == 2 ? ends.value(1).trimmed() : w.trimmed()}});
    }
    return QJsonObject{{"name", m_name->text().trimmed()},
                       {"when", QJsonObject{{"modalities", listOf(m_modalities->text())}, {"senders", listOf(m_senders->text())}}},
                       {"current", m_current->isChecked()},
                       {"priors", m_priors->value()},
                       {"maxAgeYears", m_maxAge->value()},
                       {"match", match},
                       {"relatedProcedures", related},
                       {"leadHours", m_leadHours->value()},
                       {"windows", windows},
                       {"maxBytesPerSecond", double(m_bandwidth->value())}};
}

void PrefetchRuleForm::setEditable(bool editable) { setEnabled(editable); }

}  // namespace lightbox::app
