//! Corroboration: the same suspicious cell reported by several sensors independently.
//!
//! A sensor's finding can be wrong for reasons of its own: a decoding bug, a phone firmware
//! quirk, a glitch in one recording. Those strike sensors independently, so if one sensor
//! raises a false alarm on a given cell with a small probability p, k sensors doing so on the
//! same cell at about the same time is about p^k. Each further sensor therefore makes a
//! sensor-side explanation far less likely: two sensors raise the severity one level, four
//! ([`CORROBORATION_STRONG_SENSORS`]) two levels, never above High. What corroboration cannot
//! rule out is a real cell that is misconfigured and trips every phone the same way; the
//! reference database and the other fleet rules tell those apart, and the text says so.
//!
//! "The same cell" is the same broadcast identity, or — for findings without one — the same
//! channel and physical cell id reported within [`PCI_REUSE_RADIUS_M`] of each other: physical
//! cell ids (504 in LTE) are reused across a city, a few kilometres apart.

use crate::correlate::{usable_place, Index};
use crate::finding::{
    describe_cell, describe_duration, describe_location, raise, EvidenceRef, FleetFinding,
    FleetKind, MAX_EVIDENCE_PER_FINDING, MAX_SENSORS_PER_FINDING,
};
use crate::geo::distance_m;
use crate::locate::{locate, Sighting};
use crate::SensorId;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use stingwatch_fleet_model::{CellKey, Position, Rat};

/// Findings on one cell farther apart in time than this belong to separate episodes, ms.
pub const CORROBORATION_GAP_MS: i64 = 2 * 3_600_000;
/// Distinct sensors for a corroborated finding.
pub const CORROBORATION_MIN_SENSORS: usize = 2;
/// Distinct sensors for a second level of raise.
pub const CORROBORATION_STRONG_SENSORS: usize = 4;
/// Findings on one channel and physical cell id farther apart than this are different cells,
/// metres.
pub const PCI_REUSE_RADIUS_M: f64 = 2_000.0;
/// A finding without a position takes its sensor's nearest fix within this time, ms.
pub const POSITION_MATCH_MS: i64 = 120_000;
/// Observations this long before and after an episode are used to locate the transmitter, ms.
pub const LOCATE_MARGIN_MS: i64 = 30 * 60_000;
/// Most findings of one cell or channel considered.
pub const MAX_FINDINGS_PER_KEY: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Cell(CellKey),
    Radio(Option<Rat>, u32, u16),
}

struct Episode {
    key: Key,
    anchor: Option<Position>,
    members: Vec<usize>,
    last_ms: i64,
}

/// Groups sensor findings by cell and episode and reports those with several sensors.
pub(crate) fn find(idx: &Index<'_>) -> Vec<FleetFinding> {
    let mut by_key: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    for (i, r) in idx.reports.iter().enumerate() {
        let f = &r.finding;
        let key = match (f.cell, f.channel, f.pci) {
            (Some(c), _, _) => Key::Cell(c),
            (None, Some(ch), Some(pci)) => Key::Radio(f.rat, ch, pci),
            _ => continue,
        };
        by_key.entry(key).or_default().push(i);
    }
    let fixes = SensorFixes::build(idx, by_key.keys().any(|k| matches!(k, Key::Radio(..))));
    let mut episodes: Vec<Episode> = Vec::new();
    for (key, mut v) in by_key {
        v.sort_by_key(|&i| (idx.reports.get(i).map(|r| r.finding.time_ms), i));
        v.truncate(MAX_FINDINGS_PER_KEY);
        let mut open: Vec<Episode> = Vec::new();
        for i in v {
            let Some(r) = idx.reports.get(i) else {
                continue;
            };
            let t = r.finding.time_ms;
            let pos = match key {
                Key::Cell(_) => None,
                Key::Radio(..) => match r.finding.position.or_else(|| fixes.near(r.sensor, t)) {
                    Some(p) => Some(p),
                    // Without a place, a channel and PCI name no particular cell.
                    None => continue,
                },
            };
            let joined = open.iter_mut().find(|e| {
                t.saturating_sub(e.last_ms) <= CORROBORATION_GAP_MS
                    && match (e.anchor, pos) {
                        (Some(a), Some(p)) => distance_m(&a, &p) <= PCI_REUSE_RADIUS_M,
                        _ => true,
                    }
            });
            match joined {
                Some(e) => {
                    e.members.push(i);
                    e.last_ms = t;
                }
                None => open.push(Episode {
                    key,
                    anchor: pos,
                    members: vec![i],
                    last_ms: t,
                }),
            }
        }
        episodes.extend(open);
    }
    episodes
        .into_iter()
        .filter_map(|e| report(idx, &e))
        .collect()
}

/// Each sensor's usable fixes in time order, to place findings that carry none.
struct SensorFixes {
    by_sensor: HashMap<SensorId, Vec<(i64, Position)>>,
}

impl SensorFixes {
    fn build(idx: &Index<'_>, needed: bool) -> SensorFixes {
        let mut by_sensor: HashMap<SensorId, Vec<(i64, Position)>> = HashMap::new();
        if needed {
            for o in idx.obs {
                if let Some(p) = usable_place(o) {
                    by_sensor
                        .entry(o.sensor)
                        .or_default()
                        .push((o.obs.time_ms, p));
                }
            }
            for v in by_sensor.values_mut() {
                v.sort_by_key(|x| x.0);
            }
        }
        SensorFixes { by_sensor }
    }

    fn near(&self, sensor: SensorId, t: i64) -> Option<Position> {
        let v = self.by_sensor.get(&sensor)?;
        let k = v.partition_point(|x| x.0 < t);
        [k.checked_sub(1), Some(k)]
            .into_iter()
            .flatten()
            .filter_map(|j| v.get(j))
            .filter(|x| x.0.abs_diff(t) <= POSITION_MATCH_MS.unsigned_abs())
            .min_by_key(|x| x.0.abs_diff(t))
            .map(|x| x.1)
    }
}

fn report(idx: &Index<'_>, e: &Episode) -> Option<FleetFinding> {
    let reports: Vec<_> = e
        .members
        .iter()
        .filter_map(|&i| idx.reports.get(i))
        .collect();
    let sensors: BTreeSet<SensorId> = reports.iter().map(|r| r.sensor).collect();
    if sensors.len() < CORROBORATION_MIN_SENSORS {
        return None;
    }
    let base = reports.iter().map(|r| r.finding.severity).max()?;
    let levels = if sensors.len() >= CORROBORATION_STRONG_SENSORS {
        2
    } else {
        1
    };
    let severity = raise(base, levels);
    let first_ms = reports.iter().map(|r| r.finding.time_ms).min()?;
    let last_ms = reports.iter().map(|r| r.finding.time_ms).max()?;
    let kinds: BTreeSet<&str> = reports.iter().map(|r| r.finding.kind.as_str()).collect();
    let kinds: Vec<&str> = kinds.into_iter().collect();
    let (from, to) = (
        first_ms.saturating_sub(LOCATE_MARGIN_MS),
        last_ms.saturating_add(LOCATE_MARGIN_MS),
    );
    let (cell, channel, pci, what) = match e.key {
        Key::Cell(c) => {
            let first = reports.first().map(|r| &r.finding);
            (
                Some(c),
                first.and_then(|f| f.channel),
                first.and_then(|f| f.pci),
                format!("cell {}", describe_cell(&c)),
            )
        }
        Key::Radio(_, ch, p) => (
            None,
            Some(ch),
            Some(p),
            format!("channel {ch}, physical cell id {p}"),
        ),
    };
    let location = match e.key {
        Key::Cell(c) => idx.by_cell.get(&c).and_then(|m| {
            idx.locate(m.iter().copied().filter(|&i| {
                idx.get(i)
                    .is_some_and(|o| (from..=to).contains(&o.obs.time_ms))
            }))
        }),
        Key::Radio(_, ch, p) => {
            let sightings: Vec<Sighting> = idx
                .obs
                .iter()
                .filter(|o| {
                    o.obs.channel == Some(ch)
                        && o.obs.pci == Some(p)
                        && (from..=to).contains(&o.obs.time_ms)
                })
                .filter(|o| match (e.anchor, usable_place(o)) {
                    (Some(a), Some(q)) => distance_m(&a, &q) <= 2.0 * PCI_REUSE_RADIUS_M,
                    _ => false,
                })
                .filter_map(|o| {
                    // Radio-only sightings carry no technology: take the findings'.
                    let mut s = Sighting::from_observation(o);
                    if s.is_none() {
                        if let (Key::Radio(Some(rat), ..), Some(position)) = (e.key, o.obs.position)
                        {
                            s = Some(Sighting {
                                sensor: o.sensor,
                                rat,
                                position,
                                position_age_ms: o.obs.position_age_ms,
                                rsrp_dbm: o.obs.rsrp_dbm,
                                timing_advance: o.obs.timing_advance,
                            });
                        }
                    }
                    s
                })
                .collect();
            locate(&sightings, &idx.model)
        }
    };
    // Without observations of the cell (a Rayhunter uploads its recordings, not sightings),
    // the places the sensors stood when they reported it locate it, each weighing the same.
    let location = location.or_else(|| {
        let rat = match e.key {
            Key::Cell(c) => Some(c.rat),
            Key::Radio(rat, ..) => rat,
        }?;
        let places: Vec<Sighting> = reports
            .iter()
            .filter_map(|r| {
                Some(Sighting {
                    sensor: r.sensor,
                    rat,
                    position: r.finding.position?,
                    position_age_ms: None,
                    rsrp_dbm: None,
                    timing_advance: None,
                })
            })
            .collect();
        locate(&places, &idx.model)
    });
    let mut explanation = format!(
        "{} sensors reported {} independently within {} ({}; {} report{} in all). A sensor-side \
         false alarm (a decoding bug, a phone's quirk, one bad recording) strikes sensors \
         independently, so several at once on one cell is far less likely than one: the \
         severity is raised from the sensors' highest ({}) by {} level{} to {}.",
        sensors.len(),
        what,
        describe_duration(last_ms.saturating_sub(first_ms)),
        kinds.join(", "),
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
        base.as_str(),
        levels,
        if levels == 1 { "" } else { "s" },
        severity.as_str(),
    );
    if let Some(l) = &location {
        explanation.push_str(&format!(
            " The transmitter is estimated at {}.",
            describe_location(l)
        ));
    }
    explanation.push_str(
        " What agreement cannot rule out is a real cell misconfigured so that it trips every \
         phone the same way; a cloned or transient cell, or a reference database that does not \
         know the cell, points the other way. What to do: read the sensors' own findings for the \
         details, and warn people in the area while the episode lasts.",
    );
    let evidence: Vec<EvidenceRef> = e
        .members
        .iter()
        .take(MAX_EVIDENCE_PER_FINDING)
        .map(|&i| EvidenceRef::Finding(i))
        .collect();
    Some(FleetFinding {
        kind: FleetKind::Corroborated,
        severity,
        title: format!(
            "{} sensors independently reported the same suspicious cell",
            sensors.len()
        ),
        explanation,
        cell,
        channel,
        pci,
        first_ms,
        last_ms,
        sensor_total: sensors.len(),
        sensors: sensors.into_iter().take(MAX_SENSORS_PER_FINDING).collect(),
        evidence,
        evidence_total: e.members.len(),
        locations: location.into_iter().collect(),
        raised_by: Vec::new(),
        places: Vec::new(),
    })
}
