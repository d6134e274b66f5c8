#pragma once
// One DICOM audit message (PS3.15 A.5, the schema of A.5.1): the event, who took part, the
// machine that reports it, and the objects (patient, study, query, audit log, user) concerned.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lightbox::security {

struct AuditCode {
    std::string code, system, meaning;  // csd-code, codeSystemName, originalText
};

struct AuditParticipant {
    std::string userId, alternativeUserId, userName;
    bool requestor = false;
    std::string networkAccessPointId;  // host name or IP address
    int networkAccessPointType = 1;    // 1 machine name, 2 IP address
    std::vector<AuditCode> roles;
};

struct AuditObject {
    std::string id;
    int type = 2;      // 1 person, 2 system object, 3 organisation, 4 other
    int role = 3;      // 1 patient, 3 report, 11 security user entity, 13 security resource, 24 query
    std::optional<int> lifeCycle;  // 1 origination, 6 access/use, 9 export, 14 logical deletion...
    AuditCode idType;
    std::string name;              // ParticipantObjectName
    std::string queryBase64;       // ParticipantObjectQuery (instead of a name)
    std::vector<std::pair<std::string, std::string>> details;  // ParticipantObjectDetail (type, value)
    std::string description;
};

struct AuditMessage {
    AuditCode eventId;
    std::string action;       // C, R, U, D, E
    std::string dateTime;     // UTC, xsd:dateTime
    int outcome = 0;          // 0 success, 4 minor failure, 8 serious failure, 12 major failure
    std::string outcomeDescription;
    std::vector<AuditCode> eventTypes;
    std::vector<AuditParticipant> participants;
    std::string sourceId, enterpriseSiteId;
    std::vector<AuditObject> objects;

    std::string toXml() const;
};

}  // namespace lightbox::security
