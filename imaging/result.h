#pragma once
// A value or an error, carried across library boundaries (see STYLE.md).
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace lightbox {

struct Error {
    std::string code;     // short machine-readable code, e.g. "not-dicom", "truncated"
    std::string message;  // one line for people
};

template <class T>
class Result {
public:
    Result(T value) : m_v(std::move(value)) {}
    Result(Error error) : m_v(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_v); }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<T>(m_v); }
    const T& value() const& { return std::get<T>(m_v); }
    T&& value() && { return std::get<T>(std::move(m_v)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<Error>(m_v); }

private:
    std::variant<T, Error> m_v;
};

// For operations that return nothing but may fail.
struct Done {};
using Status = Result<Done>;

inline Error makeError(std::string code, std::string message)
{
    return Error{std::move(code), std::move(message)};
}

}  // namespace lightbox
