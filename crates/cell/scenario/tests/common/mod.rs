//! Helpers shared by the scenario tests: every scenario in both NAS forms, read-back.

#![allow(dead_code)]

use std::io::Cursor;
use stingwatch_capture::PcapReader;
use stingwatch_diag::QmdlReader;
use stingwatch_model::{RadioMessage, ReadItem};
use stingwatch_scenario::{build_with, catalog, NasCopies, Options, Scenario};

/// Every scenario of the catalog in both NAS forms.
pub fn all_scenarios() -> Vec<Scenario> {
    let mut out = Vec::new();
    for info in catalog() {
        for nas in [NasCopies::RrcAndRecords, NasCopies::RrcOnly] {
            let s = build_with(info.name, Options { nas })
                .unwrap_or_else(|e| panic!("{} ({}): {e}", info.name, nas.as_str()));
            out.push(s);
        }
    }
    out
}

/// Messages of a reader, failing on any damaged region.
fn messages(what: &str, items: impl Iterator<Item = ReadItem>) -> Vec<RadioMessage> {
    items
        .filter_map(|item| match item {
            ReadItem::Message(m) => Some(m),
            ReadItem::Measurement(_) => None,
            ReadItem::Damage(d) => panic!("{what}: damage {d}"),
        })
        .collect()
}

/// The scenario written as QMDL and read back.
pub fn qmdl_round_trip(s: &Scenario) -> Vec<RadioMessage> {
    let bytes = stingwatch_scenario::write_qmdl(s, Vec::new())
        .unwrap_or_else(|e| panic!("{}: write qmdl: {e}", s.name));
    messages(s.name, QmdlReader::new(Cursor::new(bytes)))
}

/// The scenario written as pcapng and read back.
pub fn pcapng_round_trip(s: &Scenario) -> Vec<RadioMessage> {
    let bytes = stingwatch_scenario::write_pcapng(s, Vec::new())
        .unwrap_or_else(|e| panic!("{}: write pcapng: {e}", s.name));
    let reader = PcapReader::new(Cursor::new(bytes))
        .unwrap_or_else(|e| panic!("{}: open pcapng: {e:?}", s.name));
    messages(s.name, reader)
}

/// Short id of a scenario form for messages.
pub fn id(s: &Scenario) -> String {
    format!("{} ({})", s.name, s.nas.as_str())
}
