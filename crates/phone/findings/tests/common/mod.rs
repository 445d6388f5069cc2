//! Shared by the tests: a small indicator matcher over a table (the real set lives in its own
//! crate; this one implements the same trait boundary), and record builders.

#![allow(dead_code)]

use std::collections::HashMap;

use stingwatch_phone_findings::{
    Acquisition, AcquisitionKind, IndicatorCollection, IndicatorMatcher, PhoneReport, PhoneScan,
};
use stingwatch_phone_model::{
    ArtifactRecord, IndicatorMatch, IndicatorRef, Observable, ObservableKind, RecordSink, Severity,
    Signal, UnixMillis,
};

/// 2025-12-04 10:00:00 UTC.
pub const T0: i64 = 1_764_842_400_000;
pub const HOUR: i64 = 3_600_000;
pub const DAY: i64 = 24 * HOUR;

/// Indicators by (kind, lower-case value); domains also match their subdomains and the host
/// of a URL.
#[derive(Default)]
pub struct TableMatcher {
    table: HashMap<(ObservableKind, String), Vec<IndicatorRef>>,
    collections: Vec<IndicatorCollection>,
}

impl TableMatcher {
    pub fn new() -> Self {
        TableMatcher::default()
    }

    /// Add one indicator of `collection` (from `<collection>.stix2`).
    pub fn add(&mut self, kind: ObservableKind, value: &str, collection: &str) -> IndicatorRef {
        let n: usize = self.table.values().map(Vec::len).sum();
        let r = IndicatorRef {
            id: format!("indicator--{n:08}"),
            kind,
            value: value.to_string(),
            collection: collection.to_string(),
            source: format!("{}.stix2", collection.to_lowercase()),
        };
        self.table
            .entry((kind, value.to_ascii_lowercase()))
            .or_default()
            .push(r.clone());
        match self.collections.iter_mut().find(|c| c.name == collection) {
            Some(c) => c.indicators += 1,
            None => self.collections.push(IndicatorCollection {
                name: collection.to_string(),
                indicators: 1,
                files: vec![r.source.clone()],
            }),
        }
        r
    }

    pub fn collections(&self) -> Vec<IndicatorCollection> {
        self.collections.clone()
    }

    fn domain_matches(
        &self,
        o: &Observable,
        host: &str,
        how_base: &str,
        out: &mut Vec<IndicatorMatch>,
    ) {
        let mut rest = host;
        loop {
            if let Some(list) = self.table.get(&(ObservableKind::Domain, rest.to_string())) {
                for i in list {
                    let how = if rest == host {
                        how_base.to_string()
                    } else {
                        format!("subdomain of {rest}")
                    };
                    out.push(IndicatorMatch {
                        observable: o.clone(),
                        indicator: i.clone(),
                        how: (!how.is_empty()).then_some(how),
                    });
                }
            }
            match rest.split_once('.') {
                Some((_, parent)) if parent.contains('.') => rest = parent,
                _ => break,
            }
        }
    }
}

impl IndicatorMatcher for TableMatcher {
    fn matches(&self, o: &Observable, out: &mut Vec<IndicatorMatch>) {
        let v = o.value.to_ascii_lowercase();
        match o.kind {
            ObservableKind::Domain => self.domain_matches(o, &v, "", out),
            ObservableKind::Url => {
                if let Some(list) = self.table.get(&(ObservableKind::Url, v.clone())) {
                    for i in list {
                        out.push(IndicatorMatch {
                            observable: o.clone(),
                            indicator: i.clone(),
                            how: None,
                        });
                    }
                }
                let after = v.split_once("://").map_or(v.as_str(), |(_, r)| r);
                let host = after.split(['/', '?', '#', ':']).next().unwrap_or("");
                self.domain_matches(o, host, "host of a URL", out);
            }
            kind => {
                if let Some(list) = self.table.get(&(kind, v)) {
                    for i in list {
                        out.push(IndicatorMatch {
                            observable: o.clone(),
                            indicator: i.clone(),
                            how: None,
                        });
                    }
                }
            }
        }
    }
}

/// A record of `artifact` at `time` (ms since T0 when Some) carrying `observables`.
pub fn record(
    artifact: &'static str,
    locator: &str,
    time: Option<i64>,
    summary: &str,
    observables: Vec<Observable>,
) -> ArtifactRecord {
    ArtifactRecord {
        artifact,
        source: match artifact {
            "ios.sms" => "HomeDomain/Library/SMS/sms.db".to_string(),
            "ios.safari_history" => "HomeDomain/Library/Safari/History.db".to_string(),
            a => format!("{a}.db"),
        },
        locator: locator.to_string(),
        time: time.map(|t| UnixMillis(T0 + t)),
        summary: summary.to_string(),
        observables,
    }
}

pub fn url(v: &str) -> Observable {
    Observable::new(ObservableKind::Url, v)
}

pub fn signal(kind: &'static str, severity: Severity, title: &str, rec: ArtifactRecord) -> Signal {
    Signal {
        kind,
        severity,
        title: title.to_string(),
        explanation: format!("{title}: why it matters and its harmless explanations."),
        record: rec,
    }
}

/// Stream `records` and `signals` through a scan and build the report of an iOS backup.
pub fn report_of(
    matcher: &TableMatcher,
    records: Vec<ArtifactRecord>,
    signals: Vec<Signal>,
) -> PhoneReport {
    let mut scan = PhoneScan::new(matcher);
    for r in records {
        scan.record(r);
    }
    for s in signals {
        scan.signal(s);
    }
    PhoneReport::new(
        "0.1.0",
        Acquisition::new(AcquisitionKind::IosBackup, "/backups/00008030"),
        matcher.collections(),
        scan.finish(),
    )
}

/// A matcher with one Pegasus domain, one Predator app id and one Graphite process.
pub fn three_indicators() -> TableMatcher {
    let mut m = TableMatcher::new();
    m.add(ObservableKind::Domain, "evil.example", "Pegasus");
    m.add(ObservableKind::AppId, "com.predator.agent", "Predator");
    m.add(ObservableKind::ProcessName, "graphited", "Graphite");
    m
}
