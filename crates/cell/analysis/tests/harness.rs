//! Whole-harness behaviour: episodes, corroboration, operator patterns, known cells, benign
//! procedures and determinism, all from hand-written event lists.

use stingwatch_analysis::{Analysis, Finding, KnownCells, Severity};
use stingwatch_events::*;

const T0: i64 = 1_700_000_000_000_000;
const SEC: i64 = 1_000_000;

fn cell(earfcn: u32, pci: u16, tac: u32, cid: u32) -> CellRef {
    CellRef {
        earfcn: Some(earfcn),
        pci: Some(pci),
        identity: Some(CellIdentity {
            plmn: Plmn::new(310, 260, 3),
            tac,
            cell_id: cid,
        }),
    }
}

/// Builds a recording: packets numbered in order, one second apart unless told otherwise.
#[derive(Default)]
struct Rec {
    events: Vec<Event>,
    packet: u64,
    time: i64,
}

impl Rec {
    fn push(&mut self, c: CellRef, kind: EventKind) -> u64 {
        self.packet += 1;
        self.time += SEC;
        self.events.push(
            Event::new(self.packet, kind)
                .on(c)
                .at(CaptureTime(T0 + self.time)),
        );
        self.packet
    }
    fn all(&mut self, c: CellRef, kinds: Vec<EventKind>) -> u64 {
        let first = self.packet + 1;
        for k in kinds {
            self.push(c, k);
        }
        first
    }
    fn wait(&mut self, seconds: i64) {
        self.time += seconds * SEC;
    }
    fn run(&self) -> Vec<Finding> {
        Analysis::run(&self.events)
    }
}

fn sib1(c: &CellRef, sibs: Vec<u8>) -> EventKind {
    let id = c.identity.unwrap();
    EventKind::CellObserved {
        plmn: id.plmn,
        additional_plmns: [].into(),
        tac: id.tac,
        cell_id: id.cell_id,
        scheduled_sibs: sibs.into(),
        barred: false,
        value_tag: Some(3),
    }
}

fn sysinfo(serving: u8, rat: AccessTechnology, prio: u8) -> EventKind {
    EventKind::SystemInfo {
        sibs: vec![3, if rat == AccessTechnology::Geran { 7 } else { 6 }].into(),
        serving_priority: Some(serving),
        neighbour_priorities: vec![FreqPriority {
            rat,
            arfcn: Some(10),
            priority: prio,
        }]
        .into(),
    }
}

fn conn_req() -> EventKind {
    EventKind::ConnectionRequested {
        cause: EstablishmentCause::MoSignalling,
    }
}

fn release() -> EventKind {
    EventKind::ConnectionReleased {
        cause: Some(ReleaseCause::Other),
        redirect: None,
        idle_priorities: [].into(),
    }
}

fn id_req(t: IdentityType) -> EventKind {
    EventKind::IdentityRequested {
        layer: Layer::Nas,
        identity: t,
    }
}

fn smc(layer: Layer, c: u8, i: u8) -> EventKind {
    EventKind::SecurityModeCommand {
        layer,
        cipher: Some(c),
        integrity: Some(i),
    }
}

fn paging(ids: Vec<IdentityType>) -> EventKind {
    EventKind::Paging {
        identities: ids.into(),
        system_info_modification: false,
    }
}

/// Identity request then reject, no authentication; returns the identity request packet.
fn catcher_exchange(r: &mut Rec, c: CellRef, cause: u8) -> u64 {
    r.all(
        c,
        vec![
            conn_req(),
            EventKind::ConnectionSetup,
            EventKind::AttachRequest {
                identity: IdentityType::Guti,
            },
        ],
    );
    let p = r.push(c, id_req(IdentityType::Imsi));
    r.all(
        c,
        vec![
            EventKind::IdentitySent {
                identity: IdentityType::Imsi,
            },
            EventKind::AttachReject { cause },
            release(),
        ],
    );
    p
}

/// A secured, authenticated connection (service request) on a cell.
fn normal_connection(r: &mut Rec, c: CellRef) {
    r.all(
        c,
        vec![
            conn_req(),
            EventKind::ConnectionSetup,
            EventKind::ServiceRequest,
            smc(Layer::Rrc, 2, 2),
            EventKind::SecurityModeComplete { layer: Layer::Rrc },
            release(),
        ],
    );
}

fn at_least(findings: &[Finding], s: Severity) -> Vec<&Finding> {
    findings.iter().filter(|f| f.severity >= s).collect()
}

#[test]
fn repeated_occurrences_merge_into_one_episode() {
    let c = cell(100, 1, 1, 1);
    let mut r = Rec::default();
    let first = r.push(c, paging(vec![IdentityType::Imsi]));
    for _ in 0..99 {
        r.push(c, paging(vec![IdentityType::Imsi]));
    }
    let f = r.run();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].count, 100);
    assert_eq!(f[0].first_packet, first);
    assert_eq!(f[0].last_packet, first + 99);
    assert_eq!(f[0].evidence.len(), stingwatch_analysis::MAX_EVIDENCE);
    assert_eq!(f[0].evidence_omitted, 50);
    assert_eq!(f[0].span_micros(), Some(99 * SEC));
}

#[test]
fn long_silence_starts_a_new_episode_and_cells_are_separate() {
    let a = cell(100, 1, 1, 1);
    let b = cell(100, 2, 1, 2);
    let mut r = Rec::default();
    r.push(a, paging(vec![IdentityType::Imsi]));
    r.push(b, paging(vec![IdentityType::Imsi]));
    r.wait(3600);
    r.push(a, paging(vec![IdentityType::Imsi]));
    let f = r.run();
    assert_eq!(f.len(), 3);
    assert!(f.iter().all(|f| f.count == 1));
}

#[test]
fn incomplete_sib_chain_and_identity_without_auth_on_one_cell_is_high() {
    let fake = cell(5230, 7, 4242, 99);
    let mut r = Rec::default();
    r.push(fake, sib1(&fake, vec![2]));
    let p = catcher_exchange(&mut r, fake, 15);
    let f = r.run();
    let id = f
        .iter()
        .find(|f| f.kind == "identity-request-without-auth")
        .unwrap();
    assert_eq!((id.severity, id.packet), (Severity::High, p), "{f:#?}");
    assert!(id
        .confidence_notes
        .iter()
        .any(|n| n.contains("Corroborated")));
    // The broadcast side is not raised, only annotated.
    let chain = f.iter().find(|f| f.kind == "incomplete-sib-chain").unwrap();
    assert_eq!(chain.severity, Severity::Medium);
    assert!(chain
        .confidence_notes
        .iter()
        .any(|n| n.contains("Supports")));

    // Each alone stays below High.
    let mut r = Rec::default();
    r.push(fake, sib1(&fake, vec![2]));
    assert!(at_least(&r.run(), Severity::High).is_empty());
    let mut r = Rec::default();
    r.push(fake, sib1(&fake, vec![2, 3, 5]));
    catcher_exchange(&mut r, fake, 15);
    assert!(at_least(&r.run(), Severity::High).is_empty());
}

#[test]
fn identity_and_geran_redirect_corroborate() {
    let fake = cell(5230, 7, 4242, 99);
    let mut r = Rec::default();
    r.all(
        fake,
        vec![
            conn_req(),
            EventKind::TauRequest {
                identity: IdentityType::Guti,
                periodic: false,
            },
            id_req(IdentityType::Imsi),
            EventKind::IdentitySent {
                identity: IdentityType::Imsi,
            },
            EventKind::TauReject { cause: 12 },
            EventKind::ConnectionReleased {
                cause: Some(ReleaseCause::Other),
                redirect: Some(Redirect {
                    rat: AccessTechnology::Geran,
                    arfcn: Some(30),
                }),
                idle_priorities: [].into(),
            },
        ],
    );
    let f = r.run();
    assert!(f
        .iter()
        .any(|f| f.kind == "downgrade-redirect-without-auth" && f.severity == Severity::High));
}

#[test]
fn network_wide_pattern_is_operator_configuration() {
    let mut r = Rec::default();
    for i in 0..4u16 {
        let c = cell(100 + u32::from(i), i, 10, u32::from(i));
        for _ in 0..10 {
            r.push(c, sysinfo(3, AccessTechnology::Geran, 5));
            r.push(c, sysinfo(3, AccessTechnology::Utra, 6));
            r.wait(60);
        }
    }
    let f = r.run();
    assert!(!f.is_empty());
    assert!(f.iter().all(|f| f.operator_pattern), "{f:#?}");
    assert!(f.iter().all(|f| f.severity <= Severity::Low));
    assert!(f[0].confidence_notes.iter().any(|n| n.contains("operator")));
    // One finding for the whole network pattern, not one per message or per cell.
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].count, 80);
    assert!(f[0].title.contains("on 4 cells"));
}

#[test]
fn operator_pattern_does_not_hide_a_real_attack_on_another_cell() {
    let mut r = Rec::default();
    for i in 0..4u16 {
        let c = cell(100 + u32::from(i), i, 10, u32::from(i));
        for _ in 0..10 {
            r.push(c, sysinfo(3, AccessTechnology::Utra, 5));
            r.wait(60);
        }
    }
    let fake = cell(5230, 7, 4242, 99);
    r.push(fake, sib1(&fake, vec![2]));
    let p = catcher_exchange(&mut r, fake, 15);
    let f = r.run();
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].packet, p);
}

fn nr_priorities(serving: u8, eutra: u8) -> EventKind {
    EventKind::Nr(NrEvent::SystemInfo {
        sibs: vec![2, 5].into(),
        serving_priority: Some(serving),
        neighbour_priorities: vec![FreqPriority {
            rat: AccessTechnology::Eutra,
            arfcn: Some(1300),
            priority: eutra,
        }]
        .into(),
    })
}

#[test]
fn one_nr_cell_ranking_4g_first_is_medium_a_network_doing_it_is_its_configuration() {
    let lone = cell(630_000, 101, 10, 1);
    let mut r = Rec::default();
    r.push(lone, nr_priorities(1, 7));
    let f = r.run();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (f[0].kind, f[0].severity, f[0].operator_pattern),
        ("nr-priority-downgrade", Severity::Medium, false)
    );

    // A standalone network set up to prefer 4G does it on every cell, all day.
    let mut r = Rec::default();
    for i in 0..4u16 {
        let c = cell(630_000 + u32::from(i) * 12, 100 + i, 10, u32::from(i));
        for _ in 0..5 {
            r.push(c, nr_priorities(3, 5));
            r.wait(240);
        }
    }
    let f = r.run();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0].operator_pattern && f[0].severity < Severity::Low,
        "{f:#?}"
    );
    assert!(f[0].title.contains("on 4 cells"));
}

#[test]
fn cell_missing_from_known_list_raises_confidence() {
    let fake = cell(5230, 7, 4242, 99);
    let mut r = Rec::default();
    catcher_exchange(&mut r, fake, 3);
    let known = KnownCells::from_csv("310,260,1,1,100,1,,\n").unwrap();
    let mut a = Analysis::new().with_known_cells(known);
    for e in &r.events {
        a.observe(e);
    }
    let f = a.finish();
    let id = f
        .iter()
        .find(|f| f.kind == "identity-request-without-auth")
        .unwrap();
    assert_eq!(id.severity, Severity::High);
    assert!(id
        .confidence_notes
        .iter()
        .any(|n| n.contains("not in your list")));

    // A missing cell with nothing else is no finding at all.
    let mut r = Rec::default();
    normal_connection(&mut r, fake);
    let known = KnownCells::from_csv("310,260,1,1,100,1,,\n").unwrap();
    let mut a = Analysis::new().with_known_cells(known);
    for e in &r.events {
        a.observe(e);
    }
    assert!(a.finish().is_empty());
}

#[test]
fn benign_procedures_raise_nothing() {
    let home = cell(66486, 12, 1234, 1001);
    let next = cell(66486, 13, 1234, 1002);
    let mut r = Rec::default();
    for c in [home, next] {
        r.push(c, sib1(&c, vec![2, 3, 5, 6, 7]));
        r.push(c, sysinfo(6, AccessTechnology::Utra, 3));
        r.push(c, sysinfo(6, AccessTechnology::Geran, 1));
    }
    // First attach with IMSI, authenticated.
    r.all(
        home,
        vec![
            conn_req(),
            EventKind::ConnectionSetup,
            EventKind::AttachRequest {
                identity: IdentityType::Imsi,
            },
            EventKind::AuthRequested,
            EventKind::AuthAnswered,
            smc(Layer::Nas, 2, 2),
            EventKind::SecurityModeComplete { layer: Layer::Nas },
            smc(Layer::Rrc, 2, 2),
            EventKind::SecurityModeComplete { layer: Layer::Rrc },
            EventKind::AttachAccept,
            EventKind::AttachComplete,
            release(),
        ],
    );
    // GUTI attach where the network asks for the IMSI, then authenticates.
    r.all(
        home,
        vec![
            conn_req(),
            EventKind::AttachRequest {
                identity: IdentityType::Guti,
            },
            id_req(IdentityType::Imsi),
            EventKind::IdentitySent {
                identity: IdentityType::Imsi,
            },
            EventKind::AuthRequested,
            EventKind::AuthAnswered,
            smc(Layer::Nas, 2, 2),
            EventKind::SecurityModeComplete { layer: Layer::Nas },
            EventKind::AttachAccept,
            release(),
        ],
    );
    // Periodic TAU, accepted with the existing context.
    r.all(
        home,
        vec![
            conn_req(),
            EventKind::TauRequest {
                identity: IdentityType::Guti,
                periodic: true,
            },
            EventKind::TauAccept,
            release(),
        ],
    );
    // Handover to the neighbour, then paging by S-TMSI in a busy cell.
    r.all(
        home,
        vec![
            conn_req(),
            EventKind::ServiceRequest,
            smc(Layer::Rrc, 2, 2),
            EventKind::Handover {
                rat: AccessTechnology::Eutra,
                arfcn: Some(66486),
                pci: Some(13),
            },
        ],
    );
    r.push(next, release());
    for _ in 0..300 {
        r.push(next, paging(vec![IdentityType::STmsi; 8]));
    }
    // Busy cell with many connections.
    for _ in 0..50 {
        normal_connection(&mut r, next);
        r.wait(20);
    }
    let f = r.run();
    assert!(at_least(&f, Severity::Low).is_empty(), "{f:#?}");
}

#[test]
fn dead_sim_gets_one_explained_finding_not_high() {
    // A SIM without service: attach with IMSI, identity request, reject #11, over and over on
    // the real network's cells.
    let cells = [cell(5110, 1, 20, 1), cell(5110, 2, 20, 2)];
    let mut r = Rec::default();
    for c in &cells {
        r.push(*c, sib1(c, vec![2, 3, 5]));
    }
    for k in 0..12 {
        let c = cells[k % 2];
        catcher_exchange(&mut r, c, 11);
        r.wait(120);
    }
    let f = r.run();
    assert!(at_least(&f, Severity::High).is_empty(), "{f:#?}");
    let id: Vec<&Finding> = f
        .iter()
        .filter(|f| f.kind == "identity-request-without-auth")
        .collect();
    assert!(!id.is_empty() && id.len() <= 2);
    assert!(id.iter().all(|f| f
        .benign_alternatives
        .iter()
        .any(|b| b.contains("SIM without service"))));
    assert!(f.len() <= 6, "{f:#?}");
}

#[test]
fn commercial_weak_configuration_stays_quiet() {
    // Many cells over hours: 3G ranked above LTE, NAS null ciphering on every connection,
    // GSM neighbours, ordinary connections.
    let mut r = Rec::default();
    for hour in 0..3u32 {
        for i in 0..5u32 {
            let c = cell(2000 + i, i as u16, 300 + hour, 5000 + i);
            r.push(c, sib1(&c, vec![2, 3, 5, 6, 7]));
            r.push(c, sysinfo(4, AccessTechnology::Utra, 5));
            r.push(c, sysinfo(4, AccessTechnology::Geran, 1));
            for _ in 0..4 {
                r.all(
                    c,
                    vec![
                        conn_req(),
                        EventKind::ServiceRequest,
                        smc(Layer::Nas, 0, 2),
                        EventKind::SecurityModeComplete { layer: Layer::Nas },
                        smc(Layer::Rrc, 2, 2),
                        release(),
                    ],
                );
                r.wait(180);
            }
        }
    }
    let f = r.run();
    assert!(at_least(&f, Severity::Medium).is_empty(), "{f:#?}");
    assert!(f
        .iter()
        .all(|f| f.operator_pattern || f.severity <= Severity::Low));
}

#[test]
fn rejects_on_many_cells_are_the_subscription_not_an_attack() {
    // Roaming after a landing: every network the phone tries rejects it unauthenticated.
    let mut r = Rec::default();
    for k in 0..6u32 {
        let c = CellRef {
            earfcn: Some(1000 + k),
            pci: Some(k as u16),
            identity: Some(CellIdentity {
                plmn: Plmn::new(310 + (k % 3) as u16, 410, 3),
                tac: 100 + k,
                cell_id: k,
            }),
        };
        catcher_exchange(&mut r, c, 13);
        r.wait(300);
    }
    let f = r.run();
    assert!(at_least(&f, Severity::Low).is_empty(), "{f:#?}");
    let id = f
        .iter()
        .find(|f| f.kind == "identity-request-without-auth")
        .unwrap();
    assert!(id.operator_pattern && id.title.contains("on 6 cells"));
    assert!(id
        .confidence_notes
        .iter()
        .any(|n| n.contains("subscription")));
}

#[test]
fn analysis_is_deterministic() {
    let fake = cell(5230, 7, 4242, 99);
    let mut r = Rec::default();
    r.push(fake, sib1(&fake, vec![2]));
    catcher_exchange(&mut r, fake, 15);
    for i in 0..5u16 {
        let c = cell(100, i, 1, u32::from(i));
        r.push(c, sysinfo(3, AccessTechnology::Geran, 5));
        r.push(c, paging(vec![IdentityType::Imsi]));
    }
    let a = serde_json::to_string(&r.run()).unwrap();
    let b = serde_json::to_string(&r.run()).unwrap();
    assert_eq!(a, b);
    assert!(a.contains("\"severity\":\"high\""));
}

#[test]
fn snapshot_matches_finish_when_no_finish_time_findings() {
    let fake = cell(5230, 7, 4242, 99);
    let mut r = Rec::default();
    r.push(fake, sib1(&fake, vec![2]));
    catcher_exchange(&mut r, fake, 15);
    let mut a = Analysis::new();
    for e in &r.events {
        a.observe(e);
    }
    let snap = a.snapshot();
    assert_eq!(snap, a.finish());
    assert!(!snap.is_empty());
}

#[test]
fn catalog_lists_every_analyzer_once() {
    let cat = Analysis::new().catalog();
    let mut kinds: Vec<&str> = cat.iter().map(|a| a.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds.len(), cat.len());
    assert!(cat.len() >= 11);
    assert!(cat
        .iter()
        .all(|a| a.version >= 1 && !a.description.is_empty()));
    let doc = include_str!("../../../../docs/heuristics.md");
    for k in kinds {
        assert!(
            doc.contains(&format!("`{k}`")),
            "{k} missing from docs/heuristics.md"
        );
    }
}

/// The phone names its SIM's network (IMSI) and the network that registered it (GUTI).
fn device_network(imsi: &str) -> EventKind {
    EventKind::DeviceNetwork {
        subscription: ImsiNetwork::from_imsi(imsi),
        registered: Some(Plmn::new(310, 260, 3)),
    }
}

fn on_network(c: CellRef, plmn: Plmn) -> CellRef {
    CellRef {
        identity: c.identity.map(|id| CellIdentity { plmn, ..id }),
        ..c
    }
}

#[test]
fn not_allowed_here_from_a_visited_network_is_information() {
    // The SIM belongs to 310-260; a cell of 334-020 (abroad) asks for the IMSI and refuses
    // the phone as a roamer before authenticating it.
    let visited = on_network(cell(600, 9, 70, 7), Plmn::new(334, 20, 3));
    let mut r = Rec::default();
    r.push(visited, sib1(&visited, vec![2, 3, 5]));
    r.push(visited, device_network("310260000000001"));
    catcher_exchange(&mut r, visited, 13);
    let f = r.run();
    assert!(at_least(&f, Severity::Low).is_empty(), "{f:#?}");
    assert!(f
        .iter()
        .filter(|f| f.kind == "downgrade-reject-cause")
        .all(|f| f
            .confidence_notes
            .iter()
            .any(|n| n.starts_with("Visited network"))));

    // The same refusal from a cell that broadcasts the SIM's own network keeps its weight.
    let own = cell(600, 9, 70, 7);
    let mut r = Rec::default();
    r.push(own, sib1(&own, vec![2, 3, 5]));
    r.push(own, device_network("310260000000001"));
    let request = catcher_exchange(&mut r, own, 13);
    let f = r.run();
    let id = f
        .iter()
        .find(|f| f.kind == "identity-request-without-auth")
        .unwrap();
    assert_eq!((id.packet, id.severity), (request, Severity::Medium));
    assert!(id
        .confidence_notes
        .iter()
        .any(|n| n.contains("claims to be the SIM's own network")));
}

#[test]
fn configured_home_network_decides_when_the_recording_does_not() {
    let visited = on_network(cell(600, 9, 70, 7), Plmn::new(334, 20, 3));
    let mut r = Rec::default();
    r.push(visited, sib1(&visited, vec![2, 3, 5]));
    catcher_exchange(&mut r, visited, 13);
    // Nothing names the phone's networks: the refusal is weighed as before.
    assert!(!at_least(&r.run(), Severity::Medium).is_empty());
    let mut a = Analysis::new().with_home_network(Plmn::new(310, 260, 3));
    for e in &r.events {
        a.observe(e);
    }
    let f = a.finish();
    assert!(at_least(&f, Severity::Low).is_empty(), "{f:#?}");
}

#[test]
fn imsi_paging_weighs_only_where_the_cell_shows_other_signs() {
    let quiet = cell(700, 1, 80, 1);
    let odd = cell(700, 2, 81, 2);
    let mut r = Rec::default();
    r.push(quiet, sib1(&quiet, vec![2, 3, 5]));
    r.push(quiet, paging(vec![IdentityType::Imsi]));
    // A cell whose SIB1 schedules nothing beyond SIB2 (Medium) pages by IMSI too.
    r.push(odd, sib1(&odd, vec![2]));
    r.push(odd, paging(vec![IdentityType::STmsi, IdentityType::Imsi]));
    let f = r.run();
    let page = |c: CellRef| {
        f.iter()
            .find(|f| f.kind == "imsi-paging" && f.cell == Some(c))
            .unwrap()
    };
    assert_eq!(page(quiet).severity, Severity::Info);
    let weighed = page(odd);
    assert_eq!(weighed.severity, Severity::Medium);
    assert!(weighed
        .confidence_notes
        .iter()
        .any(|n| n.starts_with("Weighs here")));
    // The page never raises the other finding.
    let sib = f.iter().find(|f| f.kind == "incomplete-sib-chain").unwrap();
    assert_eq!(sib.severity, Severity::Medium);
}

#[test]
fn one_cell_refusing_a_working_sim_keeps_its_weight() {
    // Two cells of one tracking area; the phone is served on the first, refused (#7,
    // unauthenticated) on the second.
    let a = cell(800, 1, 90, 1);
    let b = cell(800, 2, 90, 2);
    let mut r = Rec::default();
    r.push(a, sib1(&a, vec![2, 3, 5]));
    r.push(b, sib1(&b, vec![2, 3, 5]));
    normal_connection(&mut r, a);
    r.all(
        b,
        vec![
            conn_req(),
            EventKind::ServiceRequest,
            EventKind::ServiceReject { cause: 7 },
            release(),
        ],
    );
    let f = r.run();
    let reject = f
        .iter()
        .find(|f| f.kind == "downgrade-reject-cause")
        .unwrap();
    assert_eq!(reject.severity, Severity::Medium);
    assert!(reject
        .confidence_notes
        .iter()
        .any(|n| n.contains("its SIM works")));
    assert!(!f
        .iter()
        .any(|f| f.kind == stingwatch_analysis::SUBSCRIPTION_REFUSED));

    // Never served anywhere, never registered (it only attaches): the SIM is the better
    // explanation.
    let refused_attach = || {
        vec![
            conn_req(),
            EventKind::AttachRequest {
                identity: IdentityType::Imsi,
            },
            EventKind::AttachReject { cause: 7 },
            release(),
        ]
    };
    let mut r = Rec::default();
    r.push(a, sib1(&a, vec![2, 3, 5]));
    r.push(b, sib1(&b, vec![2, 3, 5]));
    r.all(b, refused_attach());
    let f = r.run();
    assert!(at_least(&f, Severity::Medium).is_empty(), "{f:#?}");
    let d = f
        .iter()
        .find(|f| f.kind == stingwatch_analysis::SUBSCRIPTION_REFUSED)
        .unwrap();
    assert_eq!(d.title, "This SIM may be refused by its network");
    // A cell alone in its tracking area (as fake cells usually are) is not lowered.
    let alone = cell(800, 3, 99, 3);
    let mut r = Rec::default();
    r.push(alone, sib1(&alone, vec![2, 3, 5]));
    r.all(alone, refused_attach());
    assert!(!at_least(&r.run(), Severity::Medium).is_empty());
    // Nor is a refusal of a phone that was registered before (it asks for service): a
    // catcher's "SIM invalid" reject is what keeps it from being served afterwards.
    let mut r = Rec::default();
    r.push(a, sib1(&a, vec![2, 3, 5]));
    r.push(b, sib1(&b, vec![2, 3, 5]));
    r.all(
        b,
        vec![
            conn_req(),
            EventKind::ServiceRequest,
            EventKind::ServiceReject { cause: 8 },
            release(),
        ],
    );
    assert!(!at_least(&r.run(), Severity::Medium).is_empty());
}
