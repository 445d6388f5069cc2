//! Benchmark: correlate a day of a 1,000-sensor fleet in one city, and report time and memory.
//!
//! `cargo run --release -p stingwatch-fleet-correlate --example fleet_day [SENSORS] [INTERVAL_S]`
//!
//! The fleet is the simulator's: sensors walking in a city of 10 km radius under macro cells
//! 1.5 km apart, each reporting its four strongest cells every INTERVAL_S seconds (default
//! 300), with one catcher on all day and one on for two hours. Memory is read from
//! /proc/self/status (Linux): resident size before correlating (the uploads themselves) and
//! the peak after.

use std::time::Instant;
use stingwatch_fleet_correlate::geo::{distance_m, LocalFrame};
use stingwatch_fleet_correlate::simulate::{test_cell, Scenario, Transmitter};
use stingwatch_fleet_correlate::{correlate, Config, FleetInput, Position};

fn status_kib(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let sensors: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let interval_s: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(300);
    let centre = Position {
        latitude: 41.8781,
        longitude: -87.6298,
        accuracy_m: None,
    };
    let mut s = Scenario::new(1, centre, sensors);
    s.area_radius_m = 10_000.0;
    s = s.with_macro_grid(1_500.0, 1);
    s.duration_ms = 24 * 3_600_000;
    s.interval_ms = interval_s * 1000;
    let frame = LocalFrame::new(&centre);
    for (cell, x, y, on) in [
        (90_001, 1_200.0, -800.0, (i64::MIN, i64::MAX)),
        (
            90_002,
            -3_000.0,
            2_500.0,
            (s.start_ms + 10 * 3_600_000, s.start_ms + 12 * 3_600_000),
        ),
    ] {
        s.transmitters.push(Transmitter {
            cell: test_cell(cell),
            channel: 1_300,
            pci: 7,
            position: frame.to_position(x, y, None),
            rsrp_at_1m_dbm: -15.0,
            on_air_ms: on,
            exposes_identity: true,
        });
    }
    let t = Instant::now();
    let up = s.run();
    println!(
        "simulated {} sensors x 24 h every {} s: {} observations, {} sensor findings, {} cells, in {:.1} s",
        sensors,
        interval_s,
        up.observations.len(),
        up.findings.len(),
        s.transmitters.len(),
        t.elapsed().as_secs_f64()
    );
    let before = status_kib("VmRSS:").unwrap_or(0);
    let input = FleetInput {
        observations: &up.observations,
        findings: &up.findings,
        reference: None,
    };
    let t = Instant::now();
    let out = correlate(&input, &Config::default());
    let secs = t.elapsed().as_secs_f64();
    let peak = status_kib("VmHWM:").unwrap_or(0);
    println!(
        "correlate: {:.2} s ({:.0} observations/s); resident before {} MiB, peak {} MiB (+{} MiB)",
        secs,
        up.observations.len() as f64 / secs,
        before / 1024,
        peak / 1024,
        peak.saturating_sub(before) / 1024
    );
    for f in &out.findings {
        let truth = s
            .transmitters
            .iter()
            .find(|t| Some(t.cell) == f.cell)
            .map(|t| t.position);
        println!(
            "  [{}] {} on {:?}: {} sensors, located: {}",
            f.severity.as_str(),
            f.kind.as_str(),
            f.cell.map(|c| c.cell),
            f.sensor_total,
            f.locations
                .iter()
                .map(|l| format!(
                    "±{:.0} m by {}, {:.0} m from the truth",
                    l.uncertainty_m,
                    l.method.as_str(),
                    truth.map_or(f64::NAN, |p| distance_m(&p, &l.position))
                ))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    for n in &out.notes {
        println!("  note: {n}");
    }
}
