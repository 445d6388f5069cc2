//! GSMTAP version 3 (libosmocore's `gsmtapv3.h`): a short fixed header with 16-bit type and
//! sub-type, then type-specific metadata as tag-length-value items, then the payload.
//!
//! Layout (all multi-byte fields big-endian):
//!
//! ```text
//!  0 version (3)   1 reserved   2..4 header length in 32-bit words, metadata included
//!  4..6 type   6..8 sub-type   8.. metadata: tag u16, length u16, value; tag 0xFFFE ends it
//! ```
//!
//! Version 3 numbers LTE, NR and UMTS RRC channels differently from version 2 and is the only
//! version with NR RRC and 5GS NAS types. The payload is routed by the Wireshark dissector name
//! its type and sub-type stand for, the same names the exported-PDU encapsulation carries, so
//! both encapsulations reach a decoder through one table ([`crate::exported_pdu::payload_for`]).

use std::fmt;

use stingwatch_model::{Direction, LteRrcChannel, PayloadKind, Rat, UmtsRrcChannel};

/// The version this module reads.
pub const VERSION: u8 = 3;
/// Length of the fixed part of the header.
pub const FIXED_LEN: usize = 8;
/// Most metadata items read; real writers put a handful (time, channel number, cell id).
pub const MAX_METADATA_ITEMS: usize = 64;

/// Payload types this module names.
pub mod v3_type {
    /// libosmocore log text.
    pub const OSMOCORE_LOG: u16 = 0x0000;
    /// GSM Um layer 2/3.
    pub const UM: u16 = 0x0200;
    /// GSM Abis (bare layer 3).
    pub const ABIS: u16 = 0x0205;
    /// UMTS RRC (TS 25.331).
    pub const UMTS_RRC: u16 = 0x0303;
    /// LTE RRC (TS 36.331).
    pub const LTE_RRC: u16 = 0x0403;
    /// EPS NAS (TS 24.301).
    pub const NAS_EPS: u16 = 0x0404;
    /// NR RRC (TS 38.331).
    pub const NR_RRC: u16 = 0x0503;
    /// 5GS NAS (TS 24.501).
    pub const NAS_5GS: u16 = 0x0504;
}

/// Metadata tags this module reads.
mod tag {
    /// Channel number (ARFCN, UARFCN, EARFCN, NR-ARFCN), 32 bits.
    pub const CHANNEL_NUMBER: u16 = 0x0002;
    /// GSM BSIC, UMTS primary scrambling code, LTE/NR physical cell id, 16 bits.
    pub const BSIC_PSC_PCI: u16 = 0x0005;
    /// Ends the metadata.
    pub const END_OF_METADATA: u16 = 0xFFFE;
}

/// Why bytes are not a GSMTAP version 3 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gsmtapv3Error {
    /// Fewer bytes than the header (or its declared length) needs.
    Truncated {
        /// Bytes the header says it has.
        needed: usize,
        /// Bytes present.
        present: usize,
    },
    /// A header length below the fixed 8 bytes.
    BadHeaderLength(u16),
    /// A metadata item runs past the header.
    MetadataOverrun {
        /// Tag of the item.
        tag: u16,
    },
    /// More metadata items than [`MAX_METADATA_ITEMS`].
    TooManyMetadataItems,
}

impl fmt::Display for Gsmtapv3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gsmtapv3Error::Truncated { needed, present } => write!(
                f,
                "truncated gsmtap v3 header: needs {needed} bytes, {present} present"
            ),
            Gsmtapv3Error::BadHeaderLength(w) => {
                write!(f, "gsmtap v3 header length {w} words is below 2")
            }
            Gsmtapv3Error::MetadataOverrun { tag } => {
                write!(f, "gsmtap v3 metadata tag {tag:#06x} runs past the header")
            }
            Gsmtapv3Error::TooManyMetadataItems => write!(
                f,
                "gsmtap v3 metadata has more than {MAX_METADATA_ITEMS} items"
            ),
        }
    }
}

impl std::error::Error for Gsmtapv3Error {}

/// A GSMTAP version 3 packet read: header fields, the metadata this crate uses, the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gsmtapv3<'a> {
    /// Payload type (see [`v3_type`]).
    pub gsmtap_type: u16,
    /// Sub-type (channel or message type; meaning depends on the type).
    pub sub_type: u16,
    /// Channel number metadata, when present.
    pub channel_number: Option<u32>,
    /// BSIC / scrambling code / physical cell id metadata, when present.
    pub cell: Option<u16>,
    /// The payload after the header.
    pub payload: &'a [u8],
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

impl<'a> Gsmtapv3<'a> {
    /// Reads a version 3 header and its metadata; the caller has seen the version octet.
    pub fn parse(data: &'a [u8]) -> Result<Self, Gsmtapv3Error> {
        let (Some(words), Some(gsmtap_type), Some(sub_type)) =
            (be16(data, 2), be16(data, 4), be16(data, 6))
        else {
            return Err(Gsmtapv3Error::Truncated {
                needed: FIXED_LEN,
                present: data.len(),
            });
        };
        let header_len = usize::from(words) * 4;
        if header_len < FIXED_LEN {
            return Err(Gsmtapv3Error::BadHeaderLength(words));
        }
        let (Some(header), Some(payload)) = (data.get(..header_len), data.get(header_len..)) else {
            return Err(Gsmtapv3Error::Truncated {
                needed: header_len,
                present: data.len(),
            });
        };
        let mut meta = header.get(FIXED_LEN..).unwrap_or(&[]);
        let mut out = Gsmtapv3 {
            gsmtap_type,
            sub_type,
            channel_number: None,
            cell: None,
            payload,
        };
        for _ in 0..MAX_METADATA_ITEMS {
            // Fewer than a tag and a length left: padding to the 32-bit boundary.
            let (Some(t), Some(len)) = (be16(meta, 0), be16(meta, 2)) else {
                return Ok(out);
            };
            if t == tag::END_OF_METADATA {
                return Ok(out);
            }
            let value = meta
                .get(4..4 + usize::from(len))
                .ok_or(Gsmtapv3Error::MetadataOverrun { tag: t })?;
            match (t, value) {
                (tag::CHANNEL_NUMBER, [a, b, c, d]) => {
                    out.channel_number = Some(u32::from_be_bytes([*a, *b, *c, *d]));
                }
                (tag::BSIC_PSC_PCI, [a, b]) => out.cell = Some(u16::from_be_bytes([*a, *b])),
                _ => {}
            }
            meta = meta.get(4 + usize::from(len)..).unwrap_or(&[]);
        }
        if meta.len() >= 4 && be16(meta, 0) != Some(tag::END_OF_METADATA) {
            return Err(Gsmtapv3Error::TooManyMetadataItems);
        }
        Ok(out)
    }

    /// Wireshark dissector name of the payload, for the types that have one here.
    pub fn dissector(&self) -> Option<&'static str> {
        match self.gsmtap_type {
            v3_type::NR_RRC => nr_rrc_dissector(self.sub_type),
            v3_type::NAS_5GS => Some("nas-5gs"),
            v3_type::NAS_EPS => Some("nas-eps"),
            v3_type::ABIS => Some("gsm_a_dtap"),
            _ => None,
        }
    }

    /// Decoder, technology and direction of the payload.
    pub fn route(&self) -> (PayloadKind, Rat, Direction) {
        match self.gsmtap_type {
            v3_type::LTE_RRC => match lte_rrc_channel(self.sub_type) {
                Some(channel) => (
                    PayloadKind::LteRrc { channel },
                    Rat::Lte,
                    channel.direction(),
                ),
                None => (self.other(), Rat::Lte, Direction::Unknown),
            },
            v3_type::UMTS_RRC => match umts_rrc_channel(self.sub_type) {
                Some(channel) => (
                    PayloadKind::UmtsRrc { channel },
                    Rat::Umts,
                    channel.direction(),
                ),
                None => (self.other(), Rat::Umts, Direction::Unknown),
            },
            v3_type::UM => (
                // Version 3 puts the SACCH flag at 0x0100 where version 2 had 0x80.
                match u8::try_from(self.sub_type & 0xff) {
                    Ok(ch) if self.sub_type & !0x01ff == 0 => PayloadKind::GsmUm {
                        channel_type: ch | if self.sub_type & 0x0100 != 0 { 0x80 } else { 0 },
                    },
                    _ => self.other(),
                },
                Rat::Gsm,
                Direction::Unknown,
            ),
            _ => match self.dissector() {
                Some(name) => match crate::exported_pdu::payload_for(name) {
                    Some(route) => route,
                    None => (
                        self.other(),
                        crate::exported_pdu::rat_of(name),
                        Direction::Unknown,
                    ),
                },
                None => (
                    self.other(),
                    rat_of_type(self.gsmtap_type),
                    Direction::Unknown,
                ),
            },
        }
    }

    /// The payload kind of a message no decoder here reads: GSMTAP version 2 numbers where
    /// the type has one, so it is counted under the same name as its version 2 form.
    fn other(&self) -> PayloadKind {
        let v2_type = match self.gsmtap_type {
            v3_type::UMTS_RRC => 0x0c,
            v3_type::LTE_RRC => 0x0d,
            v3_type::NAS_EPS => 0x12,
            _ => 0,
        };
        PayloadKind::Other {
            gsmtap_type: v2_type,
            sub_type: u8::try_from(self.sub_type).unwrap_or(u8::MAX),
        }
    }
}

/// Technology of a version 3 type by its high octet (0x02 GSM, 0x03 UMTS, 0x04 LTE, 0x05 NR).
fn rat_of_type(t: u16) -> Rat {
    match t >> 8 {
        0x03 => Rat::Umts,
        0x04 => Rat::Lte,
        0x05 => Rat::Nr,
        _ => Rat::Gsm,
    }
}

/// LTE RRC channel of a version 3 LTE RRC sub-type.
pub fn lte_rrc_channel(sub_type: u16) -> Option<LteRrcChannel> {
    use LteRrcChannel::*;
    Some(match sub_type {
        0x0001 => BcchBch,
        0x0002 => BcchBchMbms,
        0x0003 => BcchDlSch,
        0x0004 => BcchDlSchBr,
        0x0005 => BcchDlSchMbms,
        0x0006 => Mcch,
        0x0007 => Pcch,
        0x0008 => DlCcch,
        0x0009 => DlDcch,
        0x000a => UlCcch,
        0x000b => UlDcch,
        0x000c => ScMcch,
        // NB-IoT, as the writers of version 3 number them.
        0x0201 => BcchBchNb,
        0x0203 => BcchDlSchNb,
        0x0204 => PcchNb,
        0x0205 => DlCcchNb,
        0x0206 => DlDcchNb,
        0x0207 => UlCcchNb,
        0x0209 => UlDcchNb,
        _ => return None,
    })
}

/// UMTS RRC channel or message type of a version 3 UMTS RRC sub-type: channels are 0x0001 to
/// 0x000c (0x000a, BCCH-BCH2, has no version 2 number), single message types 0x0101 to 0x0133
/// in version 2 order.
pub fn umts_rrc_channel(sub_type: u16) -> Option<UmtsRrcChannel> {
    let v2 = match sub_type {
        0x0001..=0x0009 => sub_type - 1,
        0x000b | 0x000c => sub_type - 2,
        0x0101..=0x0133 => sub_type - 0x0101 + 11,
        _ => return None,
    };
    UmtsRrcChannel::from_gsmtap(u8::try_from(v2).ok()?)
}

/// Wireshark dissector name of a version 3 NR RRC sub-type.
pub fn nr_rrc_dissector(sub_type: u16) -> Option<&'static str> {
    Some(match sub_type {
        0x0001 => "nr-rrc.bcch.bch",
        0x0002 => "nr-rrc.bcch.dl.sch",
        0x0003 => "nr-rrc.dl.ccch",
        0x0004 => "nr-rrc.dl.dcch",
        0x0005 => "nr-rrc.mcch",
        0x0006 => "nr-rrc.pcch",
        0x0007 => "nr-rrc.ul.ccch",
        0x0008 => "nr-rrc.ul.ccch1",
        0x0009 => "nr-rrc.ul.dcch",
        0x0101 => "nr-rrc.sbcch.sl.bch",
        0x0102 => "nr-rrc.scch",
        0x0201 => "nr-rrc.rrc_reconf",
        0x0203 => "nr-rrc.ue_mrdc_cap_msg",
        0x0204 => "nr-rrc.ue_nr_cap_msg",
        0x0205 => "nr-rrc.ue_radio_access_cap_info_msg",
        0x0206 => "nr-rrc.ue_radio_paging_info_msg",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Frame 1 of uecapabilityparser's gsmTapV3.pcap: LTE RRC PCCH, no metadata.
    const PCCH: [u8; 15] = [
        0x03, 0x00, 0x00, 0x02, 0x04, 0x03, 0x00, 0x07, 0x40, 0x0d, 0x0d, 0xdb, 0xdd, 0xad, 0x40,
    ];

    #[test]
    fn reads_a_real_header() {
        let v3 = Gsmtapv3::parse(&PCCH).unwrap();
        assert_eq!((v3.gsmtap_type, v3.sub_type), (v3_type::LTE_RRC, 7));
        assert_eq!(v3.payload, &PCCH[8..]);
        assert_eq!(
            v3.route(),
            (
                PayloadKind::LteRrc {
                    channel: LteRrcChannel::Pcch
                },
                Rat::Lte,
                Direction::Downlink
            )
        );
    }

    #[test]
    fn reads_metadata_and_stops_at_its_end() {
        // UMTS RRC UL-CCCH, channel number 10688, scrambling code 301, end, padding.
        let mut p = vec![3, 0, 0, 6, 0x03, 0x03, 0x00, 0x04];
        p.extend([0x00, 0x02, 0x00, 0x04, 0, 0, 0x29, 0xC0]);
        p.extend([0x00, 0x05, 0x00, 0x02, 0x01, 0x2D]);
        p.extend([0xFF, 0xFE]);
        assert_eq!(p.len(), 24);
        p.push(0x15);
        let v3 = Gsmtapv3::parse(&p).unwrap();
        assert_eq!((v3.channel_number, v3.cell), (Some(10688), Some(301)));
        assert_eq!(v3.payload, &[0x15]);
        assert_eq!(
            v3.route().0,
            PayloadKind::UmtsRrc {
                channel: UmtsRrcChannel::UlCcch
            }
        );
        assert_eq!(v3.route().2, Direction::Uplink);
    }

    #[test]
    fn damage_is_an_error() {
        assert!(matches!(
            Gsmtapv3::parse(&[3, 0, 0]),
            Err(Gsmtapv3Error::Truncated { .. })
        ));
        assert_eq!(
            Gsmtapv3::parse(&[3, 0, 0, 1, 4, 3, 0, 7]),
            Err(Gsmtapv3Error::BadHeaderLength(1))
        );
        assert!(matches!(
            Gsmtapv3::parse(&[3, 0, 0, 3, 4, 3, 0, 7, 0, 2]),
            Err(Gsmtapv3Error::Truncated { .. })
        ));
        assert_eq!(
            Gsmtapv3::parse(&[3, 0, 0, 3, 4, 3, 0, 7, 0, 2, 0, 9]),
            Err(Gsmtapv3Error::MetadataOverrun { tag: 2 })
        );
        let mut many = vec![3, 0, 0, 0, 4, 3, 0, 7];
        many.extend([0x01, 0x00, 0x00, 0x00].repeat(MAX_METADATA_ITEMS + 1));
        let words = u16::try_from(many.len() / 4).unwrap();
        many[2..4].copy_from_slice(&words.to_be_bytes());
        assert_eq!(
            Gsmtapv3::parse(&many),
            Err(Gsmtapv3Error::TooManyMetadataItems)
        );
    }

    #[test]
    fn sub_types_map_to_version_2_order() {
        assert_eq!(umts_rrc_channel(0x0001), Some(UmtsRrcChannel::DlDcch));
        assert_eq!(umts_rrc_channel(0x0009), Some(UmtsRrcChannel::BcchBch));
        assert_eq!(umts_rrc_channel(0x000a), None);
        assert_eq!(umts_rrc_channel(0x000c), Some(UmtsRrcChannel::Msch));
        assert_eq!(umts_rrc_channel(0x0106), Some(UmtsRrcChannel::Single(16)));
        assert_eq!(umts_rrc_channel(0x0109), Some(UmtsRrcChannel::Single(19)));
        assert_eq!(umts_rrc_channel(0x0133), Some(UmtsRrcChannel::Single(61)));
        assert_eq!(umts_rrc_channel(0x0134), None);
        let nr = Gsmtapv3 {
            gsmtap_type: v3_type::NR_RRC,
            sub_type: 4,
            channel_number: None,
            cell: None,
            payload: &[],
        };
        assert_eq!(nr.dissector(), Some("nr-rrc.dl.dcch"));
        assert_eq!(nr.route().1, Rat::Nr);
    }
}
