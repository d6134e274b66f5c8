#include "hl7_timestamp.h"

#include <QTimeZone>

#include <cctype>
#include <optional>
#include <string>

namespace lightbox::net {
namespace {

bool digits(std::string_view s)
{
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

int num(std::string_view s, std::size_t at, std::size_t len, int missing)
{
    if (at + len > s.size()) return missing;
    return std::stoi(std::string(s.substr(at, len)));
}

}  // namespace

Result<QDateTime> parseHl7Timestamp(std::string_view text)
{
    const Error bad = makeError("bad-timestamp", "not an HL7 time stamp: " + std::string(text));
    std::string_view body = text;
    std::optional<int> offsetSeconds;
    if (const std::size_t sign = body.find_first_of("+-"); sign != std::string_view::npos) {
        const std::string_view zone = body.substr(sign + 1);
        if (zone.size() != 4 || !digits(zone)) return bad;
        const int hours = num(zone, 0, 2, 0), minutes = num(zone, 2, 2, 0);
        if (hours > 14 || minutes > 59) return bad;
        offsetSeconds = (body[sign] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
        body = body.substr(0, sign);
    }
    std::string_view fraction;
    if (const std::size_t dot = body.find('.'); dot != std::string_view::npos) {
        fraction = body.substr(dot + 1);
        body = body.substr(0, dot);
        // A fraction belongs to the seconds only: 1 to 4 digits after YYYYMMDDHHMMSS.
        if (body.size() != 14 || fraction.empty() || fraction.size() > 4 || !digits(fraction)) return bad;
    }
    if (!digits(body) || body.size() < 4 || body.size() > 14 || body.size() % 2) return bad;

    const QDate date(num(body, 0, 4, 0), num(body, 4, 2, 1), num(body, 6, 2, 1));
    int ms = 0;
    if (!fraction.empty()) ms = std::stoi((std::string(fraction) + "000").substr(0, 3));
    const QTime time(num(body, 8, 2, 0), num(body, 10, 2, 0), num(body, 12, 2, 0), ms);
    if (!date.isValid() || !time.isValid()) return bad;
    return offsetSeconds ? QDateTime(date, time, QTimeZone(*offsetSeconds)) : QDateTime(date, time, Qt::LocalTime);
}

}  // namespace lightbox::net
