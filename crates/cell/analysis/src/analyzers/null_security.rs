//! Security mode commands that select no ciphering (EEA0) or no integrity protection (EIA0).

use super::benign;
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{EstablishmentCause, Event, EventKind, Layer};

const KIND: &str = "null-security";
const VERSION: u32 = 1;

/// Detects EEA0/EIA0 in RRC or NAS security mode commands.
#[derive(Debug, Default)]
pub struct NullSecurity {
    emergency: bool,
}

impl Analyzer for NullSecurity {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "An RRC or NAS security mode command that selects the null ciphering algorithm (EEA0) or \
         the null integrity algorithm (EIA0), outside an emergency call."
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(
            kind,
            EventKind::ConnectionRequested { .. } | EventKind::SecurityModeCommand { .. }
        )
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        let (layer, cipher, integrity) = match &event.kind {
            EventKind::ConnectionRequested { cause } => {
                self.emergency = *cause == EstablishmentCause::Emergency;
                return;
            }
            EventKind::SecurityModeCommand {
                layer,
                cipher,
                integrity,
            } => (*layer, *cipher, *integrity),
            _ => return,
        };
        let null_integrity = integrity == Some(0);
        let null_cipher = cipher == Some(0);
        if !null_integrity && !null_cipher {
            return;
        }
        let mut severity = match (layer, null_integrity) {
            // Without integrity anyone can inject messages; only unauthenticated emergency
            // calls may use EIA0 (TS 33.401 5.1.4.2).
            (_, true) => Severity::High,
            (Layer::Rrc, false) => Severity::Medium,
            // NAS null ciphering with real integrity is a known operator choice: signalling
            // is readable but cannot be forged.
            (Layer::Nas, false) => Severity::Low,
        };
        if self.emergency {
            severity = Severity::Info;
        }
        let what = match (null_cipher, null_integrity) {
            (true, true) => "no encryption and no integrity protection",
            (true, false) => "no encryption",
            _ => "no integrity protection",
        };
        let scope = match layer {
            Layer::Rrc => "your data, calls and radio signalling",
            Layer::Nas => {
                "the signalling between your phone and the core network (e.g. texts \
                           sent over signalling, identities, locations)"
            }
        };
        let title = format!("{} security mode selects {what}", layer.as_str());
        let explanation = format!(
            "The network told the phone to use {what} ({}) for {scope}. {} What to do: avoid \
             sensitive calls and texts on this connection, and see whether this cell has other \
             findings.",
            match (null_cipher, null_integrity) {
                (true, true) => "EEA0 and EIA0",
                (true, false) => "EEA0",
                _ => "EIA0",
            },
            if null_integrity {
                "Without integrity protection anyone nearby can inject or alter messages; real \
                 networks use it only for emergency calls without a SIM."
            } else {
                "Anyone nearby with a radio receiver can read it. Fake base stations use null \
                 encryption because they do not hold the keys."
            }
        );
        let mut f = Finding::at(KIND, VERSION, severity, event, title, explanation)
            .with_evidence(Evidence::of(event, what))
            .benign(benign::OPERATOR_CONFIG)
            .benign(
                "Some countries or networks run without encryption by regulation or by \
                 choice. Tell apart: does every connection on every cell of the network show it?",
            );
        if self.emergency {
            f = f.benign(
                "An emergency call: null algorithms are allowed for emergency calls, \
                 including without a SIM. Tell apart: was an emergency number dialled?",
            );
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn rrc_eea0_and_nas_eia0_are_flagged_on_the_command() {
        let c = cell(100, 1, 1, 1);
        let events = seq(1, c, vec![conn_req(), rrc_smc(0, 2), nas_smc(2, 0)]);
        let mut a = NullSecurity::default();
        let f = run(&mut a, &events);
        assert_eq!(f.len(), 2);
        assert_eq!((f[0].packet, f[0].severity), (2, Severity::Medium));
        assert_eq!((f[1].packet, f[1].severity), (3, Severity::High));
    }

    #[test]
    fn real_algorithms_are_benign_and_nas_eea0_alone_is_low() {
        let c = cell(100, 1, 1, 1);
        let mut a = NullSecurity::default();
        assert!(run(&mut a, &benign_attach(1, c)).is_empty());
        let mut a = NullSecurity::default();
        let nas_null = seq(1, c, vec![conn_req(), nas_smc(0, 2)]);
        assert_eq!(worst(&run(&mut a, &nas_null)), Some(Severity::Low));
    }

    #[test]
    fn emergency_calls_may_use_null_algorithms() {
        let c = cell(100, 1, 1, 1);
        let events = seq(
            1,
            c,
            vec![
                EventKind::ConnectionRequested {
                    cause: EstablishmentCause::Emergency,
                },
                rrc_smc(0, 0),
            ],
        );
        let mut a = NullSecurity::default();
        assert_eq!(worst(&run(&mut a, &events)), Some(Severity::Info));
    }
}
