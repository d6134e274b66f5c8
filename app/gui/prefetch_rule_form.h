#pragma once
// The fields of one prefetch rule (prefetch_rules.h): which orders it applies to, what it fetches
// (the current study, how many priors, how old, what makes them relevant, the table of related
// procedure codes) and when (lead time, time windows, bandwidth). It shows and gives a rule as
// its JSON object, so that what a person typed, valid or not, is kept until it is checked by the
// rules' own reader when the dialog saves.
#include <QJsonObject>
#include <QWidget>

class QCheckBox;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace lightbox::app {

class PrefetchRuleForm : public QWidget {
    Q_OBJECT
public:
    explicit PrefetchRuleForm(QWidget* parent = nullptr);

    void show(const QJsonObject& rule);
    QJsonObject rule() const;
    void setEditable(bool editable);

signals:
    void nameEdited(const QString& name);

private:
    QWidget* buildMatching();
    QWidget* buildProcedures();
    void addProcedureRow(const QString& code, const QString& related);

    QLineEdit *m_name, *m_modalities, *m_senders, *m_windows;
    QCheckBox *m_current, *m_sameModality, *m_sameBodyPart, *m_relatedProcedure;
    QSpinBox *m_priors, *m_maxAge, *m_leadHours, *m_bandwidth;
    QTableWidget* m_procedures = nullptr;
    QPushButton *m_addProcedure = nullptr, *m_removeProcedure = nullptr;
};

}  // namespace lightbox::app
