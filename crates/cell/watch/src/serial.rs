//! `--device /dev/ttyUSB0`: DIAG over a serial line, the way a phone or USB modem exposes it.
//!
//! A serial DIAG port carries the bare HDLC frames of the DIAG protocol in both directions:
//! no data-type word, no remote-modem field, no ioctls (those belong to the `/dev/diag` memory
//! device). The line is put in raw mode so the terminal layer neither echoes nor rewrites a
//! byte. The handshake is the one the `/dev/diag` path performs — ask for the log-mask sizes,
//! then set the LTE mask to the log codes the decoders read — and those two requests are the
//! only bytes ever written to the modem.
//!
//! Unlike the memory device, a serial port may be the wrong port (an AT command port), a
//! modem with DIAG switched off, or a line that answers noise. Each answer is therefore
//! awaited with a deadline and checked, and the watch stops with an error that says which of
//! these it saw instead of waiting for ever.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::termios::{self, ControlModes, OptionalActions, QueueSelector};
use stingwatch_diag::hdlc;

use crate::device::{
    lte_equipment_codes, other_mask_requests, parse_id_ranges_response, retrieve_id_ranges_request,
    set_mask_request, DIAG_LOG_CONFIG_F, EQUIPMENT_LTE, LOG_CONFIG_RETRIEVE_ID_RANGES,
    LOG_CONFIG_SET_MASK,
};
use crate::live::Input;

/// How long the modem has to answer each log-configuration request.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);
/// Bytes that are not DIAG frames after which the port is judged not to speak DIAG, without
/// waiting for the deadline.
pub const GARBAGE_LIMIT: usize = 16 * 1024;
/// Mask size used when the modem does not say; covers every code the decoders read.
const FALLBACK_LTE_MASK_BITS: u32 = 0x0EE;
/// Largest read from the line.
const READ_BUF: usize = 64 * 1024;

/// DIAG responses that mean the modem refused a request (bad command, bad parameters, bad
/// length); each echoes the request after its first byte.
const DIAG_ERROR_RESPONSES: [(u8, &str); 3] = [
    (0x13, "bad command"),
    (0x14, "bad parameters"),
    (0x15, "bad length"),
];

/// Whether `file` is a terminal (a serial port), as opposed to the `/dev/diag` memory device.
pub fn is_serial(file: &File) -> bool {
    termios::isatty(file)
}

/// Put the line in raw mode, perform the log-mask handshake, and start the reading thread.
pub fn spawn(dev: File, path: PathBuf, out: SyncSender<Input>) -> Result<()> {
    set_raw(&dev)
        .with_context(|| format!("{}: cannot set the serial line to raw", path.display()))?;
    let mut link = SerialLink::new(dev);
    link.configure_logging(&out, ANSWER_TIMEOUT)
        .with_context(|| format!("{}: DIAG log configuration", path.display()))?;
    std::thread::Builder::new()
        .name("diag-serial".into())
        .spawn(move || {
            let reason = link.read_loop(&out);
            let _ = out.send(Input::SourceEnded(reason));
        })
        .context("starting the serial reading thread")?;
    Ok(())
}

/// Raw mode (no echo, no line editing, no byte translation, reads return what has arrived),
/// the receiver on and modem-control lines ignored, and stale input dropped.
pub fn set_raw(dev: &File) -> std::io::Result<()> {
    let mut t = termios::tcgetattr(dev)?;
    t.make_raw();
    t.control_modes |= ControlModes::CLOCAL | ControlModes::CREAD;
    termios::tcsetattr(dev, OptionalActions::Now, &t)?;
    termios::tcflush(dev, QueueSelector::IFlush)?;
    Ok(())
}

/// One serial DIAG port: the line and the bytes of a frame not yet complete.
pub struct SerialLink {
    dev: File,
    /// Bytes after the last flag seen; bounded by [`hdlc::MAX_RAW_FRAME`].
    partial: Vec<u8>,
    /// Bytes read that were not part of a good frame.
    garbage: usize,
}

impl SerialLink {
    /// Wrap a line already in raw mode.
    pub fn new(dev: File) -> Self {
        SerialLink {
            dev,
            partial: Vec::new(),
            garbage: 0,
        }
    }

    /// Ask for the mask sizes, then enable the LTE log codes. Log frames that arrive meanwhile
    /// are passed to `out`, not lost.
    pub fn configure_logging(&mut self, out: &SyncSender<Input>, timeout: Duration) -> Result<()> {
        let sizes = self.exchange(
            &retrieve_id_ranges_request(),
            LOG_CONFIG_RETRIEVE_ID_RANGES,
            out,
            timeout,
        )?;
        let sizes = parse_id_ranges_response(&sizes).ok_or_else(|| {
            anyhow!("the modem's answer to the mask-size request is malformed or reports a failure")
        })?;
        let bits = sizes
            .get(EQUIPMENT_LTE as usize)
            .copied()
            .filter(|&s| s > 0)
            .unwrap_or(FALLBACK_LTE_MASK_BITS);
        let set = self.exchange(
            &set_mask_request(EQUIPMENT_LTE, bits, &lte_equipment_codes()),
            LOG_CONFIG_SET_MASK,
            out,
            timeout,
        )?;
        match le32(&set, 8) {
            Some(0) => {}
            Some(status) => bail!("the modem refused the LTE log mask (status {status})"),
            None => bail!("the modem's answer to the LTE log mask is truncated"),
        }
        // 2G and 3G logging where the modem has it; a modem that refuses still logs LTE.
        for request in other_mask_requests(&sizes) {
            self.exchange(&request, LOG_CONFIG_SET_MASK, out, timeout)?;
        }
        Ok(())
    }

    /// Write one request frame and wait for the log-configuration response of `operation`;
    /// returns its payload (checksum removed).
    fn exchange(
        &mut self,
        request: &[u8],
        operation: u32,
        out: &SyncSender<Input>,
        timeout: Duration,
    ) -> Result<Vec<u8>> {
        let mut frame = Vec::new();
        hdlc::encode_frame(request, &mut frame);
        self.dev
            .write_all(&frame)
            .context("writing a log configuration request")?;
        let deadline = Instant::now() + timeout;
        let mut buf = vec![0u8; READ_BUF];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(self.silence_error(timeout));
            }
            if !wait_readable(&self.dev, left)? {
                continue;
            }
            let n = match self.dev.read(&mut buf) {
                Ok(0) => bail!("the serial line closed during the handshake"),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e).context("reading the serial line"),
            };
            let mut found = None;
            for raw in self.take_frames(buf.get(..n).unwrap_or(&[])) {
                let mut payload = Vec::new();
                if hdlc::decode_frame(
                    raw.strip_suffix(&[hdlc::FLAG]).unwrap_or(&raw),
                    &mut payload,
                )
                .is_err()
                {
                    self.garbage = self.garbage.saturating_add(raw.len());
                    continue;
                }
                if let Some(reason) = refusal(&payload, request) {
                    bail!("the modem refused a log configuration request ({reason})");
                }
                if found.is_none() && is_log_config_response(&payload, operation) {
                    found = Some(payload);
                } else {
                    // Anything else the modem sends (log records) is the recording's.
                    let _ = out.send(Input::Bytes(raw));
                }
            }
            if let Some(payload) = found {
                return Ok(payload);
            }
            if self.garbage >= GARBAGE_LIMIT {
                return Err(self.garbage_error());
            }
        }
    }

    /// Split `bytes`, after what was left over, into complete raw frames (each with its
    /// closing flag); keeps the incomplete tail, and drops a tail that has grown past any
    /// real frame, counting it as garbage.
    fn take_frames(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut frames = Vec::new();
        for chunk in bytes.split_inclusive(|&b| b == hdlc::FLAG) {
            self.partial.extend_from_slice(chunk);
            if chunk.last() == Some(&hdlc::FLAG) {
                let raw = std::mem::take(&mut self.partial);
                // A lone flag (frames may be separated by several) carries nothing.
                if raw.len() > 1 {
                    frames.push(raw);
                }
            } else if self.partial.len() > hdlc::MAX_RAW_FRAME {
                self.garbage = self.garbage.saturating_add(self.partial.len());
                self.partial.clear();
            }
        }
        frames
    }

    fn silence_error(&self, timeout: Duration) -> anyhow::Error {
        if self.garbage > 0 || !self.partial.is_empty() {
            anyhow!(
                "no DIAG answer within {} s; the port sent {} bytes that are not DIAG frames \
                 (is this the DIAG port, not an AT command port?)",
                timeout.as_secs_f32(),
                self.garbage + self.partial.len()
            )
        } else {
            anyhow!(
                "the modem did not answer within {} s (is DIAG enabled on this port? see \
                 docs/watch.md for how to expose it)",
                timeout.as_secs_f32()
            )
        }
    }

    fn garbage_error(&self) -> anyhow::Error {
        anyhow!(
            "the port sent {} bytes that are not DIAG frames (is this the DIAG port, not an \
             AT command port?)",
            self.garbage
        )
    }

    /// Pass everything the line delivers to `out` until it closes or the watch stops.
    pub fn read_loop(mut self, out: &SyncSender<Input>) -> String {
        let rest = std::mem::take(&mut self.partial);
        if !rest.is_empty() && out.send(Input::Bytes(rest)).is_err() {
            return "watch stopped".into();
        }
        let mut buf = vec![0u8; READ_BUF];
        loop {
            let n = match self.dev.read(&mut buf) {
                Ok(0) => return "serial line closed".into(),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return format!("serial line read failed: {e}"),
            };
            let chunk = buf.get(..n).unwrap_or(&[]).to_vec();
            if out.send(Input::Bytes(chunk)).is_err() {
                return "watch stopped".into();
            }
        }
    }
}

/// Whether `dev` has bytes to read within `left`; false on timeout or interruption.
fn wait_readable(dev: &File, left: Duration) -> Result<bool> {
    // Whole milliseconds, at least one, so a sub-millisecond rest does not spin.
    let wait = left.max(Duration::from_millis(1));
    let ts = Timespec::try_from(wait).unwrap_or(Timespec {
        tv_sec: 1,
        tv_nsec: 0,
    });
    let fd = dev.as_fd();
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    match rustix::event::poll(&mut fds, Some(&ts)) {
        Ok(n) => Ok(n > 0),
        Err(rustix::io::Errno::INTR) => Ok(false),
        Err(e) => Err(std::io::Error::from(e)).context("waiting for the serial line"),
    }
}

/// Whether `payload` is the log-configuration response to `operation`.
fn is_log_config_response(payload: &[u8], operation: u32) -> bool {
    le32(payload, 0) == Some(DIAG_LOG_CONFIG_F) && le32(payload, 4) == Some(operation)
}

/// Why the modem refused `request`, when `payload` is an error response echoing it.
fn refusal(payload: &[u8], request: &[u8]) -> Option<&'static str> {
    let (&code, echoed) = payload.split_first()?;
    let (_, reason) = DIAG_ERROR_RESPONSES.iter().find(|(c, _)| *c == code)?;
    // The echo may be cut short by the modem; it must agree as far as it goes.
    let n = echoed.len().min(request.len());
    (n > 0 && echoed.get(..n) == request.get(..n)).then_some(*reason)
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(s.try_into().ok()?))
}

/// Opens `path` for DIAG without making it the process's controlling terminal.
pub fn open_port(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::LTE_LOG_CODES;
    use crate::device::{EQUIPMENT_GSM, EQUIPMENT_UMTS_NAS, GSM_LOG_CODES, UMTS_NAS_LOG_CODES};
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    use std::sync::mpsc::{sync_channel, Receiver};

    /// A pseudo-terminal pair: the far end (the "modem") and our end, opened by path as a
    /// user's `--device /dev/pts/N` would be, and set raw.
    fn pty_pair() -> (File, SerialLink) {
        let master =
            openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let path = PathBuf::from(name.to_str().unwrap());
        let ours = open_port(&path).unwrap();
        assert!(is_serial(&ours));
        set_raw(&ours).unwrap();
        (File::from(master), SerialLink::new(ours))
    }

    /// Reads request frames from the far end until `n` have come; returns their payloads.
    fn read_requests(modem: &mut File, n: usize) -> Vec<Vec<u8>> {
        let mut got = Vec::new();
        let mut pending = Vec::new();
        let mut buf = [0u8; 4096];
        while got.len() < n {
            let k = modem.read(&mut buf).unwrap();
            pending.extend_from_slice(&buf[..k]);
            while let Some(end) = pending.iter().position(|&b| b == hdlc::FLAG) {
                let raw: Vec<u8> = pending.drain(..=end).collect();
                let mut payload = Vec::new();
                hdlc::decode_frame(&raw[..raw.len() - 1], &mut payload).unwrap();
                got.push(payload);
            }
        }
        got
    }

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut f = Vec::new();
        hdlc::encode_frame(payload, &mut f);
        f
    }

    fn id_ranges_answer(lte_bits: u32) -> Vec<u8> {
        let mut p = vec![0x73, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        for i in 0..16u32 {
            p.extend_from_slice(&(if i == EQUIPMENT_LTE { lte_bits } else { 0 }).to_le_bytes());
        }
        frame(&p)
    }

    fn set_mask_answer(status: u32) -> Vec<u8> {
        let mut p = vec![0x73, 0, 0, 0, 3, 0, 0, 0];
        p.extend_from_slice(&status.to_le_bytes());
        p.extend_from_slice(&EQUIPMENT_LTE.to_le_bytes());
        frame(&p)
    }

    fn drain(rx: &Receiver<Input>) -> Vec<u8> {
        let mut all = Vec::new();
        while let Ok(Input::Bytes(b)) = rx.try_recv() {
            all.extend_from_slice(&b);
        }
        all
    }

    #[test]
    fn answering_modem_gets_exactly_the_two_requests() {
        let (mut modem, mut link) = pty_pair();
        let (tx, rx) = sync_channel(64);
        let log_record = frame(&[0x10, 0, 1, 2, 3]);
        let far = {
            let log_record = log_record.clone();
            std::thread::spawn(move || {
                let first = read_requests(&mut modem, 1);
                // A log record already flowing, in two pieces around the answer's start.
                modem.write_all(&log_record[..3]).unwrap();
                modem.write_all(&log_record[3..]).unwrap();
                modem.write_all(&id_ranges_answer(513)).unwrap();
                let second = read_requests(&mut modem, 1);
                modem.write_all(&set_mask_answer(0)).unwrap();
                (first, second, modem)
            })
        };
        link.configure_logging(&tx, Duration::from_secs(10))
            .unwrap();
        let (first, second, _modem) = far.join().unwrap();
        assert_eq!(first, vec![retrieve_id_ranges_request()]);
        assert_eq!(
            second,
            vec![set_mask_request(EQUIPMENT_LTE, 513, &LTE_LOG_CODES)]
        );
        // The log record reached the recorder intact; the answers did not.
        assert_eq!(drain(&rx), log_record);
    }

    #[test]
    fn modem_with_2g_and_3g_logging_gets_those_masks_too() {
        let (mut modem, mut link) = pty_pair();
        let (tx, _rx) = sync_channel(64);
        let far = std::thread::spawn(move || {
            read_requests(&mut modem, 1);
            let mut p = vec![0x73, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
            for i in 0..16u32 {
                let bits = match i {
                    EQUIPMENT_LTE => 513,
                    EQUIPMENT_GSM => 0xC00,
                    EQUIPMENT_UMTS_NAS => 0x200,
                    _ => 0,
                };
                p.extend_from_slice(&u32::to_le_bytes(bits));
            }
            modem.write_all(&frame(&p)).unwrap();
            let mut sent = Vec::new();
            // LTE accepted, GSM refused, UMTS accepted: only LTE's refusal would matter.
            for status in [0, 1, 0] {
                sent.extend(read_requests(&mut modem, 1));
                modem.write_all(&set_mask_answer(status)).unwrap();
            }
            (sent, modem)
        });
        link.configure_logging(&tx, Duration::from_secs(10))
            .unwrap();
        let (sent, _modem) = far.join().unwrap();
        assert_eq!(
            sent,
            vec![
                set_mask_request(EQUIPMENT_LTE, 513, &LTE_LOG_CODES),
                set_mask_request(EQUIPMENT_GSM, 0xC00, &GSM_LOG_CODES),
                set_mask_request(EQUIPMENT_UMTS_NAS, 0x200, &UMTS_NAS_LOG_CODES),
            ]
        );
    }

    #[test]
    fn silent_modem_is_a_clear_error_after_the_timeout() {
        let (_modem, mut link) = pty_pair();
        let (tx, _rx) = sync_channel(64);
        let start = Instant::now();
        let err = link
            .configure_logging(&tx, Duration::from_millis(300))
            .unwrap_err()
            .to_string();
        assert!(err.contains("did not answer within 0.3 s"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn modem_answering_noise_is_a_clear_error() {
        // A few bytes of an AT port's chatter: reported when the deadline passes.
        let (mut modem, mut link) = pty_pair();
        let (tx, rx) = sync_channel(64);
        modem.write_all(b"\r\nOK\r\n~garbage~").unwrap();
        let err = link
            .configure_logging(&tx, Duration::from_millis(500))
            .unwrap_err()
            .to_string();
        assert!(err.contains("bytes that are not DIAG frames"), "{err}");
        assert!(drain(&rx).is_empty());

        // A flood of noise: reported as soon as it passes the limit, well before the deadline.
        let (mut modem, mut link) = pty_pair();
        // Written without blocking: once we stop reading, the rest is simply not sent.
        rustix::fs::fcntl_setfl(&modem, rustix::fs::OFlags::NONBLOCK).unwrap();
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = std::sync::Arc::clone(&done);
        let far = std::thread::spawn(move || {
            let noise = [0x41u8, 0x42, 0x7E].repeat(GARBAGE_LIMIT);
            let mut sent = 0;
            while sent < noise.len() && !stop.load(std::sync::atomic::Ordering::SeqCst) {
                match modem.write(&noise[sent..]) {
                    Ok(n) => sent += n,
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            modem
        });
        let start = Instant::now();
        let err = link
            .configure_logging(&tx, Duration::from_secs(30))
            .unwrap_err()
            .to_string();
        assert!(err.contains("bytes that are not DIAG frames"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(10));
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = far.join();
    }

    #[test]
    fn refused_request_is_a_clear_error() {
        let (mut modem, mut link) = pty_pair();
        let (tx, _rx) = sync_channel(64);
        let far = std::thread::spawn(move || {
            let req = read_requests(&mut modem, 1).remove(0);
            let mut refusal = vec![0x13];
            refusal.extend_from_slice(&req);
            modem.write_all(&frame(&refusal)).unwrap();
            modem
        });
        let err = link
            .configure_logging(&tx, Duration::from_secs(10))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("refused") && err.contains("bad command"),
            "{err}"
        );
        let _ = far.join();
    }

    #[test]
    fn refused_mask_is_a_clear_error() {
        let (mut modem, mut link) = pty_pair();
        let (tx, _rx) = sync_channel(64);
        let far = std::thread::spawn(move || {
            read_requests(&mut modem, 1);
            modem.write_all(&id_ranges_answer(0)).unwrap();
            let second = read_requests(&mut modem, 1);
            modem.write_all(&set_mask_answer(1)).unwrap();
            (second, modem)
        });
        let err = link
            .configure_logging(&tx, Duration::from_secs(10))
            .unwrap_err()
            .to_string();
        assert!(err.contains("refused the LTE log mask"), "{err}");
        // A modem that gives no LTE mask size still gets a mask covering every code read.
        let (second, _modem) = far.join().unwrap();
        assert_eq!(
            second,
            vec![set_mask_request(
                EQUIPMENT_LTE,
                FALLBACK_LTE_MASK_BITS,
                &LTE_LOG_CODES
            )]
        );
    }

    #[test]
    fn frames_split_across_reads_and_overlong_runs() {
        let (_modem, mut link) = pty_pair();
        assert_eq!(link.take_frames(&[1, 2]), Vec::<Vec<u8>>::new());
        assert_eq!(
            link.take_frames(&[3, 0x7E, 0x7E, 4]),
            vec![vec![1, 2, 3, 0x7E]]
        );
        assert_eq!(link.partial, [4]);
        // A run without a flag longer than any frame is dropped and counted, not kept.
        let long = vec![0u8; hdlc::MAX_RAW_FRAME + 1];
        assert!(link.take_frames(&long).is_empty());
        assert!(link.partial.is_empty());
        assert_eq!(link.garbage, hdlc::MAX_RAW_FRAME + 2);
    }
}
