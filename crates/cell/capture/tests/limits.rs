//! The reader's size limits at the limit and one past it: what fits is read, what does not
//! is one damaged region, and reading goes on after it.

mod common;

use common::*;
use stingwatch_capture::gsmtap::GsmtapRepr;
use stingwatch_capture::net::linktype;
use stingwatch_capture::{PcapReader, MAX_BLOCK, MAX_INTERFACES, MAX_PCAP_RECORD};
use stingwatch_model::{ReadItem, ReadSummary};

const SIB_PAYLOAD: &[u8] = &[0x68, 0x4c, 0x46, 0x90, 0x1f];

/// A GSMTAP packet in an Ethernet frame padded with zeros to `len` bytes (Ethernet frames
/// may carry padding after the IP packet).
fn padded_frame(arfcn: u16, len: usize) -> Vec<u8> {
    let repr = GsmtapRepr {
        gsmtap_type: 0x0d,
        sub_type: 5,
        arfcn,
        ..GsmtapRepr::default()
    };
    let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00];
    f.extend(ipv4_gsmtap(&repr, SIB_PAYLOAD));
    assert!(f.len() <= len);
    f.resize(len, 0);
    f
}

/// ARFCNs of the messages read, in order.
fn arfcns(read: &ReadAll) -> Vec<u32> {
    read.messages
        .iter()
        .map(|m| m.context.arfcn.unwrap_or(0))
        .collect()
}

/// A reader that hands out at most `.1` bytes per call.
struct Pieces<'a>(&'a [u8], usize);

impl std::io::Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.1).min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        buf[..n].copy_from_slice(head);
        self.0 = rest;
        Ok(n)
    }
}

/// The items and summary of `bytes` read `piece` bytes at a time.
fn read_in_pieces(bytes: &[u8], piece: usize) -> (Vec<ReadItem>, ReadSummary) {
    let mut reader = PcapReader::new(Pieces(bytes, piece)).expect("recognised capture");
    let items: Vec<ReadItem> = reader.by_ref().collect();
    (items, reader.summary().clone())
}

/// Header of an enhanced packet block and the lengths around its data.
const EPB_OVERHEAD: usize = 32;

#[test]
fn pcapng_block_of_max_block_is_read_and_one_word_more_is_damage() {
    let mut file = ng_shb(false);
    file.extend(ng_idb(false, linktype::ETHERNET as u16, None));
    let at_limit = ng_epb(false, 0, 1, &padded_frame(1, MAX_BLOCK - EPB_OVERHEAD));
    assert_eq!(at_limit.len(), MAX_BLOCK);
    file.extend(at_limit);
    let bad_at = file.len() as u64;
    let past = ng_epb(false, 0, 2, &padded_frame(2, MAX_BLOCK + 4 - EPB_OVERHEAD));
    assert_eq!(past.len(), MAX_BLOCK + 4);
    file.extend(past);
    file.extend(ng_epb(false, 0, 3, &padded_frame(3, 200)));
    file.extend(ng_epb(false, 0, 4, &padded_frame(4, 200)));

    let read = read_all(&file);
    assert_eq!(arfcns(&read), vec![1, 3, 4], "{:?}", read.damage);
    assert_eq!(read.damage.len(), 1);
    let d = &read.damage[0];
    assert_eq!((d.offset, d.length), (bad_at, MAX_BLOCK as u64 + 4));
    assert_eq!(
        d.reason,
        format!(
            "pcapng block type 0x6 length {} exceeds {MAX_BLOCK}",
            MAX_BLOCK + 4
        )
    );
    // The damaged block is not counted as a packet.
    let packets: Vec<u64> = read.messages.iter().map(|m| m.packet).collect();
    assert_eq!(packets, vec![1, 2, 3]);

    // The same items and summary when the input arrives in small reads.
    let (items, summary) = read_in_pieces(&file, 4093);
    assert_eq!(items, read.items);
    assert_eq!(summary, read.summary);
}

#[test]
fn pcap_record_of_max_pcap_record_is_read_and_one_byte_more_is_damage() {
    let mut file = pcap_header(false, false, linktype::ETHERNET);
    file.extend(pcap_record(false, 1, 0, &padded_frame(1, MAX_PCAP_RECORD)));
    let bad_at = file.len() as u64;
    let mut past = Bytes::new(false);
    let caplen = MAX_PCAP_RECORD as u32 + 1;
    past.u32(2).u32(0).u32(caplen).u32(caplen);
    past.raw(&vec![0; MAX_PCAP_RECORD + 1]);
    file.extend(past.out);
    file.extend(pcap_record(false, 3, 0, &padded_frame(3, 200)));
    file.extend(pcap_record(false, 4, 0, &padded_frame(4, 200)));

    let read = read_all(&file);
    assert_eq!(arfcns(&read), vec![1, 3, 4], "{:?}", read.damage);
    assert_eq!(read.damage.len(), 1);
    let d = &read.damage[0];
    assert_eq!(
        (d.offset, d.length),
        (bad_at, 16 + MAX_PCAP_RECORD as u64 + 1)
    );
    assert_eq!(
        d.reason,
        format!(
            "pcap record length {} exceeds {MAX_PCAP_RECORD}",
            MAX_PCAP_RECORD + 1
        )
    );

    let (items, summary) = read_in_pieces(&file, 4093);
    assert_eq!(items, read.items);
    assert_eq!(summary, read.summary);
}

#[test]
fn interface_past_max_interfaces_is_damage_and_earlier_ones_still_read() {
    let mut file = ng_shb(false);
    for _ in 0..MAX_INTERFACES {
        file.extend(ng_idb(false, linktype::ETHERNET as u16, None));
    }
    // The last interface that fits carries a packet.
    file.extend(ng_epb(
        false,
        MAX_INTERFACES as u32 - 1,
        1,
        &padded_frame(1, 100),
    ));
    let bad_at = file.len() as u64;
    let extra = ng_idb(false, linktype::ETHERNET as u16, None);
    let extra_len = extra.len() as u64;
    file.extend(extra);
    file.extend(ng_epb(false, 0, 2, &padded_frame(2, 100)));
    // The interface that was refused was never declared.
    let undeclared_at = file.len() as u64;
    file.extend(ng_epb(
        false,
        MAX_INTERFACES as u32,
        3,
        &padded_frame(3, 100),
    ));
    file.extend(ng_epb(
        false,
        MAX_INTERFACES as u32 - 1,
        4,
        &padded_frame(4, 100),
    ));

    let read = read_all(&file);
    assert_eq!(arfcns(&read), vec![1, 2, 4]);
    assert_eq!(read.damage.len(), 2, "{:?}", read.damage);
    let d = &read.damage[0];
    assert_eq!((d.offset, d.length), (bad_at, extra_len));
    assert_eq!(
        d.reason,
        format!("more than {MAX_INTERFACES} interfaces in one section")
    );
    let d = &read.damage[1];
    assert_eq!(d.offset, undeclared_at);
    assert!(
        d.reason
            .contains(&format!("undeclared interface {MAX_INTERFACES}")),
        "{d}"
    );
}
