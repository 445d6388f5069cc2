//! GSMTAP v2 header view and the link-layer walk to it: `GsmtapHeader`/`GsmtapRepr` on
//! arbitrary bytes (with the emit → parse round trip), the LTE RRC sub-type table both ways,
//! and `net::transport` for the link type the first four bytes name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stingwatch_capture::gsmtap::{self, GsmtapHeader, GsmtapRepr, HEADER_LEN};
use stingwatch_capture::net::{self, Transport};

fuzz_target!(|data: &[u8]| {
    if let Ok(header) = GsmtapHeader::new_checked(data) {
        assert!(header.header_len() >= HEADER_LEN && header.header_len() <= data.len());
        assert!(header.payload().len() + header.header_len() == data.len());
        let repr = GsmtapRepr::parse(&header).expect("a checked header parses");
        let _ = (repr.payload_kind(), repr.rat(), repr.direction());
        let mut buf = vec![0u8; HEADER_LEN];
        let mut out = GsmtapHeader::new_unchecked(&mut buf[..]);
        repr.emit(&mut out).expect("16 bytes hold a header");
        let back = GsmtapRepr::parse(&GsmtapHeader::new_unchecked(&buf[..]));
        assert_eq!(back, Ok(repr), "GSMTAP header does not round trip");
        if let Some(channel) = gsmtap::lte_rrc_channel(repr.sub_type) {
            assert_eq!(
                gsmtap::lte_rrc_channel(gsmtap::lte_rrc_sub_type(channel)),
                Some(channel)
            );
        }
        let _ = gsmtap::lte_nas_sub_type(header.payload());
    }
    let unchecked = GsmtapHeader::new_unchecked(data);
    let _ = (
        unchecked.frame_number(),
        unchecked.arfcn(),
        unchecked.payload().len(),
    );

    if let Some((link, packet)) = data.split_first_chunk::<4>() {
        // Mostly the link types the reader knows, sometimes any value.
        let raw = u32::from_le_bytes(*link);
        let linktype = if raw & 0x8000_0000 != 0 {
            raw
        } else {
            raw % 300
        };
        match net::transport(linktype, packet) {
            Ok(Transport::Udp { payload, .. }) => {
                assert!(
                    payload.len() <= packet.len(),
                    "UDP payload longer than the packet"
                );
                if let Ok(h) = GsmtapHeader::new_checked(payload) {
                    let _ = GsmtapRepr::parse(&h);
                }
            }
            Ok(Transport::NotUdp(what)) => assert!(!what.is_empty()),
            Err(e) => assert!(!e.0.is_empty()),
        }
    }
});
