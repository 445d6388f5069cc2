//! Mobility management (MM, GMM) of TS 24.008: identities, authentication, ciphering,
//! location and routing area updates and their rejects; names of CC, SM and SS messages.

use stingwatch_nas::reader::{Reader, Truncated};

use crate::{
    default_ie_format, identity_kind, mobile_identity, optional_ies, Ciphering, GsmFields,
    IeFormat, Lai,
};

/// MM message names (TS 24.008 10.4, table 10.2).
pub(crate) fn mm_name(mt: u8) -> Option<&'static str> {
    Some(match mt {
        0x01 => "IMSI Detach Indication",
        0x02 => "Location Updating Accept",
        0x04 => "Location Updating Reject",
        0x08 => "Location Updating Request",
        0x11 => "Authentication Reject",
        0x12 => "Authentication Request",
        0x14 => "Authentication Response",
        0x1c => "Authentication Failure",
        0x18 => "Identity Request",
        0x19 => "Identity Response",
        0x1a => "TMSI Reallocation Command",
        0x1b => "TMSI Reallocation Complete",
        0x21 => "CM Service Accept",
        0x22 => "CM Service Reject",
        0x23 => "CM Service Abort",
        0x24 => "CM Service Request",
        0x25 => "CM Service Prompt",
        0x28 => "CM Re-establishment Request",
        0x29 => "Abort",
        0x30 => "MM Null",
        0x31 => "MM Status",
        0x32 => "MM Information",
        _ => return None,
    })
}

/// GMM message names (TS 24.008 10.4, table 10.3).
pub(crate) fn gmm_name(mt: u8) -> Option<&'static str> {
    Some(match mt {
        0x01 => "Attach Request",
        0x02 => "Attach Accept",
        0x03 => "Attach Complete",
        0x04 => "Attach Reject",
        0x05 => "Detach Request",
        0x06 => "Detach Accept",
        0x08 => "Routing Area Update Request",
        0x09 => "Routing Area Update Accept",
        0x0a => "Routing Area Update Complete",
        0x0b => "Routing Area Update Reject",
        0x0c => "Service Request",
        0x0d => "Service Accept",
        0x0e => "Service Reject",
        0x10 => "P-TMSI Reallocation Command",
        0x11 => "P-TMSI Reallocation Complete",
        0x12 => "Authentication and Ciphering Request",
        0x13 => "Authentication and Ciphering Response",
        0x14 => "Authentication and Ciphering Reject",
        0x1c => "Authentication and Ciphering Failure",
        0x15 => "Identity Request",
        0x16 => "Identity Response",
        0x20 => "GMM Status",
        0x21 => "GMM Information",
        _ => return None,
    })
}

/// CC message names (TS 24.008 10.4, table 10.3).
pub(crate) fn cc_name(mt: u8) -> Option<&'static str> {
    Some(match mt {
        0x01 => "Alerting",
        0x02 => "Call Proceeding",
        0x03 => "Progress",
        0x04 => "CC-Establishment",
        0x05 => "Setup",
        0x06 => "CC-Establishment Confirmed",
        0x07 => "Connect",
        0x08 => "Call Confirmed",
        0x09 => "Start CC",
        0x0b => "Recall",
        0x0e => "Emergency Setup",
        0x0f => "Connect Acknowledge",
        0x10 => "User Information",
        0x13 => "Modify Reject",
        0x17 => "Modify",
        0x18 => "Hold",
        0x19 => "Hold Acknowledge",
        0x1a => "Hold Reject",
        0x1c => "Retrieve",
        0x1d => "Retrieve Acknowledge",
        0x1e => "Retrieve Reject",
        0x1f => "Modify Complete",
        0x25 => "Disconnect",
        0x2a => "Release Complete",
        0x2d => "Release",
        0x31 => "Stop DTMF",
        0x32 => "Stop DTMF Acknowledge",
        0x34 => "Status Enquiry",
        0x35 => "Start DTMF",
        0x36 => "Start DTMF Acknowledge",
        0x37 => "Start DTMF Reject",
        0x39 => "Congestion Control",
        0x3a => "Facility",
        0x3d => "Status",
        0x3e => "Notify",
        _ => return None,
    })
}

/// GPRS SM message names (TS 24.008 10.4, table 10.4).
pub(crate) fn sm_name(mt: u8) -> Option<&'static str> {
    Some(match mt {
        0x41 => "Activate PDP Context Request",
        0x42 => "Activate PDP Context Accept",
        0x43 => "Activate PDP Context Reject",
        0x44 => "Request PDP Context Activation",
        0x45 => "Request PDP Context Activation Rejection",
        0x46 => "Deactivate PDP Context Request",
        0x47 => "Deactivate PDP Context Accept",
        0x48 => "Modify PDP Context Request (network to MS)",
        0x49 => "Modify PDP Context Accept (MS to network)",
        0x4a => "Modify PDP Context Request (MS to network)",
        0x4b => "Modify PDP Context Accept (network to MS)",
        0x4c => "Modify PDP Context Reject",
        0x4d => "Activate Secondary PDP Context Request",
        0x4e => "Activate Secondary PDP Context Accept",
        0x4f => "Activate Secondary PDP Context Reject",
        0x55 => "SM Status",
        _ => return None,
    })
}

/// SS message names (TS 24.080 3.2).
pub(crate) fn ss_name(mt: u8) -> Option<&'static str> {
    Some(match mt {
        0x2a => "Release Complete",
        0x3a => "Facility",
        0x3b => "Register",
        _ => return None,
    })
}

fn at(what: &'static str) -> impl Fn(Truncated) -> String {
    move |e| format!("{what}: {e}")
}

/// Read the fields of MM message `mt` after its header.
pub(crate) fn decode_mm(mt: u8, r: &mut Reader<'_>, f: &mut GsmFields) -> Result<(), String> {
    match mt {
        // Location Updating Request: LU type + key sequence, LAI, classmark 1, identity (LV).
        0x08 => {
            let b = r.u8().map_err(at("location updating type"))?;
            f.request_type = Some(b & 0x03);
            f.lai = Some(Lai::parse(r)?);
            r.u8().map_err(at("classmark 1"))?;
            let id = r.lv().map_err(at("mobile identity"))?;
            f.mobile_identity = Some(mobile_identity(id)?);
        }
        // Location Updating Accept: LAI, optional mobile identity (0x17).
        0x02 => {
            f.lai = Some(Lai::parse(r)?);
            optional_ies(r, lu_accept_ie, |iei, v| {
                if iei == 0x17 {
                    f.mobile_identity = Some(mobile_identity(v)?);
                }
                Ok(())
            })?;
        }
        // Location Updating Reject, CM Service Reject, Abort: a reject cause.
        0x04 | 0x22 | 0x29 => {
            f.reject_cause = Some(r.u8().map_err(at("reject cause"))?);
        }
        // Authentication Request: key sequence, RAND (16), optional AUTN (TLV 0x20).
        0x12 => {
            r.u8().map_err(at("key sequence"))?;
            r.take(16).map_err(at("RAND"))?;
            f.challenge = Some(true);
            let mut proof = false;
            optional_ies(r, default_ie_format, |iei, _| {
                proof |= iei == 0x20;
                Ok(())
            })?;
            f.network_proof = Some(proof);
        }
        // Identity Request: identity type in bits 1-3.
        0x18 => {
            let b = r.u8().map_err(at("identity type"))?;
            f.identity_requested = Some(identity_kind(b));
        }
        // Identity Response: mobile identity (LV).
        0x19 => {
            let id = r.lv().map_err(at("mobile identity"))?;
            f.mobile_identity = Some(mobile_identity(id)?);
        }
        // TMSI Reallocation Command: LAI, mobile identity (LV).
        0x1a => {
            f.lai = Some(Lai::parse(r)?);
            let id = r.lv().map_err(at("mobile identity"))?;
            f.mobile_identity = Some(mobile_identity(id)?);
        }
        // CM Service Request: service type + key sequence, classmark 2 (LV), identity (LV).
        0x24 => {
            let b = r.u8().map_err(at("CM service type"))?;
            f.request_type = Some(b & 0x0f);
            r.lv().map_err(at("classmark 2"))?;
            let id = r.lv().map_err(at("mobile identity"))?;
            f.mobile_identity = Some(mobile_identity(id)?);
        }
        // IMSI Detach Indication: classmark 1, identity (LV).
        0x01 => {
            r.u8().map_err(at("classmark 1"))?;
            let id = r.lv().map_err(at("mobile identity"))?;
            f.mobile_identity = Some(mobile_identity(id)?);
        }
        _ => {}
    }
    Ok(())
}

fn lu_accept_ie(iei: u8) -> IeFormat {
    match iei {
        0x17 | 0x4a | 0x2b => IeFormat::Tlv,
        0xa1 | 0xa2 => IeFormat::Half,
        _ if iei & 0x80 != 0 => IeFormat::Half,
        _ => IeFormat::Tlv,
    }
}

/// Read the fields of GMM message `mt` after its header.
pub(crate) fn decode_gmm(mt: u8, r: &mut Reader<'_>, f: &mut GsmFields) -> Result<(), String> {
    match mt {
        // Attach Request: MS network capability (LV), attach type + key sequence, DRX
        // parameter (2), mobile identity (LV), old RAI (6), ...
        0x01 => {
            r.lv().map_err(at("MS network capability"))?;
            let b = r.u8().map_err(at("attach type"))?;
            f.request_type = Some(b & 0x07);
            r.take(2).map_err(at("DRX parameter"))?;
            let id = r.lv().map_err(at("mobile identity"))?;
            f.mobile_identity = Some(mobile_identity(id)?);
            f.lai = Some(Lai::parse(r)?);
            f.rac = Some(r.u8().map_err(at("old routing area code"))?);
        }
        // Attach Accept: result + force to standby, periodic RA update timer, radio
        // priority, RAI (LAI + RAC).
        0x02 => {
            r.u8().map_err(at("attach result"))?;
            r.u8().map_err(at("periodic RA update timer"))?;
            r.u8().map_err(at("radio priority"))?;
            f.lai = Some(Lai::parse(r)?);
            f.rac = Some(r.u8().map_err(at("routing area code"))?);
        }
        // Attach Reject, Service Reject: GMM cause. RAU Reject: cause then force to standby.
        0x04 | 0x0e | 0x0b => {
            f.reject_cause = Some(r.u8().map_err(at("GMM cause"))?);
        }
        // Routing Area Update Request: update type + key sequence, old RAI, ...
        0x08 => {
            let b = r.u8().map_err(at("update type"))?;
            f.request_type = Some(b & 0x07);
            f.lai = Some(Lai::parse(r)?);
            f.rac = Some(r.u8().map_err(at("old routing area code"))?);
        }
        // Routing Area Update Accept: force to standby + update result, timer, RAI.
        0x09 => {
            r.u8().map_err(at("update result"))?;
            r.u8().map_err(at("periodic RA update timer"))?;
            f.lai = Some(Lai::parse(r)?);
            f.rac = Some(r.u8().map_err(at("routing area code"))?);
        }
        // Authentication and Ciphering Request: ciphering algorithm (bits 1-3) + IMEISV
        // request; force to standby + A&C reference; optional RAND (TV 0x21, 16).
        0x12 => {
            let b = r.u8().map_err(at("ciphering algorithm"))?;
            let gea = b & 0x07;
            f.ciphering = Some(Ciphering {
                start: gea != 0,
                algorithm: gea,
            });
            r.u8().map_err(at("A&C reference number"))?;
            f.challenge = Some(r.peek_u8() == Some(0x21));
            let mut proof = false;
            optional_ies(
                r,
                |iei| match iei {
                    0x21 => IeFormat::Tv(16),
                    _ => default_ie_format(iei),
                },
                |iei, _| {
                    proof |= iei == 0x28;
                    Ok(())
                },
            )?;
            f.network_proof = Some(proof);
        }
        // Identity Request: identity type 2 in bits 1-3, force to standby in bits 5-7.
        0x15 => {
            let b = r.u8().map_err(at("identity type"))?;
            f.identity_requested = Some(identity_kind(b));
        }
        // Identity Response: mobile identity (LV).
        0x16 => {
            let id = r.lv().map_err(at("mobile identity"))?;
            f.mobile_identity = Some(mobile_identity(id)?);
        }
        // Detach Request from the network carries a GMM cause (TV 0x25) after the type.
        0x05 => {
            r.u8().map_err(at("detach type"))?;
            optional_ies(
                r,
                |iei| match iei {
                    0x25 => IeFormat::Tv(1),
                    0x18 | 0x19 => IeFormat::Tlv,
                    _ => IeFormat::Unknown,
                },
                |iei, v| {
                    if iei == 0x25 {
                        f.reject_cause = v.first().copied();
                    }
                    Ok(())
                },
            )?;
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{decode_l3, IdentityKind, Protocol};

    #[test]
    fn location_updating_request_with_imsi() {
        // LU type 0 normal, LAI 262-01 LAC 0x1234, classmark 1, IMSI 262011234567890.
        let pdu = [
            0x05, 0x08, 0x70, 0x62, 0xf2, 0x10, 0x12, 0x34, 0x33, 0x08, 0x29, 0x26, 0x10, 0x21,
            0x43, 0x65, 0x87, 0x09,
        ];
        let m = decode_l3(&pdu);
        assert_eq!(m.protocol, Protocol::Mm);
        assert_eq!(m.name, "Location Updating Request");
        assert_eq!(m.error, None);
        let id = m.fields.mobile_identity.unwrap();
        assert_eq!(id.kind, IdentityKind::Imsi);
        assert_eq!(id.digits(), "262011234567890");
        let lai = m.fields.lai.unwrap();
        assert_eq!(lai.lac, 0x1234);
        assert_eq!(lai.plmn.mcc(), "262");
    }

    #[test]
    fn gmm_ciphering_algorithm_zero_is_no_ciphering() {
        // Authentication and Ciphering Request, GEA/0, with RAND.
        let mut pdu = vec![0x08, 0x12, 0x10, 0x00, 0x21];
        pdu.extend([0u8; 16]);
        let m = decode_l3(&pdu);
        let c = m.fields.ciphering.unwrap();
        assert!(!c.start);
        assert_eq!(c.algorithm, 0);
        assert_eq!(m.fields.challenge, Some(true));
    }

    #[test]
    fn reject_cause_is_read() {
        let m = decode_l3(&[0x05, 0x04, 0x0d]);
        assert_eq!(m.name, "Location Updating Reject");
        assert_eq!(m.fields.reject_cause, Some(13));
        let m = decode_l3(&[0x05, 0x04]);
        assert!(m.error.is_some());
    }
}
