//! Every EMM and ESM message type of TS 24.301 (clause 9.8) and the names of coded values,
//! in one place. Names are the ones common analysis tools print, so reports line up with them.

/// EMM message types (TS 24.301 table 9.8.1).
pub mod emm {
    /// Attach request.
    pub const ATTACH_REQUEST: u8 = 0x41;
    /// Attach accept.
    pub const ATTACH_ACCEPT: u8 = 0x42;
    /// Attach complete.
    pub const ATTACH_COMPLETE: u8 = 0x43;
    /// Attach reject.
    pub const ATTACH_REJECT: u8 = 0x44;
    /// Detach request (both directions).
    pub const DETACH_REQUEST: u8 = 0x45;
    /// Detach accept.
    pub const DETACH_ACCEPT: u8 = 0x46;
    /// Tracking area update request.
    pub const TRACKING_AREA_UPDATE_REQUEST: u8 = 0x48;
    /// Tracking area update accept.
    pub const TRACKING_AREA_UPDATE_ACCEPT: u8 = 0x49;
    /// Tracking area update complete.
    pub const TRACKING_AREA_UPDATE_COMPLETE: u8 = 0x4a;
    /// Tracking area update reject.
    pub const TRACKING_AREA_UPDATE_REJECT: u8 = 0x4b;
    /// Extended service request.
    pub const EXTENDED_SERVICE_REQUEST: u8 = 0x4c;
    /// Control plane service request.
    pub const CONTROL_PLANE_SERVICE_REQUEST: u8 = 0x4d;
    /// Service reject.
    pub const SERVICE_REJECT: u8 = 0x4e;
    /// Service accept.
    pub const SERVICE_ACCEPT: u8 = 0x4f;
    /// GUTI reallocation command.
    pub const GUTI_REALLOCATION_COMMAND: u8 = 0x50;
    /// GUTI reallocation complete.
    pub const GUTI_REALLOCATION_COMPLETE: u8 = 0x51;
    /// Authentication request.
    pub const AUTHENTICATION_REQUEST: u8 = 0x52;
    /// Authentication response.
    pub const AUTHENTICATION_RESPONSE: u8 = 0x53;
    /// Authentication reject.
    pub const AUTHENTICATION_REJECT: u8 = 0x54;
    /// Identity request.
    pub const IDENTITY_REQUEST: u8 = 0x55;
    /// Identity response.
    pub const IDENTITY_RESPONSE: u8 = 0x56;
    /// Authentication failure.
    pub const AUTHENTICATION_FAILURE: u8 = 0x5c;
    /// Security mode command.
    pub const SECURITY_MODE_COMMAND: u8 = 0x5d;
    /// Security mode complete.
    pub const SECURITY_MODE_COMPLETE: u8 = 0x5e;
    /// Security mode reject.
    pub const SECURITY_MODE_REJECT: u8 = 0x5f;
    /// EMM status.
    pub const EMM_STATUS: u8 = 0x60;
    /// EMM information.
    pub const EMM_INFORMATION: u8 = 0x61;
    /// Downlink NAS transport.
    pub const DOWNLINK_NAS_TRANSPORT: u8 = 0x62;
    /// Uplink NAS transport.
    pub const UPLINK_NAS_TRANSPORT: u8 = 0x63;
    /// CS service notification.
    pub const CS_SERVICE_NOTIFICATION: u8 = 0x64;
    /// Downlink generic NAS transport.
    pub const DOWNLINK_GENERIC_NAS_TRANSPORT: u8 = 0x68;
    /// Uplink generic NAS transport.
    pub const UPLINK_GENERIC_NAS_TRANSPORT: u8 = 0x69;

    /// Every EMM message type with its name.
    pub const MESSAGES: &[(u8, &str)] = &[
        (ATTACH_REQUEST, "Attach request"),
        (ATTACH_ACCEPT, "Attach accept"),
        (ATTACH_COMPLETE, "Attach complete"),
        (ATTACH_REJECT, "Attach reject"),
        (DETACH_REQUEST, "Detach request"),
        (DETACH_ACCEPT, "Detach accept"),
        (TRACKING_AREA_UPDATE_REQUEST, "Tracking area update request"),
        (TRACKING_AREA_UPDATE_ACCEPT, "Tracking area update accept"),
        (
            TRACKING_AREA_UPDATE_COMPLETE,
            "Tracking area update complete",
        ),
        (TRACKING_AREA_UPDATE_REJECT, "Tracking area update reject"),
        (EXTENDED_SERVICE_REQUEST, "Extended service request"),
        (
            CONTROL_PLANE_SERVICE_REQUEST,
            "Control plane service request",
        ),
        (SERVICE_REJECT, "Service reject"),
        (SERVICE_ACCEPT, "Service accept"),
        (GUTI_REALLOCATION_COMMAND, "GUTI reallocation command"),
        (GUTI_REALLOCATION_COMPLETE, "GUTI reallocation complete"),
        (AUTHENTICATION_REQUEST, "Authentication request"),
        (AUTHENTICATION_RESPONSE, "Authentication response"),
        (AUTHENTICATION_REJECT, "Authentication reject"),
        (IDENTITY_REQUEST, "Identity request"),
        (IDENTITY_RESPONSE, "Identity response"),
        (AUTHENTICATION_FAILURE, "Authentication failure"),
        (SECURITY_MODE_COMMAND, "Security mode command"),
        (SECURITY_MODE_COMPLETE, "Security mode complete"),
        (SECURITY_MODE_REJECT, "Security mode reject"),
        (EMM_STATUS, "EMM status"),
        (EMM_INFORMATION, "EMM information"),
        (DOWNLINK_NAS_TRANSPORT, "Downlink NAS transport"),
        (UPLINK_NAS_TRANSPORT, "Uplink NAS transport"),
        (CS_SERVICE_NOTIFICATION, "CS service notification"),
        (
            DOWNLINK_GENERIC_NAS_TRANSPORT,
            "Downlink generic NAS transport",
        ),
        (UPLINK_GENERIC_NAS_TRANSPORT, "Uplink generic NAS transport"),
    ];
}

/// ESM message types (TS 24.301 table 9.8.2).
pub mod esm {
    /// Activate default EPS bearer context request.
    pub const ACTIVATE_DEFAULT_EPS_BEARER_CONTEXT_REQUEST: u8 = 0xc1;
    /// Activate default EPS bearer context accept.
    pub const ACTIVATE_DEFAULT_EPS_BEARER_CONTEXT_ACCEPT: u8 = 0xc2;
    /// Activate default EPS bearer context reject.
    pub const ACTIVATE_DEFAULT_EPS_BEARER_CONTEXT_REJECT: u8 = 0xc3;
    /// Activate dedicated EPS bearer context request.
    pub const ACTIVATE_DEDICATED_EPS_BEARER_CONTEXT_REQUEST: u8 = 0xc5;
    /// Activate dedicated EPS bearer context accept.
    pub const ACTIVATE_DEDICATED_EPS_BEARER_CONTEXT_ACCEPT: u8 = 0xc6;
    /// Activate dedicated EPS bearer context reject.
    pub const ACTIVATE_DEDICATED_EPS_BEARER_CONTEXT_REJECT: u8 = 0xc7;
    /// Modify EPS bearer context request.
    pub const MODIFY_EPS_BEARER_CONTEXT_REQUEST: u8 = 0xc9;
    /// Modify EPS bearer context accept.
    pub const MODIFY_EPS_BEARER_CONTEXT_ACCEPT: u8 = 0xca;
    /// Modify EPS bearer context reject.
    pub const MODIFY_EPS_BEARER_CONTEXT_REJECT: u8 = 0xcb;
    /// Deactivate EPS bearer context request.
    pub const DEACTIVATE_EPS_BEARER_CONTEXT_REQUEST: u8 = 0xcd;
    /// Deactivate EPS bearer context accept.
    pub const DEACTIVATE_EPS_BEARER_CONTEXT_ACCEPT: u8 = 0xce;
    /// PDN connectivity request.
    pub const PDN_CONNECTIVITY_REQUEST: u8 = 0xd0;
    /// PDN connectivity reject.
    pub const PDN_CONNECTIVITY_REJECT: u8 = 0xd1;
    /// PDN disconnect request.
    pub const PDN_DISCONNECT_REQUEST: u8 = 0xd2;
    /// PDN disconnect reject.
    pub const PDN_DISCONNECT_REJECT: u8 = 0xd3;
    /// Bearer resource allocation request.
    pub const BEARER_RESOURCE_ALLOCATION_REQUEST: u8 = 0xd4;
    /// Bearer resource allocation reject.
    pub const BEARER_RESOURCE_ALLOCATION_REJECT: u8 = 0xd5;
    /// Bearer resource modification request.
    pub const BEARER_RESOURCE_MODIFICATION_REQUEST: u8 = 0xd6;
    /// Bearer resource modification reject.
    pub const BEARER_RESOURCE_MODIFICATION_REJECT: u8 = 0xd7;
    /// ESM information request.
    pub const ESM_INFORMATION_REQUEST: u8 = 0xd9;
    /// ESM information response.
    pub const ESM_INFORMATION_RESPONSE: u8 = 0xda;
    /// Notification.
    pub const NOTIFICATION: u8 = 0xdb;
    /// ESM dummy message.
    pub const ESM_DUMMY_MESSAGE: u8 = 0xdc;
    /// ESM status.
    pub const ESM_STATUS: u8 = 0xe8;
    /// Remote UE report.
    pub const REMOTE_UE_REPORT: u8 = 0xe9;
    /// Remote UE report response.
    pub const REMOTE_UE_REPORT_RESPONSE: u8 = 0xea;
    /// ESM data transport.
    pub const ESM_DATA_TRANSPORT: u8 = 0xeb;

    /// Every ESM message type with its name.
    pub const MESSAGES: &[(u8, &str)] = &[
        (
            ACTIVATE_DEFAULT_EPS_BEARER_CONTEXT_REQUEST,
            "Activate default EPS bearer context request",
        ),
        (
            ACTIVATE_DEFAULT_EPS_BEARER_CONTEXT_ACCEPT,
            "Activate default EPS bearer context accept",
        ),
        (
            ACTIVATE_DEFAULT_EPS_BEARER_CONTEXT_REJECT,
            "Activate default EPS bearer context reject",
        ),
        (
            ACTIVATE_DEDICATED_EPS_BEARER_CONTEXT_REQUEST,
            "Activate dedicated EPS bearer context request",
        ),
        (
            ACTIVATE_DEDICATED_EPS_BEARER_CONTEXT_ACCEPT,
            "Activate dedicated EPS bearer context accept",
        ),
        (
            ACTIVATE_DEDICATED_EPS_BEARER_CONTEXT_REJECT,
            "Activate dedicated EPS bearer context reject",
        ),
        (
            MODIFY_EPS_BEARER_CONTEXT_REQUEST,
            "Modify EPS bearer context request",
        ),
        (
            MODIFY_EPS_BEARER_CONTEXT_ACCEPT,
            "Modify EPS bearer context accept",
        ),
        (
            MODIFY_EPS_BEARER_CONTEXT_REJECT,
            "Modify EPS bearer context reject",
        ),
        (
            DEACTIVATE_EPS_BEARER_CONTEXT_REQUEST,
            "Deactivate EPS bearer context request",
        ),
        (
            DEACTIVATE_EPS_BEARER_CONTEXT_ACCEPT,
            "Deactivate EPS bearer context accept",
        ),
        (PDN_CONNECTIVITY_REQUEST, "PDN connectivity request"),
        (PDN_CONNECTIVITY_REJECT, "PDN connectivity reject"),
        (PDN_DISCONNECT_REQUEST, "PDN disconnect request"),
        (PDN_DISCONNECT_REJECT, "PDN disconnect reject"),
        (
            BEARER_RESOURCE_ALLOCATION_REQUEST,
            "Bearer resource allocation request",
        ),
        (
            BEARER_RESOURCE_ALLOCATION_REJECT,
            "Bearer resource allocation reject",
        ),
        (
            BEARER_RESOURCE_MODIFICATION_REQUEST,
            "Bearer resource modification request",
        ),
        (
            BEARER_RESOURCE_MODIFICATION_REJECT,
            "Bearer resource modification reject",
        ),
        (ESM_INFORMATION_REQUEST, "ESM information request"),
        (ESM_INFORMATION_RESPONSE, "ESM information response"),
        (NOTIFICATION, "Notification"),
        (ESM_DUMMY_MESSAGE, "ESM dummy message"),
        (ESM_STATUS, "ESM status"),
        (REMOTE_UE_REPORT, "Remote UE report"),
        (REMOTE_UE_REPORT_RESPONSE, "Remote UE report response"),
        (ESM_DATA_TRANSPORT, "ESM data transport"),
    ];
}

/// Name of a message in the service request security header format (TS 24.301 9.3.1).
pub const SERVICE_REQUEST_NAME: &str = "Service request";
/// Name given to a message whose body is ciphered and so cannot be read.
pub const CIPHERED_MESSAGE_NAME: &str = "Ciphered message";
/// Name given when the message type is not one TS 24.301 defines (or cannot be read).
pub const UNKNOWN_NAME: &str = "Unknown";

fn lookup(table: &'static [(u8, &'static str)], value: u8) -> Option<&'static str> {
    table.iter().find(|(v, _)| *v == value).map(|(_, n)| *n)
}

/// Name of an EMM message type, if defined.
pub fn emm_message_name(message_type: u8) -> Option<&'static str> {
    lookup(emm::MESSAGES, message_type)
}

/// Name of an ESM message type, if defined.
pub fn esm_message_name(message_type: u8) -> Option<&'static str> {
    lookup(esm::MESSAGES, message_type)
}

/// EMM cause values (TS 24.301 9.9.3.9).
const EMM_CAUSES: &[(u8, &str)] = &[
    (2, "IMSI unknown in HSS"),
    (3, "Illegal UE"),
    (5, "IMEI not accepted"),
    (6, "Illegal ME"),
    (7, "EPS services not allowed"),
    (8, "EPS services and non-EPS services not allowed"),
    (9, "UE identity cannot be derived by the network"),
    (10, "Implicitly detached"),
    (11, "PLMN not allowed"),
    (12, "Tracking Area not allowed"),
    (13, "Roaming not allowed in this tracking area"),
    (14, "EPS services not allowed in this PLMN"),
    (15, "No Suitable Cells In tracking area"),
    (16, "MSC temporarily not reachable"),
    (17, "Network failure"),
    (18, "CS domain not available"),
    (19, "ESM failure"),
    (20, "MAC failure"),
    (21, "Synch failure"),
    (22, "Congestion"),
    (23, "UE security capabilities mismatch"),
    (24, "Security mode rejected, unspecified"),
    (25, "Not authorized for this CSG"),
    (26, "Non-EPS authentication unacceptable"),
    (31, "Redirection to 5GCN required"),
    (35, "Requested service option not authorized in this PLMN"),
    (39, "CS service temporarily not available"),
    (40, "No EPS bearer context activated"),
    (42, "Severe network failure"),
    (95, "Semantically incorrect message"),
    (96, "Invalid mandatory information"),
    (97, "Message type non-existent or not implemented"),
    (98, "Message type not compatible with the protocol state"),
    (99, "Information element non-existent or not implemented"),
    (100, "Conditional IE error"),
    (101, "Message not compatible with the protocol state"),
    (111, "Protocol error, unspecified"),
];

/// ESM cause values (TS 24.301 9.9.4.4).
const ESM_CAUSES: &[(u8, &str)] = &[
    (8, "Operator Determined Barring"),
    (26, "Insufficient resources"),
    (27, "Missing or unknown APN"),
    (28, "Unknown PDN type"),
    (29, "User authentication failed"),
    (30, "Request rejected by Serving GW or PDN GW"),
    (31, "Request rejected, unspecified"),
    (32, "Service option not supported"),
    (33, "Requested service option not subscribed"),
    (34, "Service option temporarily out of order"),
    (35, "PTI already in use"),
    (36, "Regular deactivation"),
    (37, "EPS QoS not accepted"),
    (38, "Network failure"),
    (39, "Reactivation requested"),
    (41, "Semantic error in the TFT operation"),
    (42, "Syntactical error in the TFT operation"),
    (43, "Invalid EPS bearer identity"),
    (44, "Semantic errors in packet filter(s)"),
    (45, "Syntactical errors in packet filter(s)"),
    (46, "Unused"),
    (47, "PTI mismatch"),
    (49, "Last PDN disconnection not allowed"),
    (50, "PDN type IPv4 only allowed"),
    (51, "PDN type IPv6 only allowed"),
    (52, "Single address bearers only allowed"),
    (53, "ESM information not received"),
    (54, "PDN connection does not exist"),
    (55, "Multiple PDN connections for a given APN not allowed"),
    (56, "Collision with network initiated request"),
    (57, "PDN type IPv4v6 only allowed"),
    (58, "PDN type non IP only allowed"),
    (59, "Unsupported QCI value"),
    (60, "Bearer handling not supported"),
    (61, "PDN type Ethernet only allowed"),
    (65, "Maximum number of EPS bearers reached"),
    (
        66,
        "Requested APN not supported in current RAT and PLMN combination",
    ),
    (81, "Invalid PTI value"),
    (95, "Semantically incorrect message"),
    (96, "Invalid mandatory information"),
    (97, "Message type non-existent or not implemented"),
    (98, "Message type not compatible with the protocol state"),
    (99, "Information element non-existent or not implemented"),
    (100, "Conditional IE error"),
    (101, "Message not compatible with the protocol state"),
    (111, "Protocol error, unspecified"),
    (
        112,
        "APN restriction value incompatible with active EPS bearer context",
    ),
    (113, "Multiple accesses to a PDN connection not allowed"),
];

/// Name of an EMM cause; unknown values read "Unknown".
pub fn emm_cause_name(value: u8) -> &'static str {
    lookup(EMM_CAUSES, value).unwrap_or(UNKNOWN_NAME)
}

/// Name of an ESM cause; unknown values read "Unknown".
pub fn esm_cause_name(value: u8) -> &'static str {
    lookup(ESM_CAUSES, value).unwrap_or(UNKNOWN_NAME)
}

/// EPS attach type (TS 24.301 9.9.3.11).
pub fn attach_type_name(value: u8) -> &'static str {
    match value & 0x07 {
        1 => "EPS attach",
        2 => "Combined EPS/IMSI attach",
        3 => "EPS RLOS attach",
        6 => "EPS emergency attach",
        7 => "Reserved",
        // Values 0, 4 and 5 are unused and read as "EPS attach" by the network.
        _ => "EPS attach(unused)",
    }
}

/// EPS attach result (TS 24.301 9.9.3.10).
pub fn attach_result_name(value: u8) -> &'static str {
    match value & 0x07 {
        1 => "EPS only",
        2 => "Combined EPS/IMSI attach",
        _ => "reserved",
    }
}

/// EPS update type (TS 24.301 9.9.3.14).
pub fn update_type_name(value: u8) -> &'static str {
    match value & 0x07 {
        0 => "TA updating",
        1 => "Combined TA/LA updating",
        2 => "Combined TA/LA updating with IMSI attach",
        3 => "Periodic updating",
        4 | 5 => "Unused; shall be interpreted as 'TA updating', if received by the network",
        _ => "Reserved",
    }
}

/// EPS update result (TS 24.301 9.9.3.13).
pub fn update_result_name(value: u8) -> &'static str {
    match value & 0x07 {
        0 => "TA updated",
        1 => "Combined TA/LA updated",
        4 => "TA updated and ISR activated",
        5 => "Combined TA/LA updated and ISR activated",
        _ => "Reserved",
    }
}

/// Detach type sent by the UE (TS 24.301 9.9.3.7, mobile originating).
pub fn detach_type_uplink_name(value: u8) -> &'static str {
    match value & 0x07 {
        1 => "EPS detach",
        2 => "IMSI detach",
        3..=5 => "Combined EPS/IMSI detach",
        // Value 0 is reserved; 6 and 7 too.
        _ => "Reserved",
    }
}

/// Detach type sent by the network (TS 24.301 9.9.3.7, mobile terminating).
pub fn detach_type_downlink_name(value: u8) -> &'static str {
    match value & 0x07 {
        1 => "Re-attach required",
        2 | 4 | 5 => "Re-attach not required",
        3 => "IMSI detach",
        _ => "Reserved",
    }
}

/// Name of an EPS encryption algorithm number (0 is the null cipher).
pub fn eea_name(value: u8) -> &'static str {
    match value & 0x07 {
        0 => "EEA0",
        1 => "128-EEA1",
        2 => "128-EEA2",
        3 => "128-EEA3",
        4 => "EEA4",
        5 => "EEA5",
        6 => "EEA6",
        _ => "EEA7",
    }
}

/// Name of an EPS integrity algorithm number (0 is null integrity).
pub fn eia_name(value: u8) -> &'static str {
    match value & 0x07 {
        0 => "EIA0",
        1 => "128-EIA1",
        2 => "128-EIA2",
        3 => "128-EIA3",
        4 => "EIA4",
        5 => "EIA5",
        6 => "EIA6",
        _ => "EIA7",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_tables_have_unique_types_and_names() {
        for table in [emm::MESSAGES, esm::MESSAGES] {
            for (i, (t, n)) in table.iter().enumerate() {
                for (t2, n2) in table.iter().skip(i + 1) {
                    assert_ne!(t, t2, "duplicate type {t:#x}");
                    assert_ne!(n, n2, "duplicate name {n}");
                }
            }
        }
        assert_eq!(emm::MESSAGES.len(), 32);
        assert_eq!(esm::MESSAGES.len(), 27);
    }

    #[test]
    fn names_of_known_values() {
        assert_eq!(emm_message_name(0x55), Some("Identity request"));
        assert_eq!(emm_message_name(0x57), None);
        assert_eq!(esm_message_name(0xdc), Some("ESM dummy message"));
        assert_eq!(emm_cause_name(15), "No Suitable Cells In tracking area");
        assert_eq!(emm_cause_name(200), "Unknown");
        assert_eq!(esm_cause_name(27), "Missing or unknown APN");
        assert_eq!(detach_type_uplink_name(3), "Combined EPS/IMSI detach");
    }
}
