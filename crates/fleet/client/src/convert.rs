//! From a recording's analysis (findings and the cell table) to an upload batch.
//!
//! What leaves the sensor: the cells it saw (network identity, channel, PCI, when, and where
//! the sensor was), with the signal it measured on them (RSRP, RSRQ) and the timing advance a
//! connection gave, the cells it only measured (channel and PCI, no identity), the
//! findings (analyzer, severity, title and explanation with any long digit run removed), and
//! positions as the owner chose. Never the sensor's own subscriber identities: the batch has
//! no field for them, and the free text is scrubbed in case an explanation ever quotes one.
//! Evidence segments (raw radio messages) only when asked, and then only the downlink
//! messages around each finding: the sensor's IMSI and IMEI travel uplink.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256};
use stingwatch_capture::PcapngWriter;
use stingwatch_decode::CaptureReader;
use stingwatch_events::Plmn;
use stingwatch_fleet_model::{
    BatchId, CellKey, EvidenceSegment, Observation, Position, Rat, SensorFinding, UploadBatch,
    MAX_EVIDENCE, MAX_EVIDENCE_BYTES, MAX_FINDINGS, MAX_OBSERVATIONS, MAX_TEXT, PROTOCOL_VERSION,
};
use stingwatch_gps::{Located, Track};
use stingwatch_model::{CaptureTime, Direction, ReadItem};
use stingwatch_report::{CellRecord, FileFinding, RadioCellRecord};

/// Raw evidence bytes one batch carries at most (base64 makes them a third larger), so a
/// batch with evidence stays under the protocol's body limit.
pub const MAX_EVIDENCE_BYTES_PER_BATCH: usize = 4 * 1024 * 1024;
/// Messages before a finding's first packet and after its last kept in its segment.
pub const EVIDENCE_CONTEXT_PACKETS: u64 = 20;
/// Digits in a row from which text is taken to be an identity (IMSI and IMEI have 15).
const IDENTITY_DIGITS: usize = 14;
/// Decimal places positions are rounded to when the owner did not opt into exact ones
/// (0.001 degree: about 110 m, under one grid cell).
const COARSE_DECIMALS: f64 = 1000.0;

/// How a batch is made.
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions<'a> {
    /// Send findings' positions exactly (the owner opted in); otherwise rounded.
    pub share_exact_position: bool,
    /// Where the sensor was over time; without it, positions come from the analysis (each
    /// cell's and finding's located fix, aged by how far its time is from the sighting's).
    pub track: Option<&'a Track>,
    /// Cut evidence segments from this recording (only when the owner asked for evidence).
    pub evidence_from: Option<&'a Path>,
    /// Time used for sightings without a capture time, milliseconds since the epoch.
    pub now_ms: i64,
}

/// Replaces runs of [`IDENTITY_DIGITS`] or more digits (IMSI, IMEI, IMEISV) and `0x`-hex
/// values of 8 or more digits (TMSI, M-TMSI) with a placeholder.
pub fn scrub_identities(text: &str) -> String {
    const PLACEHOLDER: &str = "[identity removed]";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(body) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
            let n = body.bytes().take_while(|b| b.is_ascii_hexdigit()).count();
            let (value, tail) = body.split_at_checked(n).unwrap_or((body, ""));
            if n >= 8 {
                out.push_str(PLACEHOLDER);
            } else {
                out.push_str(rest.get(..2).unwrap_or_default());
                out.push_str(value);
            }
            rest = tail;
            continue;
        }
        if c.is_ascii_digit() {
            let n = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
            let (run, tail) = rest.split_at_checked(n).unwrap_or((rest, ""));
            out.push_str(if n >= IDENTITY_DIGITS {
                PLACEHOLDER
            } else {
                run
            });
            rest = tail;
            continue;
        }
        out.push(c);
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    out
}

fn bounded_text(s: &str) -> String {
    let mut t = scrub_identities(s);
    if t.len() > MAX_TEXT {
        let mut end = MAX_TEXT;
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        t.truncate(end);
    }
    t
}

fn micros_to_ms(t: Option<CaptureTime>) -> Option<i64> {
    t.map(|t| t.unix_micros().div_euclid(1000))
}

/// Where the sensor was at `time`: the track's nearest fix within its age limit, else the
/// fix the analysis located (`known`) with its age taken from `time`.
fn place_at(
    time: Option<CaptureTime>,
    known: Option<&Located>,
    opts: &ConvertOptions,
) -> (Option<Position>, Option<u64>) {
    let located = match (opts.track, time) {
        (Some(track), Some(t)) => track.locate(t),
        (None, Some(t)) => known.map(|p| Located {
            age_ms: p.fix_time.0.abs_diff(t.0) / 1000,
            ..*p
        }),
        (_, None) => None,
    };
    match located {
        Some(p) => (
            Some(Position {
                latitude: p.latitude,
                longitude: p.longitude,
                accuracy_m: p.accuracy_m,
            }),
            Some(p.age_ms),
        ),
        None => (None, None),
    }
}

fn lte_cell(plmn: Plmn, tac: u32, cell_id: u32) -> CellKey {
    CellKey {
        rat: Rat::Lte,
        mcc: plmn.mcc,
        mnc: plmn.mnc,
        area: tac,
        cell: u64::from(cell_id),
    }
}

/// A finding id stable across re-analysis of the same recording: a digest of the
/// recording's file name, the analyzer, the episode's first packet and the cell.
fn finding_id(f: &FileFinding) -> String {
    let name = Path::new(&f.file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cell = f.finding.cell.map(|c| c.to_string()).unwrap_or_default();
    let digest = Sha256::digest(
        format!(
            "{name}\n{}\n{}\n{cell}",
            f.finding.kind, f.finding.first_packet
        )
        .as_bytes(),
    );
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("f-{hex}")
}

/// A finding's position: exact when the owner opted in, else rounded to about 110 m.
fn finding_position(f: &FileFinding, opts: &ConvertOptions) -> Option<Position> {
    let p = place_at(f.observed_at(), f.position.as_ref(), opts).0?;
    if opts.share_exact_position {
        return Some(p);
    }
    let round = |v: f64| (v * COARSE_DECIMALS).round() / COARSE_DECIMALS;
    Some(Position {
        latitude: round(p.latitude),
        longitude: round(p.longitude),
        accuracy_m: Some(p.accuracy_m.unwrap_or(0.0).max(150.0)),
    })
}

/// A sighting at `time` (ms since the epoch, the capture time when known).
fn sighting(
    time: Option<CaptureTime>,
    known: Option<&Located>,
    opts: &ConvertOptions,
) -> Observation {
    let (position, position_age_ms) = place_at(time, known, opts);
    Observation {
        time_ms: micros_to_ms(time).unwrap_or(opts.now_ms),
        cell: None,
        channel: None,
        pci: None,
        serving: false,
        rsrp_dbm: None,
        rsrq_db: None,
        timing_advance: None,
        position,
        position_age_ms,
        identity_exposures: 0,
        connections: 0,
    }
}

/// What the analysis knows of one cell.
struct Measured<'a> {
    cell: Option<CellKey>,
    channel: Option<u32>,
    pci: Option<u16>,
    serving: bool,
    first: Option<CaptureTime>,
    signal: Option<&'a stingwatch_report::SignalSummary>,
    ta: Option<&'a stingwatch_report::TimingAdvanceSeen>,
    known: Option<&'a Located>,
}

/// A cell's sightings: when it was first seen; the latest measurement of its signal (RSRP,
/// RSRQ) where the sensor then was; and its latest timing advance where the sensor was when
/// the random access response came (a connection). Each carries its own time so that the
/// server pairs a measurement with the place it was made.
fn cell_sightings(m: Measured<'_>, opts: &ConvertOptions) -> Vec<Observation> {
    let Measured {
        cell,
        channel,
        pci,
        serving,
        first,
        signal,
        ta,
        known,
    } = m;
    let stamp = |mut o: Observation| {
        o.cell = cell;
        o.channel = channel;
        o.pci = pci;
        o.serving = serving;
        o
    };
    let mut out = Vec::new();
    let signal_time = signal.and_then(|s| s.last_time);
    if let Some(first) = first.filter(|t| Some(*t) != signal_time) {
        out.push(stamp(sighting(Some(first), known, opts)));
    }
    if let Some(s) = signal {
        let mut o = stamp(sighting(signal_time, known, opts));
        o.rsrp_dbm = Some(s.rsrp_dbm_last.db());
        o.rsrq_db = s.rsrq_db_last.map(|q| q.db());
        out.push(o);
    }
    if let Some(ta) = ta {
        let mut o = stamp(sighting(ta.time, known, opts));
        o.timing_advance = Some(u32::from(ta.value));
        // A timing advance comes in a random access response: the sensor connected.
        o.serving = true;
        o.connections = 1;
        out.push(o);
    }
    out
}

/// The batch for one recording's analysis: its findings, the cells it identified and the
/// cells it only measured (`radio_cells`). Findings beyond [`MAX_FINDINGS`] and cells beyond
/// what [`MAX_OBSERVATIONS`] allows are left out, most severe findings kept first.
pub fn batch_from_analysis(
    batch_id: BatchId,
    findings: &[FileFinding],
    cells: &[CellRecord],
    radio_cells: &[RadioCellRecord],
    opts: &ConvertOptions,
) -> UploadBatch {
    let mut sorted: Vec<&FileFinding> = findings.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.finding.severity));
    sorted.truncate(MAX_FINDINGS);

    let mut observations = Vec::new();
    for c in cells {
        let Some(plmn) = Plmn::parse(&c.plmn) else {
            continue;
        };
        let key = lte_cell(plmn, c.tac, c.cell_id);
        // The fleet's exposure rate per cell: how often this cell asked for an identity
        // before authenticating, as this recording's findings say.
        let exposures = findings
            .iter()
            .filter(|f| {
                f.finding.kind.contains("identity")
                    && f.finding.cell.and_then(|r| r.identity).is_some_and(|id| {
                        id.plmn == plmn && id.tac == c.tac && id.cell_id == c.cell_id
                    })
            })
            .count() as u32;
        let mut seen = cell_sightings(
            Measured {
                cell: Some(key),
                channel: c.earfcn,
                pci: c.pci,
                serving: true,
                first: c.first_time.or(c.last_time),
                signal: c.signal.as_ref(),
                ta: c.timing_advance.as_ref(),
                known: c.position.as_ref(),
            },
            opts,
        );
        if seen.is_empty() {
            // Neither a time nor a measurement: one sighting stamped with the batch's time.
            seen.push(Observation {
                cell: Some(key),
                channel: c.earfcn,
                pci: c.pci,
                serving: true,
                ..sighting(None, None, opts)
            });
        }
        if let Some(o) = seen.first_mut() {
            o.identity_exposures = exposures;
        }
        if observations.len() + seen.len() > MAX_OBSERVATIONS {
            break;
        }
        observations.extend(seen);
    }
    for r in radio_cells {
        // Without a channel and PCI a measured cell names nothing.
        if r.earfcn.is_none() || r.pci.is_none() {
            continue;
        }
        let seen = cell_sightings(
            Measured {
                cell: None,
                channel: r.earfcn,
                pci: r.pci,
                serving: false,
                first: None,
                signal: r.signal.as_ref(),
                ta: r.timing_advance.as_ref(),
                known: r.position.as_ref(),
            },
            opts,
        );
        if observations.len() + seen.len() > MAX_OBSERVATIONS {
            break;
        }
        observations.extend(seen);
    }

    let evidence_for: Vec<&FileFinding> = if opts.evidence_from.is_some() {
        sorted.iter().copied().take(MAX_EVIDENCE).collect()
    } else {
        Vec::new()
    };
    let segments = match opts.evidence_from {
        Some(path) if !evidence_for.is_empty() => cut_segments(path, &evidence_for),
        _ => Vec::new(),
    };
    let mut evidence = Vec::new();
    let mut evidence_index: BTreeMap<usize, usize> = BTreeMap::new();
    let mut budget = MAX_EVIDENCE_BYTES_PER_BATCH;
    for (i, seg) in segments.into_iter().enumerate() {
        let Some(bytes) = seg else { continue };
        if bytes.len() > budget || bytes.len() > MAX_EVIDENCE_BYTES {
            continue;
        }
        budget -= bytes.len();
        evidence_index.insert(i, evidence.len());
        evidence.push(EvidenceSegment {
            format: "pcapng".into(),
            data_base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
        });
    }

    let out_findings = sorted
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let time_ms =
                micros_to_ms(f.finding.time.or(f.finding.first_time)).unwrap_or(opts.now_ms);
            let cell = f.finding.cell;
            let key = cell
                .and_then(|c| c.identity)
                .map(|id| lte_cell(id.plmn, id.tac, id.cell_id));
            SensorFinding {
                id: finding_id(f),
                kind: crate::outbox::id_safe(f.finding.kind, stingwatch_fleet_model::MAX_ID),
                severity: f.finding.severity,
                rat: key.map(|k| k.rat),
                title: bounded_text(&f.finding.title),
                explanation: bounded_text(&f.finding.explanation),
                time_ms,
                cell: key,
                channel: cell.and_then(|c| c.earfcn),
                pci: cell.and_then(|c| c.pci),
                position: finding_position(f, opts),
                evidence: evidence_index.get(&i).copied(),
            }
        })
        .collect();

    UploadBatch {
        protocol: PROTOCOL_VERSION,
        batch_id,
        created_ms: opts.now_ms,
        observations,
        findings: out_findings,
        evidence,
    }
}

/// One pass over the recording: for each finding, the downlink messages from
/// [`EVIDENCE_CONTEXT_PACKETS`] before its first packet to as many after its last, as GSMTAP
/// pcapng. `None` for a finding whose segment would be empty or too large.
fn cut_segments(path: &Path, findings: &[&FileFinding]) -> Vec<Option<Vec<u8>>> {
    let windows: Vec<(u64, u64)> = findings
        .iter()
        .map(|f| {
            (
                f.finding
                    .first_packet
                    .saturating_sub(EVIDENCE_CONTEXT_PACKETS),
                f.finding
                    .last_packet
                    .saturating_add(EVIDENCE_CONTEXT_PACKETS),
            )
        })
        .collect();
    let mut writers: Vec<Option<(PcapngWriter<Vec<u8>>, u64)>> = windows
        .iter()
        .map(|_| PcapngWriter::new(Vec::new()).ok().map(|w| (w, 0)))
        .collect();
    let Ok(reader) = CaptureReader::open(path) else {
        return windows.iter().map(|_| None).collect();
    };
    let end = windows.iter().map(|w| w.1).max().unwrap_or(0);
    for item in reader {
        let ReadItem::Message(m) = item else { continue };
        if m.packet > end {
            break;
        }
        if m.direction != Direction::Downlink {
            continue;
        }
        for (w, slot) in windows.iter().zip(writers.iter_mut()) {
            if m.packet < w.0 || m.packet > w.1 {
                continue;
            }
            let mut too_big = false;
            if let Some((writer, n)) = slot.as_mut() {
                if writer.write_message(&m, &[]).is_ok() {
                    *n += 1;
                }
                too_big = writer_len(writer) > MAX_EVIDENCE_BYTES;
            }
            if too_big {
                *slot = None;
            }
        }
    }
    writers
        .into_iter()
        .map(|slot| {
            let (w, n) = slot?;
            if n == 0 {
                return None;
            }
            w.into_inner().ok()
        })
        .collect()
}

fn writer_len(w: &PcapngWriter<Vec<u8>>) -> usize {
    w.get_ref().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_digit_runs_and_hex_identities_are_scrubbed_and_the_rest_kept() {
        let t = "IMSI 262011234567890 sent, TMSI 0xdeadbeef, cell 12345, TAC 0x1a2b, 0 x";
        let s = scrub_identities(t);
        assert!(!s.contains("262011234567890"), "{s}");
        assert!(!s.contains("deadbeef"), "{s}");
        assert!(s.contains("cell 12345"), "{s}");
        assert!(s.contains("TAC 0x1a2b"), "{s}");
        assert!(s.ends_with(", 0 x"), "{s}");
        assert_eq!(
            scrub_identities("IMEI 35-209900-176148-1"),
            "IMEI 35-209900-176148-1"
        );
        assert_eq!(scrub_identities("ünïcode 1234"), "ünïcode 1234");
    }
}
