//! The labels hold: every attack yields its expected findings at the expected packets with
//! at least the expected severity, every benign scenario yields nothing at or above low, in
//! both capture formats, and the two NAS forms give the same findings.

mod common;

use common::{all_scenarios, id, pcapng_round_trip, qmdl_round_trip};
use stingwatch_analysis::{Analysis, Finding, Severity};
use stingwatch_events::EventDeriver;
use stingwatch_model::RadioMessage;
use stingwatch_scenario::{build_with, catalog, NasCopies, Options, Scenario};

fn findings(messages: Vec<RadioMessage>) -> Vec<Finding> {
    let mut deriver = EventDeriver::new();
    let mut events = Vec::new();
    for m in messages {
        let decoded = stingwatch_decode::decode_message(m);
        events.extend(deriver.derive(&decoded));
    }
    Analysis::run(&events)
}

fn severity(name: &str) -> Severity {
    match name {
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        other => panic!("unknown severity {other}"),
    }
}

fn summary(found: &[Finding]) -> String {
    found
        .iter()
        .map(|f| {
            format!(
                "  {} {} at packet {}: {}",
                f.kind, f.severity, f.packet, f.title
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Problems with the findings of `s` read back from one format.
fn check(s: &Scenario, format: &str, found: &[Finding]) -> Vec<String> {
    let mut problems = Vec::new();
    if s.attack {
        for e in &s.expected {
            if format == "pcapng" && !e.in_pcapng {
                continue;
            }
            // A step of a longer episode may be reported inside that episode's finding
            // (`includes`), which then carries the severity.
            let hit = found.iter().any(|f| {
                f.severity >= severity(e.min_severity)
                    && ((f.kind == e.kind && f.packet == e.packet)
                        || f.includes
                            .iter()
                            .any(|i| i.kind == e.kind && i.packet == e.packet))
            });
            if !hit {
                problems.push(format!(
                    "{} {format}: missing {} >= {} at packet {}; found:\n{}",
                    id(s),
                    e.kind,
                    e.min_severity,
                    e.packet,
                    summary(found)
                ));
            }
        }
    } else {
        let loud: Vec<Finding> = found
            .iter()
            .filter(|f| f.severity >= Severity::Low)
            .cloned()
            .collect();
        if !loud.is_empty() {
            problems.push(format!(
                "{} {format}: benign scenario has findings:\n{}",
                id(s),
                summary(&loud)
            ));
        }
    }
    problems
}

#[test]
fn labels_hold_in_both_formats() {
    let mut problems = Vec::new();
    for s in all_scenarios() {
        problems.extend(check(&s, "qmdl", &findings(qmdl_round_trip(&s))));
        problems.extend(check(&s, "pcapng", &findings(pcapng_round_trip(&s))));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn nas_records_do_not_change_findings() {
    let mut problems = Vec::new();
    for info in catalog() {
        let both = build_with(
            info.name,
            Options {
                nas: NasCopies::RrcAndRecords,
            },
        )
        .expect("builds");
        let only = build_with(
            info.name,
            Options {
                nas: NasCopies::RrcOnly,
            },
        )
        .expect("builds");
        let key = |f: &Finding, packet: Option<u64>| (f.kind, f.severity, packet, f.count);
        let mut with_records: Vec<_> = findings(both.messages.clone())
            .iter()
            .map(|f| key(f, both.rrc_only_packet(f.packet)))
            .collect();
        let mut without: Vec<_> = findings(only.messages.clone())
            .iter()
            .map(|f| key(f, Some(f.packet)))
            .collect();
        with_records.sort();
        without.sort();
        if with_records != without {
            problems.push(format!(
                "{}: with NAS records {with_records:?}\n  RRC only {without:?}",
                info.name
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// An attack that crosses technologies (the lure on one, the identity collection on the
/// other) is reported as one finding that includes the other step, in both capture formats.
#[test]
fn an_episode_across_technologies_is_one_finding() {
    for name in ["lte-lure-to-gsm-catcher", "nr-release-to-eutra"] {
        let s = build_with(name, Options::default()).expect("builds");
        for (format, found) in [
            ("qmdl", findings(qmdl_round_trip(&s))),
            ("pcapng", findings(pcapng_round_trip(&s))),
        ] {
            let loud: Vec<&Finding> = found
                .iter()
                .filter(|f| f.severity >= Severity::Medium)
                .collect();
            assert_eq!(loud.len(), 1, "{name} {format}:\n{}", summary(&found));
            let episode = loud[0];
            assert_eq!(episode.severity, Severity::High, "{name} {format}");
            assert_eq!(episode.includes.len(), 1, "{name} {format}");
            let step = &episode.includes[0];
            assert_ne!(step.kind, episode.kind);
            assert!(step.packet != episode.packet, "{name} {format}");
            assert!(
                (episode.first_packet..=episode.last_packet).contains(&step.packet),
                "{name} {format}: the episode's span covers its steps"
            );
        }
    }
}
