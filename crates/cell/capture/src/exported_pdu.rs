//! Wireshark's exported-PDU encapsulation (link type 252), which phone-logging tools write
//! instead of GSMTAP: a list of tags, each a 16-bit type and a 16-bit length (big-endian)
//! and that many value octets, ended by tag 0; then the PDU. The dissector-name tag (12)
//! says which protocol reads the PDU, e.g. `lte-rrc.ul.dcch` or `nas-eps`.

use stingwatch_model::{Direction, LteRrcChannel, NrRrcChannel, PayloadKind, Rat, UmtsRrcChannel};

/// Link type of exported PDUs ("Wireshark Upper PDU export").
pub const LINKTYPE: u32 = 252;
/// Most tags read before the PDU; real exports carry a handful.
pub const MAX_TAGS: usize = 64;

/// Tag type: end of the tag list.
const TAG_END: u16 = 0;
/// Tag type: name of the dissector that reads the PDU.
const TAG_DISSECTOR_NAME: u16 = 12;
/// Tag type: direction of the packet, a 32-bit value (0 sent, 1 received; from the
/// phone's side: uplink, downlink).
const TAG_P2P_DIRECTION: u16 = 35;
/// [`TAG_P2P_DIRECTION`] values.
const P2P_SENT: u32 = 0;
const P2P_RECEIVED: u32 = 1;

/// One exported PDU, as a view of the packet it came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportedPdu<'a> {
    /// The dissector name, when the tags give one (and it is text).
    pub dissector: Option<&'a str>,
    /// The direction, when the tags give one.
    pub direction: Option<Direction>,
    /// The PDU after the tag list.
    pub pdu: &'a [u8],
}

/// Reads the tag list of one packet; an error when a tag runs past the packet or the list
/// does not end within [`MAX_TAGS`] tags.
pub fn parse(data: &[u8]) -> Result<ExportedPdu<'_>, String> {
    let mut rest = data;
    let mut dissector = None;
    let mut direction = None;
    for _ in 0..MAX_TAGS {
        let (Some(&[t0, t1, l0, l1]), Some(tail)) = (rest.get(..4), rest.get(4..)) else {
            return Err("exported PDU: tag list cut short".into());
        };
        let tag = u16::from_be_bytes([t0, t1]);
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        let value = tail.get(..len).ok_or_else(|| {
            format!("exported PDU: tag {tag} of {len} bytes runs past the packet")
        })?;
        rest = tail.get(len..).unwrap_or(&[]);
        match tag {
            TAG_END => {
                return Ok(ExportedPdu {
                    dissector,
                    direction,
                    pdu: rest,
                })
            }
            TAG_DISSECTOR_NAME => {
                // Some writers include the terminating NUL in the length.
                let name = value.split(|&b| b == 0).next().unwrap_or(&[]);
                dissector = std::str::from_utf8(name).ok();
            }
            TAG_P2P_DIRECTION => {
                direction = match value {
                    [a, b, c, d] => match u32::from_be_bytes([*a, *b, *c, *d]) {
                        P2P_SENT => Some(Direction::Uplink),
                        P2P_RECEIVED => Some(Direction::Downlink),
                        _ => None,
                    },
                    _ => None,
                };
            }
            _ => {}
        }
    }
    Err(format!(
        "exported PDU: no end of the tag list within {MAX_TAGS} tags"
    ))
}

/// The decoder, technology and direction a dissector name selects; `None` for protocols read
/// nowhere here (they are kept and counted as other messages).
pub fn payload_for(dissector: &str) -> Option<(PayloadKind, Rat, Direction)> {
    use LteRrcChannel::*;
    let lte = |channel: LteRrcChannel| {
        Some((
            PayloadKind::LteRrc { channel },
            Rat::Lte,
            channel.direction(),
        ))
    };
    match dissector {
        "lte-rrc.bcch.bch" => lte(BcchBch),
        "lte-rrc.bcch.dl.sch" => lte(BcchDlSch),
        "lte-rrc.bcch.dl.sch.br" => lte(BcchDlSchBr),
        "lte-rrc.pcch" => lte(Pcch),
        "lte-rrc.dl.ccch" => lte(DlCcch),
        "lte-rrc.dl.dcch" => lte(DlDcch),
        "lte-rrc.ul.ccch" => lte(UlCcch),
        "lte-rrc.ul.dcch" => lte(UlDcch),
        "lte-rrc.mcch" => lte(Mcch),
        "lte-rrc.sc.mcch" => lte(ScMcch),
        "lte-rrc.bcch.bch.nb" => lte(BcchBchNb),
        "lte-rrc.bcch.dl.sch.nb" => lte(BcchDlSchNb),
        "lte-rrc.pcch.nb" => lte(PcchNb),
        "lte-rrc.dl.ccch.nb" => lte(DlCcchNb),
        "lte-rrc.dl.dcch.nb" => lte(DlDcchNb),
        "lte-rrc.ul.ccch.nb" => lte(UlCcchNb),
        "lte-rrc.ul.dcch.nb" => lte(UlDcchNb),
        "nas-eps" | "nas-eps_plain" => Some((PayloadKind::LteNas, Rat::Lte, Direction::Unknown)),
        "gsm_a_dtap" => Some((PayloadKind::GsmL3, Rat::Gsm, Direction::Unknown)),
        // The message type says the direction (stingwatch-nas5g reads it).
        "nas-5gs" => Some((PayloadKind::NrNas, Rat::Nr, Direction::Unknown)),
        _ if dissector.starts_with("nr-rrc") => NrRrcChannel::from_dissector(dissector)
            .map(|channel| (PayloadKind::NrRrc { channel }, Rat::Nr, channel.direction())),
        _ => {
            let channel = umts_rrc_channel(dissector)?;
            Some((
                PayloadKind::UmtsRrc { channel },
                Rat::Umts,
                channel.direction(),
            ))
        }
    }
}

/// UMTS RRC channel of a Wireshark `rrc` dissector name (channels and the blocks a modem logs
/// whole).
pub fn umts_rrc_channel(dissector: &str) -> Option<UmtsRrcChannel> {
    use UmtsRrcChannel::*;
    Some(match dissector {
        "rrc.dl.dcch" => DlDcch,
        "rrc.ul.dcch" => UlDcch,
        "rrc.dl.ccch" => DlCcch,
        "rrc.ul.ccch" => UlCcch,
        "rrc.pcch" => Pcch,
        "rrc.dl.shcch" => DlShcch,
        "rrc.ul.shcch" => UlShcch,
        "rrc.bcch.fach" => BcchFach,
        "rrc.bcch.bch" => BcchBch,
        "rrc.mcch" => Mcch,
        "rrc.msch" => Msch,
        "rrc.si.mib" => Single(16),
        "rrc.si.sib1" => Single(17),
        "rrc.si.sib2" => Single(18),
        "rrc.si.sib3" => Single(19),
        "rrc.si.sib19" => Single(54),
        _ => return None,
    })
}

/// Longest dissector name [`emit`] writes (Wireshark's own are under 40 bytes).
const MAX_DISSECTOR_NAME: usize = 256;

/// Dissector name under which 5GS NAS PDUs are written.
pub const NAS_5GS_DISSECTOR: &str = "nas-5gs";

/// Appends one exported PDU to `out`: the dissector-name tag, the direction tag when the
/// direction is known, the end tag, then `pdu`.
pub fn emit(dissector: &str, direction: Direction, pdu: &[u8], out: &mut Vec<u8>) {
    // Dissector names are short constants; one that did not fit a tag is cut, never trusted.
    let name = dissector.as_bytes();
    let name = name.get(..MAX_DISSECTOR_NAME).unwrap_or(name);
    // The name padded with NULs to a multiple of four, as Wireshark writes it.
    let padded = name.len().div_ceil(4) * 4;
    out.extend_from_slice(&TAG_DISSECTOR_NAME.to_be_bytes());
    out.extend_from_slice(&(padded as u16).to_be_bytes());
    out.extend_from_slice(name);
    out.resize(out.len() + (padded - name.len()), 0);
    let p2p = match direction {
        Direction::Uplink => Some(P2P_SENT),
        Direction::Downlink => Some(P2P_RECEIVED),
        Direction::Unknown => None,
    };
    if let Some(v) = p2p {
        out.extend_from_slice(&TAG_P2P_DIRECTION.to_be_bytes());
        out.extend_from_slice(&4u16.to_be_bytes());
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&TAG_END.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(pdu);
}

/// The technology a dissector name points at, for PDUs no decoder here reads.
pub fn rat_of(dissector: &str) -> Rat {
    if dissector.starts_with("nr-rrc") || dissector.starts_with("nas-5gs") {
        Rat::Nr
    } else if dissector.starts_with("rrc") {
        Rat::Umts
    } else if dissector.starts_with("gsm") {
        Rat::Gsm
    } else {
        Rat::Lte
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(name: &str, pdu: &[u8]) -> Vec<u8> {
        let mut p = vec![0, 12, 0, name.len() as u8];
        p.extend(name.as_bytes());
        // An IPv4 destination tag, then the end.
        p.extend([0, 21, 0, 4, 127, 0, 0, 1, 0, 0, 0, 0]);
        p.extend(pdu);
        p
    }

    #[test]
    fn reads_the_dissector_and_the_pdu() {
        let p = packet("lte-rrc.ul.dcch", &[0x38, 0x01]);
        let e = parse(&p).unwrap();
        assert_eq!(e.dissector, Some("lte-rrc.ul.dcch"));
        assert_eq!(e.pdu, &[0x38, 0x01]);
        let (kind, rat, dir) = payload_for("lte-rrc.ul.dcch").unwrap();
        assert_eq!(
            kind,
            PayloadKind::LteRrc {
                channel: LteRrcChannel::UlDcch
            }
        );
        assert_eq!((rat, dir), (Rat::Lte, Direction::Uplink));
        assert_eq!(
            payload_for("nr-rrc.ul.dcch"),
            Some((
                PayloadKind::NrRrc {
                    channel: NrRrcChannel::UlDcch
                },
                Rat::Nr,
                Direction::Uplink
            ))
        );
        assert_eq!(payload_for("nr-rrc.ue_nr_cap_msg"), None);
        assert_eq!(rat_of("nr-rrc.ul.dcch"), Rat::Nr);
    }

    #[test]
    fn nas_5gs_round_trips() {
        let mut p = Vec::new();
        emit(
            NAS_5GS_DISSECTOR,
            Direction::Downlink,
            &[0x7e, 0x00, 0x5b, 0x01],
            &mut p,
        );
        let e = parse(&p).unwrap();
        assert_eq!(e.dissector, Some("nas-5gs"));
        assert_eq!(e.direction, Some(Direction::Downlink));
        let mut q = Vec::new();
        emit(NAS_5GS_DISSECTOR, Direction::Unknown, &[0x7e], &mut q);
        assert_eq!(parse(&q).unwrap().direction, None);
        assert_eq!(e.pdu, &[0x7e, 0x00, 0x5b, 0x01]);
        assert_eq!(
            payload_for("nas-5gs"),
            Some((PayloadKind::NrNas, Rat::Nr, Direction::Unknown))
        );
    }

    #[test]
    fn damaged_tag_lists_are_errors() {
        assert!(parse(&[0, 12, 0, 40, b'x']).is_err());
        assert!(parse(&[0, 12]).is_err());
        let endless: Vec<u8> = [0u8, 33, 0, 0].repeat(100);
        assert!(parse(&endless).unwrap_err().contains("no end"));
    }
}
