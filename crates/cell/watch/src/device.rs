//! `--device /dev/diag`: read the baseband's DIAG log from a Qualcomm device.
//!
//! What the open tools (EFF Rayhunter, QCSuper, SnoopSnitch, MobileInsight) document about the
//! Linux DIAG character driver, and this module relies on:
//!
//! - `ioctl(fd, DIAG_IOCTL_SWITCH_LOGGING = 7, MEMORY_DEVICE_MODE = 2)` routes the log to
//!   readers of the device; some kernels want a `{u32 req_mode; u32 peripheral_mask; u8
//!   mode_param}` structure instead of the bare mode.
//! - `ioctl(fd, DIAG_IOCTL_REMOTE_DEV = 32, &int)` says whether the modem is remote (MDM);
//!   then every request carries an extra `-1` (i32) after its data type.
//! - A request written to the device is `u32 data type (32 = user space)`, the optional MDM
//!   field, then one HDLC frame holding the DIAG command.
//! - A read returns `u32 data type`, `u32 count`, then `count` times `u32 length` and that
//!   many bytes of HDLC frames; user-space data (type 32) carries the log.
//! - Log configuration is DIAG command 0x73 (as a u32), operation u32: 1 retrieves the size of
//!   each equipment's log mask (16 u32 after a u32 status), 3 sets a mask: u32 equipment id,
//!   u32 size in bits, then the mask, bit `n` (least significant first) enabling log code
//!   `equipment << 12 | n`. LTE is equipment 0x0B.
//!
//! Only these requests are ever written: the tool reads, and never transmits on the network.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use stingwatch_diag::hdlc;

use crate::live::Input;

/// DIAG command: logging configuration.
pub const DIAG_LOG_CONFIG_F: u32 = 0x73;
/// Log configuration operation: retrieve the mask size of every equipment id.
pub const LOG_CONFIG_RETRIEVE_ID_RANGES: u32 = 1;
/// Log configuration operation: set one equipment's mask.
pub const LOG_CONFIG_SET_MASK: u32 = 3;
/// Equipment id of LTE log codes (0xBxxx).
pub const EQUIPMENT_LTE: u32 = 0x0B;
/// Data type of user-space requests and of the log stream.
pub const USER_SPACE_DATA_TYPE: u32 = 32;
/// The LTE-equipment log codes the decoders read: LTE RRC OTA, the plain ESM/EMM NAS records,
/// and NR RRC OTA (0xB821; 5G log codes share the LTE equipment id). A modem whose LTE mask is
/// too small for bit 0x821 has no 5G and ignores that bit.
pub const LTE_LOG_CODES: [u16; 6] = [0xB0C0, 0xB0E2, 0xB0E3, 0xB0EC, 0xB0ED, 0xB821];
/// The 5GS NAS log codes the decoders read, of the same equipment as LTE's: plain 5GSM
/// (0xB800/0xB801) and 5GMM (0xB80A/0xB80B) records and 5GMM messages out of NAS containers
/// (0xB814). They lie beyond [`FALLBACK_LTE_MASK_BITS`]: only a modem that reports a mask
/// size for the equipment large enough (a 5G modem does) has them enabled.
pub const NR_NAS_LOG_CODES: [u16; 5] = [0xB800, 0xB801, 0xB80A, 0xB80B, 0xB814];

/// The codes enabled in the LTE equipment's mask: LTE's and 5GS NAS's.
pub fn lte_equipment_codes() -> Vec<u16> {
    LTE_LOG_CODES
        .iter()
        .chain(NR_NAS_LOG_CODES.iter())
        .copied()
        .collect()
}

/// Equipment id of GSM log codes (0x5xxx).
pub const EQUIPMENT_GSM: u32 = 0x05;
/// The GSM log codes the decoders read: RR signalling, single and dual SIM.
pub const GSM_LOG_CODES: [u16; 2] = [0x512F, 0x5B2F];
/// Equipment id of the UMTS NAS log codes (0x7xxx).
pub const EQUIPMENT_UMTS_NAS: u32 = 0x07;
/// The UMTS NAS log code the decoders read: MM, GMM, CC and SMS of GSM and UMTS.
pub const UMTS_NAS_LOG_CODES: [u16; 1] = [0x713A];

/// Equipment id of WCDMA log codes (0x4xxx).
pub const EQUIPMENT_WCDMA: u32 = 0x04;
/// The WCDMA log code the decoders read: RRC OTA signalling.
pub const WCDMA_LOG_CODES: [u16; 1] = [0x412F];

/// The masks enabled besides LTE's, by equipment: only when the device reports a mask size
/// for that equipment (a modem without 2G/3G reports none), and a refusal is not an error.
pub const OTHER_MASKS: [(u32, &[u16]); 3] = [
    (EQUIPMENT_GSM, &GSM_LOG_CODES),
    (EQUIPMENT_WCDMA, &WCDMA_LOG_CODES),
    (EQUIPMENT_UMTS_NAS, &UMTS_NAS_LOG_CODES),
];
/// Mask size used when the device does not say: enough bits for every LTE code above. NR's
/// bit lies beyond it on purpose: a mask longer than the modem's may be refused whole, and a
/// modem that does not report its sizes is too old for 5G.
const FALLBACK_LTE_MASK_BITS: u32 = 0x0EE;
/// Most bits of a log mask: log item numbers are the low 12 bits of a log code.
pub const MAX_MASK_BITS: u32 = 0x1000;
/// Largest read from the device.
const READ_BUF: usize = 256 * 1024;

const DIAG_IOCTL_SWITCH_LOGGING: u64 = 7;
const DIAG_IOCTL_REMOTE_DEV: u64 = 32;
const MEMORY_DEVICE_MODE: u32 = 2;

/// The log-configuration request that asks for every equipment's mask size.
pub fn retrieve_id_ranges_request() -> Vec<u8> {
    let mut out = Vec::with_capacity(8);
    out.extend_from_slice(&DIAG_LOG_CONFIG_F.to_le_bytes());
    out.extend_from_slice(&LOG_CONFIG_RETRIEVE_ID_RANGES.to_le_bytes());
    out
}

/// The log-configuration request that enables exactly `codes` of `equipment` in a mask of
/// `bits` bits (codes of other equipment, or beyond the mask, are ignored).
pub fn set_mask_request(equipment: u32, bits: u32, codes: &[u16]) -> Vec<u8> {
    // Item numbers are 12 bits: a larger size (which a device may report) adds nothing.
    let bits = bits.min(MAX_MASK_BITS);
    let mut mask = vec![0u8; (bits as usize).div_ceil(8)];
    for &code in codes {
        if u32::from(code >> 12) != equipment {
            continue;
        }
        let n = usize::from(code & 0x0FFF);
        if n < bits as usize {
            if let Some(b) = mask.get_mut(n / 8) {
                *b |= 1 << (n % 8);
            }
        }
    }
    let mut out = Vec::with_capacity(16 + mask.len());
    out.extend_from_slice(&DIAG_LOG_CONFIG_F.to_le_bytes());
    out.extend_from_slice(&LOG_CONFIG_SET_MASK.to_le_bytes());
    out.extend_from_slice(&equipment.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(&mask);
    out
}

/// What is written to the device for one DIAG command: data type, MDM field, HDLC frame.
pub fn request_container(command: &[u8], remote_modem: bool) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&USER_SPACE_DATA_TYPE.to_le_bytes());
    if remote_modem {
        out.extend_from_slice(&(-1i32).to_le_bytes());
    }
    hdlc::encode_frame(command, &mut out);
    out
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([
        *s.first()?,
        *s.get(1)?,
        *s.get(2)?,
        *s.get(3)?,
    ]))
}

/// A read from the device: its data type and the byte buffers it carries.
#[derive(Debug, PartialEq, Eq)]
pub struct ReadContainer<'a> {
    /// 32 for user-space data (the log).
    pub data_type: u32,
    /// Buffers of HDLC frames.
    pub buffers: Vec<&'a [u8]>,
}

/// Split one read into its buffers; `None` when its lengths do not fit the read.
pub fn parse_read_container(b: &[u8]) -> Option<ReadContainer<'_>> {
    let data_type = le32(b, 0)?;
    let count = le32(b, 4)?;
    let mut at = 8usize;
    let mut buffers = Vec::new();
    for _ in 0..count {
        let len = le32(b, at)? as usize;
        at += 4;
        let end = at.checked_add(len)?;
        buffers.push(b.get(at..end)?);
        at = end;
    }
    Some(ReadContainer { data_type, buffers })
}

/// The mask sizes of a response to [`retrieve_id_ranges_request`], from one frame payload.
pub fn parse_id_ranges_response(payload: &[u8]) -> Option<[u32; 16]> {
    if le32(payload, 0)? != DIAG_LOG_CONFIG_F
        || le32(payload, 4)? != LOG_CONFIG_RETRIEVE_ID_RANGES
        || le32(payload, 8)? != 0
    {
        return None;
    }
    let mut out = [0u32; 16];
    for (i, v) in out.iter_mut().enumerate() {
        *v = le32(payload, 12 + 4 * i)?;
    }
    Some(out)
}

/// Start the device thread: the memory-device protocol for `/dev/diag`, or bare HDLC frames
/// when `path` is a serial port ([`crate::serial`]).
pub fn spawn(path: PathBuf, out: SyncSender<Input>) -> Result<()> {
    let mut dev = crate::serial::open_port(&path)
        .with_context(|| format!("{}: cannot open DIAG device", path.display()))?;
    if crate::serial::is_serial(&dev) {
        return crate::serial::spawn(dev, path, out);
    }
    let remote = setup_driver(&dev).with_context(|| format!("{}: setup", path.display()))?;
    configure_logging(&mut dev, remote, &path, &out)?;
    std::thread::Builder::new()
        .name("diag-device".into())
        .spawn(move || {
            let reason = read_loop(dev, &out);
            let _ = out.send(Input::SourceEnded(reason));
        })
        .context("starting the device thread")?;
    Ok(())
}

/// Memory-device mode and the remote-modem question; returns whether the modem is remote.
#[allow(unsafe_code)]
fn setup_driver(dev: &File) -> Result<bool> {
    use std::os::fd::AsRawFd;
    let fd = dev.as_raw_fd();
    #[repr(C)]
    struct ModeParam {
        req_mode: u32,
        peripheral_mask: u32,
        mode_param: u8,
    }
    // SAFETY: plain ioctls on an fd we own; the structures outlive the calls and match the
    // driver's layout (diagchar.h), and the driver reads/writes no more than their size.
    unsafe {
        if libc::ioctl(
            fd,
            DIAG_IOCTL_SWITCH_LOGGING as _,
            MEMORY_DEVICE_MODE as libc::c_ulong,
        ) < 0
        {
            let mut p = ModeParam {
                req_mode: MEMORY_DEVICE_MODE,
                peripheral_mask: u32::MAX,
                mode_param: 0,
            };
            if libc::ioctl(fd, DIAG_IOCTL_SWITCH_LOGGING as _, &mut p as *mut ModeParam) < 0 {
                return Err(anyhow!(
                    "DIAG_IOCTL_SWITCH_LOGGING failed: {}",
                    std::io::Error::last_os_error()
                ));
            }
        }
        let mut remote: libc::c_int = 0;
        if libc::ioctl(
            fd,
            DIAG_IOCTL_REMOTE_DEV as _,
            &mut remote as *mut libc::c_int,
        ) < 0
        {
            remote = 0;
        }
        Ok(remote > 0)
    }
}

/// Enable the LTE log codes; frames read meanwhile go to the recorder, not lost.
fn configure_logging(
    dev: &mut File,
    remote: bool,
    path: &Path,
    out: &SyncSender<Input>,
) -> Result<()> {
    dev.write_all(&request_container(&retrieve_id_ranges_request(), remote))
        .or_else(ignore_write_zero)
        .with_context(|| format!("{}: writing log config request", path.display()))?;
    let mut bits = FALLBACK_LTE_MASK_BITS;
    let mut others: Vec<Vec<u8>> = Vec::new();
    let mut buf = vec![0u8; READ_BUF];
    let deadline = Instant::now() + Duration::from_secs(5);
    'wait: while Instant::now() < deadline {
        let n = dev
            .read(&mut buf)
            .with_context(|| format!("{}: reading", path.display()))?;
        let Some(c) = parse_read_container(buf.get(..n).unwrap_or(&[])) else {
            continue;
        };
        for b in c.buffers {
            let mut payload = Vec::new();
            for raw in b.split(|&x| x == hdlc::FLAG).filter(|r| !r.is_empty()) {
                if hdlc::decode_frame(raw, &mut payload).is_ok() {
                    if let Some(sizes) = parse_id_ranges_response(&payload) {
                        if let Some(&s) = sizes.get(EQUIPMENT_LTE as usize) {
                            if s > 0 {
                                bits = s;
                            }
                        }
                        others = other_mask_requests(&sizes);
                        break 'wait;
                    }
                }
            }
            let _ = out.send(Input::Bytes(b.to_vec()));
        }
    }
    dev.write_all(&request_container(
        &set_mask_request(EQUIPMENT_LTE, bits, &lte_equipment_codes()),
        remote,
    ))
    .or_else(ignore_write_zero)
    .with_context(|| format!("{}: writing log mask", path.display()))?;
    for request in others {
        dev.write_all(&request_container(&request, remote))
            .or_else(ignore_write_zero)
            .with_context(|| format!("{}: writing GSM/UMTS log mask", path.display()))?;
    }
    Ok(())
}

/// The GSM and UMTS NAS mask requests for the equipment the device reports a mask size for.
pub fn other_mask_requests(sizes: &[u32; 16]) -> Vec<Vec<u8>> {
    OTHER_MASKS
        .iter()
        .filter_map(|(equipment, codes)| {
            let bits = sizes.get(*equipment as usize).copied().filter(|&b| b > 0)?;
            Some(set_mask_request(*equipment, bits, codes))
        })
        .collect()
}

/// The driver reports 0 bytes written for requests it does take.
fn ignore_write_zero(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::WriteZero {
        Ok(())
    } else {
        Err(e)
    }
}

fn read_loop(mut dev: File, out: &SyncSender<Input>) -> String {
    let mut buf = vec![0u8; READ_BUF];
    loop {
        let n = match dev.read(&mut buf) {
            Ok(0) => return "device closed".into(),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return format!("device read failed: {e}"),
        };
        let Some(c) = parse_read_container(buf.get(..n).unwrap_or(&[])) else {
            continue;
        };
        if c.data_type != USER_SPACE_DATA_TYPE {
            continue;
        }
        for b in c.buffers {
            if out.send(Input::Bytes(b.to_vec())).is_err() {
                return "watch stopped".into();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm_and_umts_masks_follow_the_reported_sizes() {
        let mut sizes = [0u32; 16];
        assert!(other_mask_requests(&sizes).is_empty());
        sizes[EQUIPMENT_GSM as usize] = 0xC00;
        sizes[EQUIPMENT_UMTS_NAS as usize] = 0x200;
        let r = other_mask_requests(&sizes);
        assert_eq!(r.len(), 2);
        // GSM: bit 0x12F and bit 0xB2F of a 0xC00-bit mask, after the 16-byte header.
        let gsm = r.first().unwrap();
        assert_eq!(&gsm[8..12], &EQUIPMENT_GSM.to_le_bytes());
        assert_eq!(gsm.len(), 16 + 0xC00 / 8);
        assert_eq!(gsm[16 + 0x12F / 8], 1 << (0x12F % 8));
        assert_eq!(gsm[16 + 0xB2F / 8], 1 << (0xB2F % 8));
        let umts = r.get(1).unwrap();
        assert_eq!(umts[16 + 0x13A / 8], 1 << (0x13A % 8));
        // A mask too small for a code leaves it out rather than overflowing.
        sizes[EQUIPMENT_GSM as usize] = 0x200;
        let r = other_mask_requests(&sizes);
        let gsm = r.first().unwrap();
        assert_eq!(gsm.len(), 16 + 0x200 / 8);
        assert_eq!(gsm[16 + 0x12F / 8], 1 << (0x12F % 8));
    }

    /// Bytes as Rayhunter's tests and QCSuper's protocol notes give them.
    #[test]
    fn retrieve_id_ranges_bytes() {
        assert_eq!(retrieve_id_ranges_request(), [0x73, 0, 0, 0, 1, 0, 0, 0]);
    }

    #[test]
    fn empty_set_mask_bytes() {
        assert_eq!(
            set_mask_request(0, 0, &[]),
            [0x73, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn lte_mask_covers_rrc_and_nas_codes() {
        // LTE equipment with the 513-bit mask a real modem reports.
        let r = set_mask_request(EQUIPMENT_LTE, 513, &LTE_LOG_CODES);
        assert_eq!(
            r.get(..16).unwrap(),
            [0x73, 0, 0, 0, 3, 0, 0, 0, 0x0B, 0, 0, 0, 0x01, 0x02, 0, 0]
        );
        let mask = r.get(16..).unwrap();
        assert_eq!(mask.len(), 65);
        let mut expected = vec![0u8; 65];
        expected[0xC0 / 8] = 0x01; // 0xB0C0
        expected[0xE2 / 8] = 0x0C; // 0xB0E2, 0xB0E3
        expected[0xEC / 8] = 0x30; // 0xB0EC, 0xB0ED
        assert_eq!(mask, expected.as_slice());
        // Codes of other equipment and beyond the mask are left out.
        let r = set_mask_request(EQUIPMENT_LTE, 8, &[0x412F, 0xB0C0, 0xB001]);
        assert_eq!(r.get(16..).unwrap(), [0x02]);
    }

    #[test]
    fn a_5g_modem_mask_enables_nr_rrc_ota() {
        // A modem with NR reports an LTE-equipment mask past bit 0x821.
        let r = set_mask_request(EQUIPMENT_LTE, 0x900, &LTE_LOG_CODES);
        let mask = r.get(16..).unwrap();
        assert_eq!(mask.len(), 0x900 / 8);
        assert_eq!(mask[0x821 / 8], 1 << (0x821 % 8), "0xB821 NR RRC OTA");
        assert_eq!(mask[0xC0 / 8], 0x01, "0xB0C0 LTE RRC OTA");
    }

    #[test]
    fn nr_nas_codes_are_enabled_when_the_mask_is_large_enough() {
        let r = set_mask_request(EQUIPMENT_LTE, 0x1000, &lte_equipment_codes());
        let mask = r.get(16..).unwrap();
        assert_eq!(mask[0x800 / 8], 0x03); // 0xB800, 0xB801
        assert_eq!(mask[0x80A / 8], 0x0C); // 0xB80A, 0xB80B
        assert_eq!(mask[0x814 / 8], 0x10); // 0xB814
        assert_eq!(mask[0xC0 / 8], 0x01); // LTE RRC still there
                                          // A modem reporting a mask too small for them gets the LTE codes alone.
        let small = set_mask_request(EQUIPMENT_LTE, 0x0EE, &lte_equipment_codes());
        let plain = set_mask_request(EQUIPMENT_LTE, 0x0EE, &LTE_LOG_CODES);
        assert_eq!(small, plain);
    }

    #[test]
    fn request_container_bytes() {
        let framed = request_container(&retrieve_id_ranges_request(), false);
        let mut frame = Vec::new();
        hdlc::encode_frame(&[0x73, 0, 0, 0, 1, 0, 0, 0], &mut frame);
        assert_eq!(framed.get(..4).unwrap(), [32, 0, 0, 0]);
        assert_eq!(framed.get(4..).unwrap(), frame.as_slice());
        let remote = request_container(&[1, 2], true);
        assert_eq!(
            remote.get(..8).unwrap(),
            [32, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
        );
        // The frame ends with the checksum and a flag, and decodes back.
        let mut back = Vec::new();
        let body = frame.get(..frame.len() - 1).unwrap();
        hdlc::decode_frame(body, &mut back).unwrap();
        assert_eq!(back, [0x73, 0, 0, 0, 1, 0, 0, 0]);
    }

    #[test]
    fn read_containers_split_and_reject_bad_lengths() {
        let b = [
            32, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0xAA, 0x7E, 1, 0, 0, 0, 0x7E,
        ];
        let c = parse_read_container(&b).unwrap();
        assert_eq!(c.data_type, 32);
        assert_eq!(c.buffers, vec![&[0xAA, 0x7E][..], &[0x7E][..]]);
        assert!(parse_read_container(&[32, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 1]).is_none());
        assert!(parse_read_container(&[32, 0]).is_none());
    }

    #[test]
    fn id_ranges_response() {
        let mut p = vec![0x73, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        for i in 0..16u32 {
            p.extend_from_slice(&(if i == 11 { 513u32 } else { i }).to_le_bytes());
        }
        let sizes = parse_id_ranges_response(&p).unwrap();
        assert_eq!(sizes[11], 513);
        assert!(parse_id_ranges_response(p.get(..20).unwrap()).is_none());
        p[8] = 1; // non-zero status
        assert!(parse_id_ranges_response(&p).is_none());
    }
}
