#pragma once
// A small parser for "command [positional...] [--option value] [--flag]" command lines.
#include <QString>
#include <QStringList>

#include <optional>

namespace lightbox::app {

class CliArgs {
public:
    // valueOptions: options that take a value (e.g. "--out"); flags take none.
    CliArgs(const QStringList& args, const QStringList& valueOptions, const QStringList& flags);

    bool ok() const { return m_error.isEmpty(); }
    const QString& error() const { return m_error; }
    const QStringList& positional() const { return m_positional; }
    std::optional<QString> value(const QString& option) const;
    QStringList values(const QString& option) const;
    bool flag(const QString& flag) const { return m_flags.contains(flag); }

private:
    QStringList m_positional;
    QList<QPair<QString, QString>> m_values;
    QStringList m_flags;
    QString m_error;
};

}  // namespace lightbox::app
