//! One 5G standalone NAS exchange as the 5G analyzers see it: from the phone's registration
//! or service request (or the network's first message) to its outcome, with what the
//! network proved and which protection it switched on.
//!
//! It ends at a release of the radio connection, at a new registration after an outcome, or
//! after a silence.

pub(crate) use super::Step;
use stingwatch_events::{Event, EventKind, Nas5gEvent, Registration5g};

/// An exchange with no message for this long has ended (the radio connection of an idle
/// phone is released within seconds).
pub(crate) const MAX_SILENCE_MICROS: i64 = 60_000_000;

/// What one 5G NAS exchange showed so far.
#[derive(Debug, Default, Clone)]
pub(crate) struct NrLink {
    /// An exchange is open.
    pub open: bool,
    /// The registration in progress is an emergency registration.
    pub emergency: bool,
    /// The network challenged the phone.
    pub auth_requested: bool,
    /// The phone answered a challenge: the network proved it holds the subscriber's key.
    pub auth_answered: bool,
    /// The phone refused a challenge: the network could not prove it holds the key.
    pub auth_failed: bool,
    /// A security mode command was completed: from then on NAS is protected.
    pub secured: bool,
    /// An identity request from the network before any authentication and security.
    pub early_identity_request: Option<Event>,
    /// A registration or service was accepted.
    pub accepted: Option<Event>,
    /// A registration, service or authentication was rejected (event and cause), or the
    /// network de-registered the phone.
    pub rejected: Option<(Event, Option<u8>)>,
    last_time: Option<i64>,
}

impl NrLink {
    /// Read one event. A [`Step::Reopened`] says the exchange before this event is over: the
    /// caller closes it before the event is applied.
    pub fn classify(&self, event: &Event) -> Step {
        let n = match &event.kind {
            EventKind::Nas5g(n) => n,
            EventKind::ConnectionReleased { .. } if self.open => return Step::Ended,
            _ => return Step::Ignore,
        };
        let silent = match (self.last_time, event.time) {
            (Some(last), Some(now)) => now.0.saturating_sub(last) > MAX_SILENCE_MICROS,
            _ => false,
        };
        let starts = matches!(
            n,
            Nas5gEvent::RegistrationRequest { .. } | Nas5gEvent::ServiceRequest { .. }
        );
        let concluded = self.accepted.is_some() || self.rejected.is_some();
        if self.open && (silent || (starts && concluded)) {
            Step::Reopened
        } else {
            Step::Within
        }
    }

    /// Apply an event that belongs to this exchange (after [`NrLink::classify`]).
    pub fn apply(&mut self, event: &Event) {
        let EventKind::Nas5g(n) = &event.kind else {
            return;
        };
        self.open = true;
        self.last_time = event.time.map(|t| t.0);
        match n {
            Nas5gEvent::RegistrationRequest { registration, .. } => {
                self.emergency = *registration == Registration5g::Emergency;
            }
            Nas5gEvent::IdentityRequested { .. }
                if !self.auth_requested
                    && !self.secured
                    && self.early_identity_request.is_none() =>
            {
                self.early_identity_request = Some(event.clone());
            }
            Nas5gEvent::AuthRequested => self.auth_requested = true,
            Nas5gEvent::AuthAnswered => self.auth_answered = true,
            Nas5gEvent::AuthFailed { .. } => self.auth_failed = true,
            Nas5gEvent::AuthRejected => {
                self.rejected.get_or_insert((event.clone(), None));
            }
            Nas5gEvent::SecurityModeComplete => self.secured = true,
            // A ciphered message from the phone proves a security context it trusts.
            Nas5gEvent::Ciphered { uplink: true } => self.secured = true,
            Nas5gEvent::RegistrationAccept | Nas5gEvent::ServiceAccept => {
                self.accepted.get_or_insert_with(|| event.clone());
            }
            Nas5gEvent::RegistrationReject { cause } | Nas5gEvent::ServiceReject { cause } => {
                self.rejected.get_or_insert((event.clone(), Some(*cause)));
            }
            Nas5gEvent::Deregistration {
                from_network: true,
                cause,
            } => {
                self.rejected.get_or_insert((event.clone(), *cause));
            }
            _ => {}
        }
    }

    /// Forget the exchange.
    pub fn reset(&mut self) {
        *self = NrLink::default();
    }

    /// Whether the network proved itself: a challenge answered and none refused.
    pub fn network_proved(&self) -> bool {
        self.auth_answered && !self.auth_failed
    }
}
