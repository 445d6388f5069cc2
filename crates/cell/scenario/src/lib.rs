//! Labeled scenario captures: cell-site-simulator attacks and their benign twins.
//!
//! Each scenario is a short, deterministic LTE recording (broadcast, connections, NAS
//! procedures) built from the project's own encoders and written with the project's own
//! writers as pcapng (GSMTAP) and QMDL (DIAG). Every attack carries the findings it must
//! produce ([`Expectation`]s: analyzer kind, packet, lowest acceptable severity); every
//! benign scenario is labeled "nothing at or above low". Together they give each detection
//! heuristic a positive and a negative test.
//!
//! Packet numbers are 1-based message indices: the pcapng frame number and the QMDL message
//! index are the same because every message becomes exactly one frame in both formats.
//!
//! Nothing here transmits anything: the output is files for testing a detector.

#![forbid(unsafe_code)]

mod catalog;
mod cell;
pub mod fleet;
mod gsm;
mod nr;
mod nr_sa;
mod recorder;
mod umts;

use serde::Serialize;
use std::fmt;
use std::io::Write;
use stingwatch_capture::PcapngWriter;
use stingwatch_diag::{QmdlWriter, WriteError};
use stingwatch_model::{CaptureTime, PayloadKind, RadioMessage};

/// Capture time of the first message of every scenario: 2026-01-01T12:00:00Z.
pub const START_TIME: CaptureTime = CaptureTime(1_767_268_800_000_000);

/// How NAS messages appear in a scenario.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NasCopies {
    /// Only inside the RRC messages that carry them (`dedicatedInfoNAS`), as a capture of RRC
    /// alone shows them.
    RrcOnly,
    /// Inside RRC and, right after each such RRC message, once more as a plain NAS record (the
    /// deciphered form when the RRC copy is ciphered), as Qualcomm DIAG logs show them.
    #[default]
    RrcAndRecords,
}

impl NasCopies {
    /// Name used in labels.
    pub fn as_str(self) -> &'static str {
        match self {
            NasCopies::RrcOnly => "rrc-only",
            NasCopies::RrcAndRecords => "rrc-and-records",
        }
    }
}

/// Options for [`build_with`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// How NAS messages appear.
    pub nas: NasCopies,
}

/// A finding an attack scenario must produce: a finding of `kind` at `packet`, or a finding
/// whose `includes` lists `kind` at `packet` (a step folded into a longer episode), reported
/// at `min_severity` or above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Expectation {
    /// Analyzer kind (the stable id of the heuristic, e.g. `identity-request-without-auth`).
    pub kind: &'static str,
    /// Packet the finding must point at (1-based message index).
    pub packet: u64,
    /// Lowest acceptable severity: `low`, `medium` or `high`.
    pub min_severity: &'static str,
    /// False when the heuristic needs radio context that GSMTAP does not carry (the physical
    /// cell id), so only the QMDL form can show it.
    pub in_pcapng: bool,
}

/// A built scenario: the messages of the recording and their labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// Stable id (e.g. `imsi-catcher`).
    pub name: &'static str,
    /// What happens, in a sentence or two.
    pub description: &'static str,
    /// True for an attack, false for benign behaviour.
    pub attack: bool,
    /// The scenario of the other kind that differs only in the incriminating part.
    pub twin: &'static str,
    /// How NAS messages appear.
    pub nas: NasCopies,
    /// The recording, in order; `packet` is the 1-based index, `offset` is 0 (no file yet).
    pub messages: Vec<RadioMessage>,
    /// One note per message (empty when there is nothing to say), written as pcapng comments.
    pub notes: Vec<String>,
    /// For each message: `None` for an RRC message, or for a NAS record the packet of the RRC
    /// message that carried the same NAS message.
    pub carried_by: Vec<Option<u64>>,
    /// Findings an attack must produce; empty for benign scenarios.
    pub expected: Vec<Expectation>,
}

impl Scenario {
    /// Packet number that `packet` (or, for a NAS record, the RRC message carrying it) has in
    /// the [`NasCopies::RrcOnly`] form of the same scenario; `None` if out of range.
    pub fn rrc_only_packet(&self, packet: u64) -> Option<u64> {
        let index = usize::try_from(packet.checked_sub(1)?).ok()?;
        let carrier = match self.carried_by.get(index)? {
            Some(p) => *p,
            None => packet,
        };
        let upto = usize::try_from(carrier).ok()?;
        let rrc = self
            .carried_by
            .get(..upto)?
            .iter()
            .filter(|c| c.is_none())
            .count();
        u64::try_from(rrc).ok()
    }

    /// What the label says is expected, in words.
    pub fn label(&self) -> String {
        if self.expected.is_empty() {
            return "benign: no finding at or above low".to_string();
        }
        let parts: Vec<String> = self
            .expected
            .iter()
            .map(|e| format!("{} >= {} at packet {}", e.kind, e.min_severity, e.packet))
            .collect();
        format!("attack: {}", parts.join("; "))
    }
}

/// One entry of the [`catalog`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScenarioInfo {
    /// Stable id.
    pub name: &'static str,
    /// What happens.
    pub description: &'static str,
    /// True for an attack.
    pub attack: bool,
    /// The scenario of the other kind that differs only in the incriminating part.
    pub twin: &'static str,
}

/// Why a scenario could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioError {
    /// No scenario has this name.
    Unknown(String),
    /// An encoder refused a value (a bug in the scenario definition).
    Encode(String),
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Unknown(name) => write!(
                f,
                "no scenario named {name:?} (see `stingwatch scenario --list`)"
            ),
            ScenarioError::Encode(why) => write!(f, "cannot encode scenario: {why}"),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// Every scenario, attacks first, in a fixed order.
pub fn catalog() -> Vec<ScenarioInfo> {
    catalog::ENTRIES
        .iter()
        .map(|e| ScenarioInfo {
            name: e.name,
            description: e.description,
            attack: e.attack,
            twin: e.twin,
        })
        .collect()
}

/// The scenario called `name` with default options (NAS also as records), or `None` when
/// there is no such scenario.
pub fn build(name: &str) -> Option<Scenario> {
    build_with(name, Options::default()).ok()
}

/// The scenario called `name` built with `options`.
pub fn build_with(name: &str, options: Options) -> Result<Scenario, ScenarioError> {
    let entry = catalog::ENTRIES
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| ScenarioError::Unknown(name.to_string()))?;
    let mut rec = recorder::Recorder::new(options.nas);
    (entry.script)(&mut rec)?;
    let parts = rec.finish();
    Ok(Scenario {
        name: entry.name,
        description: entry.description,
        attack: entry.attack,
        twin: entry.twin,
        nas: options.nas,
        messages: parts.messages,
        notes: parts.notes,
        carried_by: parts.carried_by,
        expected: parts.expected,
    })
}

/// pcapng comments of one packet: its note and the expectations that point at it.
fn comments_of(scenario: &Scenario, index: usize, packet: u64) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(note) = scenario.notes.get(index).filter(|n| !n.is_empty()) {
        out.push(note.clone());
    }
    for e in scenario.expected.iter().filter(|e| e.packet == packet) {
        out.push(format!(
            "expected finding: {} >= {}",
            e.kind, e.min_severity
        ));
    }
    out
}

/// Writes the scenario as pcapng (GSMTAP over IPv4/UDP), one packet per message, with each
/// message's note and expectations as packet comments.
///
/// GSMTAP has no field for the physical cell id. A NAS record without radio context gets the
/// EARFCN of the RRC message before it, so readers place it on the same cell.
pub fn write_pcapng<W: Write>(scenario: &Scenario, out: W) -> std::io::Result<W> {
    let mut writer = PcapngWriter::new(out)?;
    let mut earfcn = None;
    for (index, msg) in scenario.messages.iter().enumerate() {
        let packet = u64::try_from(index).map_or(u64::MAX, |i| i.saturating_add(1));
        let comments = comments_of(scenario, index, packet);
        let refs: Vec<&str> = comments.iter().map(String::as_str).collect();
        if matches!(msg.kind, PayloadKind::LteRrc { .. }) {
            earfcn = msg.context.arfcn;
        }
        if msg.kind == PayloadKind::LteNas && msg.context.arfcn.is_none() {
            let mut placed = msg.clone();
            placed.context.arfcn = earfcn;
            writer.write_message(&placed, &refs)?;
        } else {
            writer.write_message(msg, &refs)?;
        }
    }
    writer.into_inner()
}

/// Writes the scenario as a QMDL (HDLC-framed DIAG) stream: LTE RRC OTA records with the
/// cell's EARFCN and PCI, and LTE NAS OTA records.
pub fn write_qmdl<W: Write>(scenario: &Scenario, out: W) -> Result<W, WriteError> {
    let mut writer = QmdlWriter::new(out);
    for msg in &scenario.messages {
        writer.write_message(msg)?;
    }
    writer.flush()?;
    Ok(writer.into_inner())
}

#[derive(Serialize)]
struct LabelNote<'a> {
    packet: u64,
    note: &'a str,
}

#[derive(Serialize)]
struct Label<'a> {
    scenario: &'a str,
    description: &'a str,
    attack: bool,
    twin: &'a str,
    nas_copies: &'static str,
    start_time: String,
    messages: usize,
    label: String,
    /// Severity no finding may reach in a benign scenario.
    benign_ceiling: Option<&'static str>,
    expected: &'a [Expectation],
    notes: Vec<LabelNote<'a>>,
}

/// The label sidecar of a scenario as pretty JSON: what the scenario is and which findings
/// it must (attack) or must not (benign: nothing at or above `low`) produce.
pub fn labels_json(scenario: &Scenario) -> String {
    let notes = scenario
        .notes
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.is_empty())
        .map(|(i, n)| LabelNote {
            packet: u64::try_from(i).map_or(u64::MAX, |i| i.saturating_add(1)),
            note: n,
        })
        .collect();
    let label = Label {
        scenario: scenario.name,
        description: scenario.description,
        attack: scenario.attack,
        twin: scenario.twin,
        nas_copies: scenario.nas.as_str(),
        start_time: START_TIME.to_rfc3339(),
        messages: scenario.messages.len(),
        label: scenario.label(),
        benign_ceiling: (!scenario.attack).then_some("low"),
        expected: &scenario.expected,
        notes,
    };
    // Serializing plain structs of strings and numbers cannot fail; keep a value anyway.
    serde_json::to_string_pretty(&label).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_time_is_new_year_2026_noon() {
        assert_eq!(START_TIME.to_rfc3339(), "2026-01-01T12:00:00.000000Z");
    }

    #[test]
    fn unknown_name_is_an_error() {
        assert!(build("no-such-scenario").is_none());
        assert_eq!(
            build_with("no-such-scenario", Options::default()),
            Err(ScenarioError::Unknown("no-such-scenario".into()))
        );
    }

    #[test]
    fn catalog_names_are_unique_and_twins_exist() {
        let cat = catalog();
        for (i, a) in cat.iter().enumerate() {
            assert!(
                cat.iter().skip(i + 1).all(|b| b.name != a.name),
                "duplicate {}",
                a.name
            );
            let twin = cat.iter().find(|b| b.name == a.twin);
            let twin = twin.unwrap_or_else(|| panic!("{}: twin {} missing", a.name, a.twin));
            assert_ne!(twin.attack, a.attack, "{} and its twin", a.name);
        }
        assert!(cat.iter().any(|c| c.attack) && cat.iter().any(|c| !c.attack));
    }

    #[test]
    fn rrc_only_packet_maps_records_to_their_carrier() {
        let both = build_with(
            "benign-first-attach",
            Options {
                nas: NasCopies::RrcAndRecords,
            },
        )
        .expect("builds");
        let only = build_with(
            "benign-first-attach",
            Options {
                nas: NasCopies::RrcOnly,
            },
        )
        .expect("builds");
        assert!(both.messages.len() > only.messages.len());
        for (i, m) in both.messages.iter().enumerate() {
            let p = i as u64 + 1;
            let q = both.rrc_only_packet(p).expect("in range");
            let o = &only.messages[q as usize - 1];
            match both.carried_by[i] {
                None => assert_eq!(o.payload, m.payload, "packet {p}"),
                Some(c) => {
                    assert!(c < p);
                    assert_eq!(both.rrc_only_packet(c), Some(q));
                }
            }
        }
        assert_eq!(both.rrc_only_packet(0), None);
        assert_eq!(both.rrc_only_packet(both.messages.len() as u64 + 1), None);
    }
}
