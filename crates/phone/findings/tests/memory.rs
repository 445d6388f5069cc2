//! A scan of 100,000 records keeps what its findings and timeline need, not the records:
//! measured with a counting allocator around the scan.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use stingwatch_phone_findings::*;
use stingwatch_phone_model::{Observable, ObservableKind, RecordSink, Severity};

/// Counts live heap bytes and their peak. The test binary runs this one test, so other
/// threads do not disturb the figures.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Peak heap growth allowed while scanning; the figure measured is printed.
const BUDGET: usize = 24 << 20;

#[test]
fn a_hundred_thousand_records_stay_small() {
    let mut m = TableMatcher::new();
    // Enough distinct indicators to reach the findings limit.
    for i in 0..1_500 {
        m.add(ObservableKind::Domain, &format!("c2-{i}.example"), "Flood");
    }
    m.add(ObservableKind::Domain, "evil.example", "Pegasus");
    let artifacts = [
        "ios.sms",
        "ios.safari_history",
        "ios.datausage",
        "ios.calls",
    ];
    let padding = "x".repeat(400);

    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let mut streamed = 0usize;
    let mut scan = PhoneScan::new(&m);
    for i in 0..100_000i64 {
        let value = match i % 50 {
            0 => "https://www.evil.example/p".to_string(),
            1 => format!("https://c2-{}.example/", (i / 50) % 1_500),
            _ => format!("https://site{i}.example/{padding}"),
        };
        let artifact = artifacts[(i % 4) as usize];
        // Three hours apart: 12,500 days, past the timeline's day limit.
        let rec = record(
            artifact,
            &format!("row {i}"),
            Some(i * 3 * HOUR),
            &format!("record {i}: {value}"),
            vec![
                url(&value),
                Observable::new(ObservableKind::ProcessName, "launchd"),
            ],
        );
        streamed += rec.summary.len() + rec.source.len() + rec.locator.len() + 2 * value.len();
        scan.record(rec);
        if i % 1_000 == 0 {
            scan.signal(signal(
                "ios.odd",
                Severity::Low,
                &format!("Odd thing {}", i % 7),
                record(
                    artifact,
                    &format!("row {i}"),
                    Some(i * 3 * HOUR),
                    "odd",
                    vec![],
                ),
            ));
        }
    }
    let result = scan.finish();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let kept = LIVE.load(Ordering::Relaxed) - before;
    eprintln!(
        "streamed {} MB of record text; peak heap growth {:.1} MB, kept {:.1} MB",
        streamed >> 20,
        peak as f64 / (1 << 20) as f64,
        kept as f64 / (1 << 20) as f64
    );
    assert!(
        streamed > 40 << 20,
        "the test streams more than it may keep"
    );
    assert!(peak < BUDGET, "peak heap growth {peak} bytes");

    // What was kept is what the limits allow, and nothing was lost from the counts.
    assert_eq!(result.records, 100_000);
    assert_eq!(result.findings.len(), MAX_FINDINGS);
    let counts = result.severity_counts();
    // 4 artifacts x (1 Pegasus + 1,500 Flood) could match; 1,000 listed, the rest counted.
    assert!(counts.high > MAX_FINDINGS as u64);
    // Signals come every 1,000th record, always on ios.sms, with 7 distinct titles.
    assert_eq!(counts.low, 7);
    let evidence: usize = result.findings.iter().map(|f| f.evidence.len()).sum();
    assert!(evidence <= MAX_EVIDENCE_TOTAL + MAX_FINDINGS);
    let t = &result.timeline;
    assert_eq!(t.days.len(), MAX_TIMELINE_DAYS);
    assert!(t.records_past_day_limit > 0);
    assert!(t.events.len() <= MAX_MARKED_EVENTS + MAX_SAMPLED_EVENTS);
    let days_counted: u64 = t.days.iter().map(|d| d.records).sum();
    assert_eq!(days_counted + t.records_past_day_limit, 100_000);
    let pegasus = result
        .findings
        .iter()
        .filter(|f| {
            f.indicator
                .as_ref()
                .is_some_and(|i| i.collection == "Pegasus")
        })
        .map(|f| f.count)
        .sum::<u64>();
    assert_eq!(pegasus, 2_000);

    // Every format renders the bounded result.
    let report = PhoneReport::new(
        "0.1.0",
        Acquisition::new(AcquisitionKind::IosBackup, "big"),
        m.collections(),
        result,
    );
    assert!(render_html(&report).len() < 16 << 20);
    assert!(render_timeline_csv(&report).lines().count() > 1);
}
