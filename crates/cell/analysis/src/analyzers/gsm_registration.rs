//! GSM: a location update or GPRS attach the network accepted without ever authenticating
//! the phone. A cell-site simulator cannot authenticate (it lacks the operator's keys), so it
//! accepts whatever the phone asks to keep it camped; a real network that skips
//! authentication still ciphers with the key of an earlier one.

use super::benign;
use super::gsm_link::{GsmLink, Step};
use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{Event, EventKind, GsmEvent, GsmProcedure, GsmStep};

const KIND_LU: &str = "gsm-registration-without-auth";
const VERSION: u32 = 1;

/// The procedure a registration event belongs to.
fn procedure_of(ev: &Event) -> Option<GsmProcedure> {
    match &ev.kind {
        EventKind::Gsm(GsmEvent::Registration { procedure, .. }) => Some(*procedure),
        _ => None,
    }
}

/// Detects a GSM location update or GPRS attach accepted without authentication.
#[derive(Debug, Default)]
pub struct GsmRegistrationWithoutAuth {
    link: GsmLink,
    request: Option<Event>,
}

impl GsmRegistrationWithoutAuth {
    fn close(&mut self, end: Option<&Event>, out: &mut Vec<Finding>) {
        let link = std::mem::take(&mut self.link);
        let request = self.request.take();
        let Some(accept) = link.accepted.as_ref() else {
            return;
        };
        let procedure = procedure_of(accept);
        if !matches!(
            procedure,
            Some(GsmProcedure::LocationUpdate | GsmProcedure::GprsAttach)
        ) || link.auth_requested
        {
            return;
        }
        // Real networks authenticate only some updates and then cipher with the earlier key;
        // an accept with neither is what a simulator that cannot authenticate does.
        let (severity, protected) = if link.ciphered {
            (Severity::Info, "ciphering did start (with an earlier key)")
        } else if end.is_some() {
            (Severity::Medium, "ciphering never started")
        } else {
            (
                Severity::Low,
                "the recording ended before ciphering could start",
            )
        };
        let what = procedure.map_or("registration", GsmProcedure::describe);
        let title = format!("GSM {what} accepted without authentication; {protected}");
        let explanation = format!(
            "On 2G (GSM) the network accepted the phone's {what} without authenticating it, and \
             {protected}. A cell-site simulator cannot authenticate a phone (it has no access to \
             the operator's keys), so it simply accepts it to keep it camped. Real networks \
             skip authentication on some updates but then switch ciphering on with the key \
             agreed earlier. What to do: if this repeats, keep the phone off 2G where the \
             settings allow and compare with a phone on another network."
        );
        let mut f = Finding::at(KIND_LU, VERSION, severity, accept, title, explanation);
        if let Some(r) = &request {
            f = f.with_evidence(Evidence::of(r, "the phone asks to register"));
        }
        f = f.with_evidence(Evidence::of(accept, "accepted without a challenge"));
        if let Some(e) = end {
            f = f.with_evidence(Evidence::of(e, "ends the connection"));
        }
        f = f.benign(benign::OPERATOR_CONFIG).benign(
            "Logging gaps: a recording that starts mid-connection or drops messages can miss the \
             authentication. Tell apart: do other updates in the recording show it?",
        );
        out.push(f);
    }
}

impl Analyzer for GsmRegistrationWithoutAuth {
    fn kind(&self) -> &'static str {
        KIND_LU
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "On GSM, a location update or GPRS attach accepted with no authentication in the \
         connection, weighed by whether ciphering started afterwards."
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::Gsm(_))
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        match self.link.classify(event) {
            Step::Ignore => return,
            Step::Reopened => self.close(None, out),
            Step::Ended => {
                self.close(Some(event), out);
                return;
            }
            Step::Within => {}
        }
        if let EventKind::Gsm(GsmEvent::Registration {
            step: GsmStep::Request,
            ..
        }) = &event.kind
        {
            self.request.get_or_insert_with(|| event.clone());
        }
        self.link.apply(event);
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        self.close(None, out);
    }
}
