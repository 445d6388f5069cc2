//! One GSM dedicated connection as the GSM analyzers see it: from the first message of a
//! procedure to the channel release, with what the network proved and what it protected.
//!
//! GSM has no connection request the recording always shows (the channel request is on the
//! random access channel, and common-channel assignments are broadcast for every phone), so
//! a connection starts at the first message of a procedure on a dedicated channel and ends
//! at a channel release, at a new procedure after an outcome, or after a silence.

pub(crate) use super::Step;
use stingwatch_events::{AccessTechnology, Event, EventKind, GsmEvent, GsmStep, UmtsEvent};

/// A connection with no message for this long has ended (a dedicated channel is released
/// by radio link timeout long before).
pub(crate) const MAX_SILENCE_MICROS: i64 = 60_000_000;

/// What one GSM connection showed so far.
#[derive(Debug, Default, Clone)]
pub(crate) struct GsmLink {
    /// A connection is open.
    pub open: bool,
    /// The network challenged the phone.
    pub auth_requested: bool,
    /// The challenge carried AUTN (UMTS authentication): the network proved itself unless
    /// the phone then reported a failure.
    pub network_proof: bool,
    /// The phone answered a challenge.
    pub auth_answered: bool,
    /// The phone refused a challenge: the network could not prove it holds the key.
    pub auth_failed: bool,
    /// Ciphering was started (any A5 other than none, any GEA other than GEA/0).
    pub ciphered: bool,
    /// A ciphering command that starts no ciphering (SC = 0, GEA/0): the first one.
    pub null_cipher: Option<Event>,
    /// A registration or service was accepted (the event).
    pub accepted: Option<Event>,
    /// The connection carried user content: a call or a short message.
    pub content: Option<Event>,
    /// A registration, service or authentication was rejected (event and cause).
    pub rejected: Option<(Event, Option<u8>)>,
    /// Time of the last message.
    last_time: Option<i64>,
}

impl GsmLink {
    /// Read one event. A [`Step::Reopened`] says the connection before this event is over:
    /// the caller closes it (from the state it copied) before the event is applied.
    pub fn classify(&self, event: &Event) -> Step {
        let EventKind::Gsm(g) = &event.kind else {
            return Step::Ignore;
        };
        let dedicated = match g {
            GsmEvent::Cell { .. }
            | GsmEvent::Neighbours { .. }
            | GsmEvent::Paging { .. }
            | GsmEvent::ChannelAssigned => false,
            GsmEvent::ChannelReleased { .. } => return Step::Ended,
            _ => true,
        };
        if !dedicated {
            return Step::Ignore;
        }
        let silent = match (self.last_time, event.time) {
            (Some(last), Some(now)) => now.0.saturating_sub(last) > MAX_SILENCE_MICROS,
            _ => false,
        };
        let starts_procedure = matches!(
            g,
            GsmEvent::Registration {
                step: GsmStep::Request,
                ..
            }
        );
        let concluded = self.accepted.is_some() || self.rejected.is_some();
        if self.open && (silent || (starts_procedure && concluded)) {
            Step::Reopened
        } else {
            Step::Within
        }
    }

    /// Apply an event that belongs to this connection (after [`GsmLink::classify`]).
    pub fn apply(&mut self, event: &Event) {
        let EventKind::Gsm(g) = &event.kind else {
            return;
        };
        self.open = true;
        self.last_time = event.time.map(|t| t.0);
        match g {
            GsmEvent::AuthRequested { network_proof } => {
                self.auth_requested = true;
                self.network_proof |= *network_proof;
            }
            GsmEvent::AuthAnswered => self.auth_answered = true,
            GsmEvent::AuthFailed => self.auth_failed = true,
            GsmEvent::AuthRejected => {
                self.rejected.get_or_insert((event.clone(), None));
            }
            GsmEvent::Ciphering { started, .. } => {
                if *started {
                    self.ciphered = true;
                } else if self.null_cipher.is_none() {
                    self.null_cipher = Some(event.clone());
                }
            }
            GsmEvent::Registration { step, cause, .. } => match step {
                GsmStep::Accept => {
                    self.accepted.get_or_insert_with(|| event.clone());
                }
                GsmStep::Reject => {
                    self.rejected.get_or_insert((event.clone(), *cause));
                }
                GsmStep::Request => {}
            },
            GsmEvent::Call | GsmEvent::SmsDelivered { .. } => {
                self.content.get_or_insert_with(|| event.clone());
            }
            _ => {}
        }
    }

    /// Forget the connection.
    pub fn reset(&mut self) {
        *self = GsmLink::default();
    }

    /// Whether the network could have proved itself: UMTS authentication answered.
    pub fn network_proved(&self) -> bool {
        self.network_proof && self.auth_answered && !self.auth_failed
    }
}

/// A 4G or 5G release that sent the phone to GSM this long before a GSM exchange is the same
/// episode: the lure and what the 2G cell then did (a phone reselects within seconds).
pub(crate) const LURE_WINDOW_MICROS: i64 = 120_000_000;

/// The last release that redirected the phone to GSM, to tie a GSM exchange to the lure.
#[derive(Debug, Default, Clone)]
pub(crate) struct LureWatch {
    last: Option<Event>,
}

impl LureWatch {
    /// Remember `event` when it is a release (4G, or 3G release or reject) redirecting to GSM;
    /// true when it was a release or reject, which the caller reads no further.
    pub fn observe(&mut self, event: &Event) -> bool {
        let redirect = match &event.kind {
            EventKind::ConnectionReleased { redirect, .. } => redirect,
            EventKind::Umts(
                UmtsEvent::ConnectionReleased { redirect, .. }
                | UmtsEvent::ConnectionRejected { redirect },
            ) => redirect,
            _ => return false,
        };
        if redirect.is_some_and(|r| r.rat == AccessTechnology::Geran) {
            self.last = Some(event.clone());
        }
        true
    }

    /// The redirect that lured the phone to GSM shortly before `at`, if any.
    pub fn before(&self, at: &Event) -> Option<&Event> {
        let lure = self.last.as_ref()?;
        let (Some(t0), Some(t1)) = (lure.time, at.time) else {
            // Without times, order alone: the lure came first.
            return (lure.packet < at.packet).then_some(lure);
        };
        let gap = t1.0.saturating_sub(t0.0);
        (0..=LURE_WINDOW_MICROS).contains(&gap).then_some(lure)
    }
}
