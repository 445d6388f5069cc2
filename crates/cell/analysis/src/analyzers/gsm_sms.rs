//! GSM: silent ("type 0") and flash (class 0) short messages delivered to the phone.
//!
//! A type 0 message (TP-PID 0x40, TS 23.040 9.2.3.9) is acknowledged by the phone and never
//! shown: its only effect is that the network learns the phone is reachable and where, which
//! is why police and intelligence services send them to locate a phone. It is reported even
//! on a genuine cell: the network delivering it is doing what someone asked of it.

use crate::{Analyzer, Evidence, Finding, Severity};
use stingwatch_events::{Event, EventKind, GsmEvent};

const KIND: &str = "gsm-silent-sms";
const VERSION: u32 = 1;

/// Reports silent and flash SMS delivered to the phone.
#[derive(Debug, Default)]
pub struct GsmSilentSms {
    silent: Vec<Event>,
    flash: Vec<Event>,
}

/// Most messages of each sort cited; the rest are counted.
const MAX_CITED: usize = 50;

impl Analyzer for GsmSilentSms {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> u32 {
        VERSION
    }

    fn description(&self) -> &'static str {
        "Short messages of type 0 (silent: acknowledged, never shown) or class 0 (flash) \
         delivered to the phone, which reveal that someone pinged it."
    }

    fn reads(&self, kind: &EventKind) -> bool {
        matches!(kind, EventKind::Gsm(_))
    }

    fn observe(&mut self, event: &Event, out: &mut Vec<Finding>) {
        let EventKind::Gsm(GsmEvent::SmsDelivered { silent, class0 }) = &event.kind else {
            return;
        };
        let list = if *silent {
            &mut self.silent
        } else if *class0 {
            &mut self.flash
        } else {
            return;
        };
        if list.len() < MAX_CITED {
            list.push(event.clone());
        }
        let _ = out;
    }

    fn finish(&mut self, out: &mut Vec<Finding>) {
        let silent = std::mem::take(&mut self.silent);
        if let Some(first) = silent.first() {
            let n = silent.len();
            let title = if n == 1 {
                "A silent SMS (type 0) was delivered to the phone".to_string()
            } else {
                format!("{n} silent SMS (type 0) were delivered to the phone")
            };
            let explanation = "The phone received a short message of type 0: it confirms \
                receipt to the network and shows nothing to you. Its only use is to make the \
                phone answer, so that whoever sent it learns the phone is on and which cell it \
                is in. Police and intelligence services send these to locate phones; the cell \
                that delivers it can be perfectly genuine. What to do: note the times; if you \
                expect to be targeted, talk to a digital-security helpline, and remember that \
                switching the phone off (or airplane mode) is the only way to not answer.";
            let mut f = Finding::at(KIND, VERSION, Severity::Medium, first, title, explanation);
            for e in &silent {
                f = f.with_evidence(Evidence::of(e, "acknowledged by the phone, never shown"));
            }
            f = f.benign(
                "Some operators and SIM services send type 0 messages to check that a phone is \
                 reachable (rare). Tell apart: does your operator say it does this?",
            );
            out.push(f);
        }
        let flash = std::mem::take(&mut self.flash);
        if let Some(first) = flash.first() {
            let title = "A flash SMS (class 0) was delivered to the phone".to_string();
            let explanation = "The phone received a class 0 message, which appears on the \
                screen at once and is not stored. Operators use them for balance and service \
                notices, and they are also used to trick people into acting on a message that \
                leaves no trace. What to do: do not follow links or instructions in it; note \
                the time and what it said.";
            let mut f = Finding::at(KIND, VERSION, Severity::Low, first, title, explanation);
            for e in &flash {
                f = f.with_evidence(Evidence::of(e, "shown at once, not stored"));
            }
            f = f.benign("Operator notices (balance, data use) are often sent as class 0.");
            out.push(f);
        }
    }
}
