//! Qualcomm DIAG log streams (`.qmdl`, `.mi2log`): reading and writing.
//!
//! A DIAG stream is a sequence of HDLC-like frames ([`hdlc`]), each holding one DIAG command;
//! command 0x10 is a log packet ([`log::DiagLogPacket`]) identified by a 16-bit log code. This
//! crate turns the LTE RRC OTA (0xB0C0), NR RRC OTA (0xB821, [`nr`]) and LTE NAS OTA
//! (0xB0E0-0xB0ED) records of a stream
//! into [`RadioMessage`]s with [`QmdlReader`], counts everything else, reports damaged regions
//! with their file offsets, and writes messages back as a stream with [`QmdlWriter`].

#![forbid(unsafe_code)]

pub mod hdlc;
pub mod log;
pub mod meas;
pub mod nr;
mod reader;
mod writer;

pub use reader::QmdlReader;
pub use writer::{QmdlWriter, WriteError};

use log::{DiagLogPacket, DIAG_LOG_F, DIAG_MULTI_RADIO_CMD_F, MULTI_RADIO_HEADER_LEN};

#[cfg(doc)]
use stingwatch_model::RadioMessage;

/// How many bytes of a prefix [`looks_like_qmdl`] examines at most.
pub const DETECT_WINDOW: usize = 64 * 1024;
/// How many flag-delimited regions [`looks_like_qmdl`] tries before giving up.
const DETECT_MAX_REGIONS: usize = 32;

/// Whether `prefix` (the first bytes of an input) looks like a DIAG stream.
///
/// True when one of the first frames in the prefix ends with a 0x7E flag, has a valid
/// checksum, and holds a DIAG log packet (command 0x10, directly or in a multi-radio wrapper)
/// whose length fields match the frame. A recording may start mid-frame, so several regions
/// are tried.
pub fn looks_like_qmdl(prefix: &[u8]) -> bool {
    let window = prefix.get(..DETECT_WINDOW).unwrap_or(prefix);
    let mut scratch = Vec::new();
    let mut rest = window;
    for _ in 0..DETECT_MAX_REGIONS {
        let Some(end) = memchr::memchr(hdlc::FLAG, rest) else {
            return false;
        };
        let (raw, tail) = rest.split_at(end);
        rest = tail.get(1..).unwrap_or(&[]);
        if hdlc::decode_frame(raw, &mut scratch).is_ok() && holds_log_packet(&scratch) {
            return true;
        }
    }
    false
}

/// Whether a frame payload is a well-formed log packet, possibly in a multi-radio wrapper.
fn holds_log_packet(payload: &[u8]) -> bool {
    let inner = match payload.first() {
        Some(&DIAG_LOG_F) => payload,
        Some(&DIAG_MULTI_RADIO_CMD_F) => payload.get(MULTI_RADIO_HEADER_LEN..).unwrap_or(&[]),
        _ => return false,
    };
    inner.first() == Some(&DIAG_LOG_F) && DiagLogPacket::new_checked(inner).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        hdlc::encode_frame(payload, &mut out);
        out
    }

    #[test]
    fn detects_log_frames_only() {
        let mut body = Vec::new();
        DiagLogPacket::emit(0xB193, 0, &[1, 2, 3], &mut body).unwrap();
        assert!(looks_like_qmdl(&frame(&body)));
        // Starting mid-frame still detects the next frame.
        let mut cut = b"\x33\x44\x7e".to_vec();
        cut.extend(frame(&body));
        assert!(looks_like_qmdl(&cut));
        // A valid frame that is not a log packet is not enough.
        assert!(!looks_like_qmdl(&frame(&[0x73, 0, 0, 0, 1, 0, 0, 0])));
        // A log packet without its closing flag is not enough.
        let f = frame(&body);
        assert!(!looks_like_qmdl(f.get(..f.len() - 1).unwrap()));
        // pcap and pcapng magic numbers.
        assert!(!looks_like_qmdl(&[
            0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0x7e
        ]));
        assert!(!looks_like_qmdl(&[0x0a, 0x0d, 0x0d, 0x0a, 0x7e, 0x7e]));
        assert!(!looks_like_qmdl(&[]));
    }

    fn log_frame() -> Vec<u8> {
        let mut body = Vec::new();
        DiagLogPacket::emit(0xB0EC, 0, &[1, 9, 5, 0, 0x07, 0x55, 0x01], &mut body).unwrap();
        frame(&body)
    }

    #[test]
    fn log_packet_after_detect_max_regions_is_not_detected() {
        // A valid frame that is not a log packet (DIAG command 0x4b, subsystem dispatch).
        let other = frame(&[0x4b, 0x08, 0x00, 0x00]);
        for before in [DETECT_MAX_REGIONS - 1, DETECT_MAX_REGIONS] {
            let mut input = other.repeat(before);
            input.extend(log_frame());
            assert!(input.len() < DETECT_WINDOW);
            assert_eq!(
                looks_like_qmdl(&input),
                before < DETECT_MAX_REGIONS,
                "log packet in region {}",
                before + 1
            );
        }
    }

    #[test]
    fn log_packet_must_end_inside_detect_window() {
        let log = log_frame();
        // Garbage without a flag, a flag, then the log packet, whose closing flag is the last
        // byte of the window; one byte more of garbage moves it out.
        for extra in [0, 1] {
            let mut input = vec![0x00; DETECT_WINDOW - 1 - log.len() + extra];
            input.push(hdlc::FLAG);
            input.extend_from_slice(&log);
            assert_eq!(input.len(), DETECT_WINDOW + extra);
            assert_eq!(looks_like_qmdl(&input), extra == 0, "{extra} bytes past");
        }
    }
}
