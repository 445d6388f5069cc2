//! The fleet's own findings: the rules of `stingwatch-fleet-correlate` (cloned identity,
//! transient cell, corroboration, identity-exposure rate, each transmitter placed) run over
//! what every sensor uploaded.
//!
//! They run when someone reads them, not on a timer: a fleet of a thousand sensors uploading
//! every ten seconds would otherwise pay for a correlation nobody looks at, and a reader
//! always gets findings that include the latest upload. Each run is bounded: it reads at most
//! [`MAX_CORRELATION_OBSERVATIONS`] observations and [`MAX_CORRELATION_FINDINGS`] findings
//! (the newest; about 170 bytes each once read, with the driver's rows besides while reading:
//! some 400 MB at the limit, and 3-4 s of one core per million observations as measured in
//! docs/fleet-correlation.md), one run at a time, on a blocking thread. The answer is kept until this server stores new data, and at most
//! [`CORRELATION_TTL`] (other servers on the same database store data this one does not see).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use stingwatch_fleet_correlate::radio::PathLossModel;
use stingwatch_fleet_correlate::{
    correlate, locate, Config, FleetFinding, FleetInput, Location, ReferenceCells, Sighting,
};
use stingwatch_fleet_model::{CellKey, Severity};
use stingwatch_fleet_store::{Store, StoreError};

/// Most observations one correlation reads (the newest of the period).
pub const MAX_CORRELATION_OBSERVATIONS: i64 = 1_000_000;
/// Most sensor findings one correlation reads (the newest of the period).
pub const MAX_CORRELATION_FINDINGS: i64 = 100_000;
/// Longest a correlation's answer is reused while this server stored nothing new.
pub const CORRELATION_TTL: Duration = Duration::from_secs(60);

/// An estimated transmitter area: a circle holding the transmitter in about nine cases of ten.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// Centre latitude, degrees.
    pub lat: f64,
    /// Centre longitude, degrees.
    pub lon: f64,
    /// Uncertainty radius (90%), metres.
    pub radius_m: f64,
    /// How it was reached: `single-place`, `signal-centroid` or `timing-advance`.
    pub method: &'static str,
    /// Distinct sensors whose sightings were used.
    pub sensors: usize,
    /// Timing-advance rings used.
    pub rings: usize,
}

impl Estimate {
    fn of(l: &Location) -> Estimate {
        Estimate {
            lat: l.position.latitude,
            lon: l.position.longitude,
            radius_m: l.uncertainty_m,
            method: l.method.as_str(),
            sensors: l.sensors,
            rings: l.rings,
        }
    }
}

/// Where a transmitter seen in `sightings` is, by the fleet's locator.
pub fn estimate(sightings: &[Sighting]) -> Option<Estimate> {
    locate(sightings, &PathLossModel::default()).map(|l| Estimate::of(&l))
}

/// A fleet finding as the API gives it.
#[derive(Debug, Clone, Serialize)]
pub struct FleetFindingView {
    /// Rule: `fleet-cloned-identity`, `fleet-transient-cell`, `fleet-corroborated`,
    /// `fleet-identity-exposure-rate`.
    pub kind: &'static str,
    /// Severity after every raise in `raised_by`.
    pub severity: Severity,
    /// One line.
    pub title: String,
    /// What was seen, why it matters, what else could explain it.
    pub explanation: String,
    /// The cell, when it broadcast its identity.
    pub cell: Option<CellKey>,
    /// Its channel.
    pub channel: Option<u32>,
    /// Its physical cell id.
    pub pci: Option<u16>,
    /// First upload behind it, ms since the epoch.
    pub first_ms: i64,
    /// Last upload behind it.
    pub last_ms: i64,
    /// Sensors it rests on, by name (for a sensor token: only its own name, if among them).
    pub sensors: Vec<String>,
    /// Number of distinct sensors.
    pub sensor_total: usize,
    /// Number of uploads it rests on.
    pub evidence_total: usize,
    /// Where the transmitter (for a cloned identity: each of the two) is estimated to be.
    pub locations: Vec<Estimate>,
    /// Other evidence that raised the severity.
    pub raised_by: Vec<String>,
    /// Where sensors saw it, when that is part of the finding: every place for an
    /// administrator; for a sensor token only the places it saw itself, with only its name.
    pub places: Vec<PlaceView>,
}

/// One place of a fleet finding as its reader may see it.
#[derive(Debug, Clone, Serialize)]
pub struct PlaceView {
    /// Latitude, degrees (the sensors' coarse positions, as stored).
    pub latitude: f64,
    /// Longitude, degrees.
    pub longitude: f64,
    /// When, ms since the epoch.
    pub time_ms: i64,
    /// Sensors that saw it there, by name (for a sensor token: only its own).
    pub sensors: Vec<String>,
}

/// A correlation's answer.
#[derive(Debug, Clone, Serialize)]
pub struct FleetAnswer {
    /// The findings, most severe first.
    pub findings: Vec<FleetFindingView>,
    /// What was left out and why.
    pub notes: Vec<String>,
    /// Observations correlated.
    pub observations: usize,
    /// Sensor findings correlated.
    pub sensor_findings: usize,
    /// Cells in the imported reference database (0 without one).
    pub reference_cells: usize,
    /// False when timing advances were left out on request.
    pub timing_advance: bool,
}

/// Why fleet findings could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// Reading the uploads failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The correlation itself failed (a bug: it is pure code over bounded input).
    #[error("correlation failed: {0}")]
    Failed(String),
}

/// What a correlation is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetQuery {
    /// Uploads from this time on, ms since the epoch.
    pub since_ms: i64,
    /// Use the timing advances the sensors reported (off: as if none had, to compare the
    /// signal-only estimate).
    pub timing_advance: bool,
}

struct Cached {
    query: FleetQuery,
    generation: u64,
    at: Instant,
    answer: Arc<(FleetAnswer, Vec<FleetFinding>, BTreeMap<i64, String>)>,
}

/// Runs the fleet rules on demand and keeps the last answer.
pub struct Correlator {
    reference: Option<Arc<ReferenceCells>>,
    generation: AtomicU64,
    last: tokio::sync::Mutex<Option<Cached>>,
}

impl Correlator {
    /// A correlator weighing findings against `reference` when given.
    pub fn new(reference: Option<Arc<ReferenceCells>>) -> Correlator {
        Correlator {
            reference,
            generation: AtomicU64::new(0),
            last: tokio::sync::Mutex::new(None),
        }
    }

    /// Notes that new data was stored: the next read correlates again.
    pub fn stored(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// The fleet findings for `query`; names of sensors other than `viewer` are left out when
    /// a viewer is given.
    pub async fn findings(
        &self,
        store: &Store,
        query: FleetQuery,
        viewer: Option<i64>,
    ) -> Result<FleetAnswer, FleetError> {
        // One run at a time: readers arriving during a run wait for its answer.
        let mut last = self.last.lock().await;
        let generation = self.generation.load(Ordering::Relaxed);
        let fresh = last.as_ref().filter(|c| {
            c.query == query && c.generation == generation && c.at.elapsed() < CORRELATION_TTL
        });
        let answer = match fresh {
            Some(c) => Arc::clone(&c.answer),
            None => {
                let a = Arc::new(self.run(store, query).await?);
                *last = Some(Cached {
                    query,
                    generation,
                    at: Instant::now(),
                    answer: Arc::clone(&a),
                });
                a
            }
        };
        drop(last);
        let (base, findings, names) = answer.as_ref();
        let mut out = base.clone();
        out.findings = findings.iter().map(|f| view(f, names, viewer)).collect();
        Ok(out)
    }

    async fn run(
        &self,
        store: &Store,
        query: FleetQuery,
    ) -> Result<(FleetAnswer, Vec<FleetFinding>, BTreeMap<i64, String>), FleetError> {
        let mut input = store
            .correlation_input(
                query.since_ms,
                MAX_CORRELATION_OBSERVATIONS,
                MAX_CORRELATION_FINDINGS,
            )
            .await?;
        let names = store.sensor_names().await?;
        if !query.timing_advance {
            for o in &mut input.observations {
                o.obs.timing_advance = None;
            }
        }
        let reference = self.reference.clone();
        let job = tokio::task::spawn_blocking(move || {
            let result = correlate(
                &FleetInput {
                    observations: &input.observations,
                    findings: &input.findings,
                    reference: reference.as_deref(),
                },
                &Config::default(),
            );
            let mut notes = result.notes;
            if input.observations_truncated {
                notes.push(format!(
                    "only the newest {MAX_CORRELATION_OBSERVATIONS} observations of the period \
                     were correlated; ask for a shorter period (since_ms)"
                ));
            }
            if input.findings_truncated {
                notes.push(format!(
                    "only the newest {MAX_CORRELATION_FINDINGS} sensor findings of the period \
                     were correlated; ask for a shorter period (since_ms)"
                ));
            }
            let answer = FleetAnswer {
                findings: Vec::new(),
                notes,
                observations: input.observations.len(),
                sensor_findings: input.findings.len(),
                reference_cells: reference.as_ref().map_or(0, |r| r.len()),
                timing_advance: query.timing_advance,
            };
            (answer, result.findings)
        })
        .await;
        match job {
            Ok((answer, findings)) => Ok((answer, findings, names)),
            Err(e) => Err(FleetError::Failed(e.to_string())),
        }
    }
}

fn view(f: &FleetFinding, names: &BTreeMap<i64, String>, viewer: Option<i64>) -> FleetFindingView {
    let visible = |ids: &[stingwatch_fleet_correlate::SensorId]| -> Vec<String> {
        ids.iter()
            .filter_map(|s| i64::try_from(s.0).ok())
            .filter(|id| viewer.is_none_or(|v| v == *id))
            .filter_map(|id| names.get(&id).cloned())
            .collect()
    };
    let sensors = visible(&f.sensors);
    // A sensor learns nothing of where other sensors were: only the places it saw itself.
    let places = f
        .places
        .iter()
        .filter_map(|p| {
            let sensors = visible(&p.sensors);
            (viewer.is_none() || !sensors.is_empty()).then_some(PlaceView {
                latitude: p.position.latitude,
                longitude: p.position.longitude,
                time_ms: p.time_ms,
                sensors,
            })
        })
        .collect();
    FleetFindingView {
        kind: f.kind.as_str(),
        severity: f.severity,
        title: f.title.clone(),
        explanation: f.explanation.clone(),
        cell: f.cell,
        channel: f.channel,
        pci: f.pci,
        first_ms: f.first_ms,
        last_ms: f.last_ms,
        sensors,
        sensor_total: f.sensor_total,
        evidence_total: f.evidence_total,
        locations: f.locations.iter().map(Estimate::of).collect(),
        raised_by: f.raised_by.clone(),
        places,
    }
}
