//! Load driver of `scripts/bench-fleet`: SENSORS simulated sensors each upload one batch
//! every INTERVAL seconds for DURATION seconds to a running `stingwatch serve`, spread evenly
//! over the interval. Prints uploads per second, latency percentiles and errors as JSON.
//!
//! usage: fleet_load URL ADMIN_TOKEN [SENSORS=1000] [INTERVAL=10] [DURATION=60] [WORKERS=128]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use stingwatch_fleet_client::Uploader;

/// Observations in one sensor's 10-second batch: the serving cell and a few neighbours,
/// each sighted a couple of times.
const OBSERVATIONS_PER_BATCH: usize = 12;

fn batch(sensor: usize, seq: usize, t: i64) -> Vec<u8> {
    let obs: Vec<serde_json::Value> = (0..OBSERVATIONS_PER_BATCH)
        .map(|i| {
            serde_json::json!({
                "time_ms": t - (i as i64) * 800,
                "cell": {"rat": "lte", "mcc": 262, "mnc": 1, "area": 4700 + sensor % 40, "cell": 100_000 + (sensor * 7 + i) % 5000},
                "channel": 1300, "pci": (sensor + i) % 504, "serving": i == 0,
                "rsrp_dbm": -70.0 - (i as f64) * 3.0, "rsrq_db": -10.0, "timing_advance": i % 8,
                "position": {"latitude": 52.3 + (sensor % 100) as f64 * 0.004, "longitude": 13.1 + (sensor / 100) as f64 * 0.01 + seq as f64 * 0.0005},
                "position_age_ms": 300,
            })
        })
        .collect();
    // One sensor in fifty reports a finding per batch.
    let findings = if (sensor + seq).is_multiple_of(50) {
        serde_json::json!([{
            "id": format!("f-{sensor}-{seq}"), "kind": "identity-request-without-auth", "severity": "high",
            "title": "IMSI requested before authentication", "explanation": "load test", "time_ms": t,
            "cell": {"rat": "lte", "mcc": 262, "mnc": 1, "area": 4700, "cell": 100_000},
        }])
    } else {
        serde_json::json!([])
    };
    serde_json::json!({
        "protocol": 1, "batch_id": format!("load-{sensor}-{seq:04}"), "created_ms": t,
        "observations": obs, "findings": findings,
    })
    .to_string()
    .into_bytes()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .cloned()
        .expect("usage: fleet_load URL ADMIN_TOKEN [SENSORS] [INTERVAL] [DURATION] [WORKERS]");
    let admin = args.get(2).cloned().expect("admin token");
    let num = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (sensors, interval, duration, workers) =
        (num(3, 1000), num(4, 10), num(5, 60), num(6, 128));

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let run = std::process::id();
    let mut tokens = Vec::with_capacity(sensors);
    for i in 0..sensors {
        let mut r = agent
            .post(&format!("{url}/api/v1/admin/sensors"))
            .header("Authorization", &format!("Bearer {admin}"))
            .send(format!("{{\"name\":\"load-{run}-{i}\"}}").as_bytes())
            .expect("add sensor");
        let v: serde_json::Value =
            serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        tokens.push(v["token"].as_str().expect("token").to_string());
    }
    let rounds = duration / interval;
    // (due time, sensor, round), earliest first.
    let mut plan = BinaryHeap::new();
    for s in 0..sensors {
        let offset = Duration::from_secs_f64(interval as f64 * s as f64 / sensors as f64);
        for k in 0..rounds {
            plan.push(Reverse((
                offset + Duration::from_secs((k * interval) as u64),
                s,
                k,
            )));
        }
    }
    let plan = Arc::new(Mutex::new(plan));
    let uploaders: Arc<Vec<Uploader>> =
        Arc::new(tokens.iter().map(|t| Uploader::new(&url, t)).collect());
    let results = Arc::new(Mutex::new((
        Vec::<f64>::new(),
        0u64,
        Vec::<String>::new(),
        0u64,
    )));
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..workers {
        let (plan, uploaders, results) = (
            Arc::clone(&plan),
            Arc::clone(&uploaders),
            Arc::clone(&results),
        );
        handles.push(std::thread::spawn(move || loop {
            let next = plan.lock().unwrap().pop();
            let Some(Reverse((due, s, k))) = next else {
                return;
            };
            let now = start.elapsed();
            if due > now {
                std::thread::sleep(due - now);
            }
            let late = start.elapsed().saturating_sub(due);
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as i64;
            let body = batch(s, k, t);
            let t0 = Instant::now();
            let r = uploaders[s].send(&body);
            let ms = t0.elapsed().as_secs_f64() * 1000.0;
            let mut g = results.lock().unwrap();
            g.0.push(ms);
            g.3 += body.len() as u64;
            if late > Duration::from_millis(500) {
                g.1 += 1;
            }
            if let Err(e) = r {
                if g.2.len() < 10 {
                    g.2.push(e.to_string());
                }
                g.2.push(String::new());
            }
        }));
    }
    for h in handles {
        let _ = h.join();
    }
    let wall = start.elapsed().as_secs_f64();
    let g = results.lock().unwrap();
    let mut lat = g.0.clone();
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let errors = g.2.iter().filter(|e| e.is_empty()).count();
    let samples: Vec<&String> = g.2.iter().filter(|e| !e.is_empty()).collect();
    println!(
        "{}",
        serde_json::json!({
            "sensors": sensors, "interval_s": interval, "duration_s": duration,
            "uploads": lat.len(), "errors": errors, "error_samples": samples,
            "late_starts": g.1, "wall_s": wall, "uploads_per_s": lat.len() as f64 / wall,
            "latency_ms": {"p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99), "max": pct(1.0)},
            "body_bytes": g.3, "observations_per_batch": OBSERVATIONS_PER_BATCH,
        })
    );
}
