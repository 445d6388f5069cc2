//! The per-message path of one recording: decode, derive events, analyse, collect cells.
//!
//! A [`Pipeline`] holds the state one recording needs (event deriver, analysis harness, cell
//! table). It is fed one [`RadioMessage`] at a time, so a file and a live stream go through
//! exactly the same steps; findings can be read at any moment ([`Pipeline::snapshot`]) or at
//! the end ([`Pipeline::finish`]).

#![forbid(unsafe_code)]

use stingwatch_analysis::{Analysis, KnownCells};
use stingwatch_decode::{decode_payload, Decoder};
use stingwatch_events::{CellRef, Event, EventDeriver, KindMemo, Lent};
use stingwatch_model::{Measurement, RadioMessage};
use stingwatch_report::{
    CellRecord, CellTable, FileFinding, RadioCellRecord, TimelineBuilder, TimelineSegment,
};

/// What one message did to the pipeline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pushed {
    /// Normalized events derived from the message.
    pub events: usize,
    /// Whether neither RRC nor NAS could be decoded.
    pub undecoded: bool,
    /// The cell the last event happened on, when one is known.
    pub cell: Option<CellRef>,
}

/// End of a recording: its findings and cells.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Final findings, most severe first, each naming the recording.
    pub findings: Vec<FileFinding>,
    /// Distinct cells seen, in order of first sighting, with their measured signal and
    /// timing advance.
    pub cells: Vec<CellRecord>,
    /// Cells measured whose identity (SIB1) the recording never showed.
    pub radio_cells: Vec<RadioCellRecord>,
    /// Which cell the device was on over time.
    pub timeline: Vec<TimelineSegment>,
    /// Messages of which neither RRC nor NAS decoded.
    pub undecoded: u64,
    /// What the messages held that could not become events (e.g. UMTS SIB segments lost
    /// from the broadcast), at most [`stingwatch_events::MAX_DIAGNOSTICS`], oldest first.
    pub diagnostics: Vec<stingwatch_events::Diagnostic>,
    /// Diagnostics beyond those kept.
    pub diagnostics_dropped: u64,
}

/// Decode → events → analysis → cells for one recording.
pub struct Pipeline {
    name: String,
    decoder: Decoder<KindMemo>,
    deriver: EventDeriver,
    analysis: Analysis,
    cells: CellTable,
    timeline: TimelineBuilder,
    undecoded: u64,
    /// Decode every message in full instead of reusing repeated RRC PDUs.
    full_decoding: bool,
    /// Events of the message being pushed (kept to reuse its allocation).
    events: Vec<stingwatch_events::Event>,
    /// Packet number of the last message, which measurement events carry.
    last_packet: u64,
}

impl Pipeline {
    /// A pipeline for the recording called `name` (the `file` of its findings and cells).
    pub fn new(name: impl Into<String>, known: Option<&KnownCells>) -> Self {
        let mut analysis = Analysis::new();
        if let Some(k) = known {
            analysis = analysis.with_known_cells(k.clone());
        }
        Pipeline {
            name: name.into(),
            decoder: Decoder::with_memo(),
            deriver: EventDeriver::new(),
            analysis,
            cells: CellTable::new(),
            timeline: TimelineBuilder::new(),
            undecoded: 0,
            full_decoding: false,
            events: Vec::new(),
            last_packet: 0,
        }
    }

    /// Take `home` as the network of the phone's SIM when the recording does not show it
    /// (`--home-plmn`); `None` leaves it to the recording.
    pub fn with_home_network(mut self, home: Option<stingwatch_events::Plmn>) -> Self {
        if let Some(plmn) = home {
            self.analysis = std::mem::take(&mut self.analysis).with_home_network(plmn);
        }
        self
    }

    /// The same pipeline on the straightforward path: every message decoded in full by
    /// [`decode_payload`], nothing reused, and every event handed to every analyzer
    /// ([`Analysis::without_routing`]). Slower; its findings are the reference the fast path is
    /// tested against.
    pub fn with_full_decoding(mut self) -> Self {
        self.full_decoding = true;
        self.analysis = self.analysis.without_routing();
        self
    }

    /// The recording's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Take one measurement record (signal levels, timing advance) through events, analysis
    /// and the cell table.
    pub fn push_measurement(&mut self, m: &Measurement) -> Pushed {
        let mut events = std::mem::take(&mut self.events);
        self.deriver
            .derive_measurement(m, self.last_packet, &mut events);
        // Measurements go to the cell table only: no analyzer reads them yet (they are the
        // fleet's distance evidence), and a neighbour's measurement is not a change of the
        // cell the device is on, which the timeline shows.
        let mut pushed = Pushed::default();
        for ev in events.drain(..) {
            self.cells.observe(&self.name, &ev);
            pushed.events += 1;
        }
        self.events = events;
        pushed
    }

    /// Take one message through every stage. The message is only read, so its caller may
    /// reuse its buffer (as `CaptureReader::next_ref` does).
    pub fn push(&mut self, msg: &RadioMessage) -> Pushed {
        self.last_packet = msg.packet;
        let mut events = std::mem::take(&mut self.events);
        let Pipeline {
            deriver,
            decoder,
            cells,
            timeline,
            analysis,
            name,
            full_decoding,
            ..
        } = self;
        let mut pushed = Pushed::default();
        let undecoded = if *full_decoding {
            let decoded = decode_payload(msg);
            deriver.derive_decoded(msg, &decoded, &mut events);
            observe_all(cells, timeline, analysis, name, &events, &mut pushed);
            events.clear();
            decoded.without_rrc_or_nas()
        } else if deriver.derive_lte_paging(msg, &mut events) {
            // Pages, most PDUs of a recording and nearly all read once, are read by the walker
            // alone: the cache's lookup and the whole message it fills would cost more than
            // the reading.
            observe_all(cells, timeline, analysis, name, &events, &mut pushed);
            events.clear();
            false
        } else {
            decoder.decode_with(msg, |decoded, memo| {
                let Some(memo) = memo else {
                    // Not remembered: nothing to reuse, nothing to note.
                    deriver.derive_decoded(msg, decoded, &mut events);
                    observe_all(cells, timeline, analysis, name, &events, &mut pushed);
                    events.clear();
                    return decoded.without_rrc_or_nas();
                };
                // A repeat whose event the memo holds: the event borrows the memo's kind for
                // the time the stages read it, so a repeat costs no copy of the kind and no
                // drop.
                let lent = match deriver.lend_remembered(msg, memo) {
                    Lent::Event(ev) => {
                        events.push(ev);
                        true
                    }
                    Lent::NoEvent => return false,
                    Lent::No => {
                        deriver.derive_remembering(msg, decoded, memo, &mut events);
                        false
                    }
                };
                observe_all(cells, timeline, analysis, name, &events, &mut pushed);
                if lent {
                    // The lent event is the only one.
                    if let Some(ev) = events.pop() {
                        memo.give_back(ev);
                    }
                    return false;
                }
                events.clear();
                // A memo is only kept for an LTE RRC message that decoded and carries no NAS.
                !memo.is_plain_rrc() && decoded.without_rrc_or_nas()
            })
        };
        if undecoded {
            self.undecoded += 1;
        }
        pushed.undecoded = undecoded;
        self.events = events;
        pushed
    }

    /// Findings so far, weighed as if the recording ended now.
    pub fn snapshot(&self) -> Vec<FileFinding> {
        self.wrap(self.analysis.snapshot())
    }

    /// Messages so far of which neither RRC nor NAS decoded.
    pub fn undecoded(&self) -> u64 {
        self.undecoded
    }

    /// End of the recording: final findings and the cell table.
    pub fn finish(mut self) -> Finished {
        self.deriver.finish(self.last_packet);
        let (diagnostics, diagnostics_dropped) = self.deriver.take_diagnostics();
        let findings = self
            .analysis
            .finish()
            .into_iter()
            .map(|finding| FileFinding {
                file: self.name.clone(),
                finding,
                position: None,
            })
            .collect();
        let (cells, radio_cells) = self.cells.into_all_records();
        Finished {
            findings,
            cells,
            radio_cells,
            timeline: self.timeline.into_segments(),
            undecoded: self.undecoded,
            diagnostics,
            diagnostics_dropped,
        }
    }

    fn wrap(&self, findings: Vec<stingwatch_analysis::Finding>) -> Vec<FileFinding> {
        findings
            .into_iter()
            .map(|finding| FileFinding {
                file: self.name.clone(),
                finding,
                position: None,
            })
            .collect()
    }
}

/// Events through the cell table, the timeline and the analyzers, read in place (moving each
/// out first would copy it).
fn observe_all(
    cells: &mut CellTable,
    timeline: &mut TimelineBuilder,
    analysis: &mut Analysis,
    name: &str,
    events: &[Event],
    pushed: &mut Pushed,
) {
    for ev in events {
        cells.observe(name, ev);
        timeline.observe(name, ev);
        analysis.observe(ev);
        pushed.events += 1;
        if ev.cell.is_some() {
            pushed.cell = ev.cell;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pipeline fed message by message finds what the scenario's labels promise.
    #[test]
    fn scenario_messages_raise_findings() {
        let s = stingwatch_scenario::build("imsi-catcher").expect("scenario");
        let mut p = Pipeline::new("x.qmdl", None);
        for m in &s.messages {
            p.push(m);
        }
        assert!(!p.snapshot().is_empty(), "no live finding");
        let done = p.finish();
        assert!(!done.findings.is_empty());
        assert!(done.findings.iter().all(|f| f.file == "x.qmdl"));
        assert!(!done.cells.is_empty());
    }

    /// UMTS system information whose segments the broadcast lost reaches the end of the
    /// recording as diagnostics: the gap, and the SIB the recording stopped in the middle of.
    #[test]
    fn lost_sib_segments_are_diagnosed() {
        use stingwatch_model::{CaptureTime, PayloadKind, RadioContext, Rat, UmtsRrcChannel};
        use stingwatch_umts_rrc::sib::{build, SIB_TYPE_SIB3};
        let segments = build::segments_of(SIB_TYPE_SIB3, &build::sib3(5, 700));
        let mut pdus = build::messages_of(0, &segments);
        // The first segment, the third (the second was lost), the first of the next round.
        pdus.remove(1);
        pdus.truncate(2);
        pdus.push(pdus[0].clone());
        let mut p = Pipeline::new("x.pcapng", None);
        for (i, payload) in pdus.into_iter().enumerate() {
            let packet = i as u64 + 1;
            p.push(&RadioMessage {
                packet,
                offset: 0,
                time: Some(CaptureTime(1_700_000_000_000_000 + packet as i64 * 20_000)),
                direction: stingwatch_model::Direction::Downlink,
                rat: Rat::Umts,
                kind: PayloadKind::UmtsRrc {
                    channel: UmtsRrcChannel::BcchBch,
                },
                context: RadioContext::default(),
                payload,
            });
        }
        let done = p.finish();
        let texts: Vec<&str> = done.diagnostics.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(
            texts[0].contains("where segment 1 was expected"),
            "{texts:?}"
        );
        assert!(
            texts[1].contains("left incomplete after 1 of 4"),
            "{texts:?}"
        );
        assert_eq!(done.diagnostics[0].packet, 2);
        assert_eq!(done.diagnostics[1].packet, 3);
        assert_eq!(done.diagnostics_dropped, 0);
    }
}
