//! What analyzers need to know about the device's current connection: where it started and
//! whether the network has proven itself (authentication, security mode) during it.
//!
//! A connection starts with an RRC connection request, or, in recordings without RRC, with an
//! initial NAS message (attach, tracking area update, service or detach request) once the
//! previous procedure has ended. It ends with an RRC release or reject. Analyzers call
//! [`Connection::starts_new`] before [`Connection::apply`] so they can close the previous
//! connection (whose release may not have been recorded) with its own state.

use stingwatch_events::{CaptureTime, CellRef, Event, EventKind, Layer};

/// An RRC connection request this soon after the initial NAS message that opened a connection
/// carries that message: a DIAG log records the NAS message before the RRC request that sets
/// up the connection for it.
const NAS_BEFORE_RRC_MICROS: i64 = 2_000_000;
/// Without capture times, the same within this many packets.
const NAS_BEFORE_RRC_PACKETS: u64 = 16;

/// Authentication and security state of the device's current (or last) connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct Connection {
    /// A connection is open (started and not yet released).
    pub active: bool,
    /// Number of connections seen so far (1 for the first).
    pub ordinal: u64,
    /// Cell of the first event of the connection.
    pub cell: Option<CellRef>,
    /// The network sent an authentication request.
    pub auth_requested: bool,
    /// The device answered an authentication request (it verified the network).
    pub auth_answered: bool,
    /// The device could not verify the network (authentication failure).
    pub auth_failure: Option<Option<u8>>,
    /// NAS security proven: security mode complete or ciphered uplink NAS.
    pub nas_secured: bool,
    /// RRC security proven: security mode complete on RRC, or a command with real integrity.
    pub rrc_secured: bool,
    /// The NAS procedure that opened the connection ended (accept or reject).
    pub procedure_done: bool,
    /// Packet and time of the initial NAS message that opened this connection, while nothing
    /// else of the connection has followed it (the RRC request that carries it may still come).
    awaiting_rrc: Option<(u64, Option<CaptureTime>)>,
}

impl Connection {
    /// True when the network has proven it holds the subscriber's keys during this connection.
    pub fn authenticated(&self) -> bool {
        self.auth_answered
            || self.nas_secured
            || self.rrc_secured
            || (self.auth_requested && self.auth_failure.is_none())
    }

    /// True when the device itself confirmed the network's proof (not just a request).
    pub fn proven(&self) -> bool {
        self.auth_answered || self.nas_secured || self.rrc_secured
    }

    /// True when `event` opens a new connection.
    pub fn starts_new(&self, event: &Event) -> bool {
        match &event.kind {
            EventKind::ConnectionRequested { .. } => !self.carries_opening_nas(event),
            EventKind::AttachRequest { .. }
            | EventKind::TauRequest { .. }
            | EventKind::ServiceRequest
            | EventKind::DetachRequest {
                from_network: false,
                ..
            } => !self.active || self.procedure_done,
            _ => false,
        }
    }

    /// True when `event`, an RRC connection request, sets up the connection for the initial
    /// NAS message that opened the current one.
    fn carries_opening_nas(&self, event: &Event) -> bool {
        let Some((packet, time)) = self.awaiting_rrc else {
            return false;
        };
        match (time, event.time) {
            (Some(a), Some(b)) => (0..=NAS_BEFORE_RRC_MICROS).contains(&b.0.saturating_sub(a.0)),
            _ => event.packet.saturating_sub(packet) <= NAS_BEFORE_RRC_PACKETS,
        }
    }

    /// Update the state with `event` (call after handling [`Connection::starts_new`]).
    pub fn apply(&mut self, event: &Event) {
        if self.starts_new(event) {
            let opened_by_nas = !matches!(event.kind, EventKind::ConnectionRequested { .. });
            *self = Connection {
                active: true,
                ordinal: self.ordinal.saturating_add(1),
                cell: event.cell,
                awaiting_rrc: opened_by_nas.then_some((event.packet, event.time)),
                ..Connection::default()
            };
        } else if concerns_connection(&event.kind) {
            // The RRC request carrying the opening message, or anything else of the
            // connection: a later RRC request opens a connection of its own.
            self.awaiting_rrc = None;
        }
        if self.cell.is_none() {
            self.cell = event.cell;
        }
        match &event.kind {
            EventKind::AuthRequested => self.auth_requested = true,
            EventKind::AuthAnswered => self.auth_answered = true,
            EventKind::AuthFailure { cause } => self.auth_failure = Some(*cause),
            EventKind::SecurityModeComplete { layer: Layer::Nas } => self.nas_secured = true,
            EventKind::ProtectedNas { uplink: true } => self.nas_secured = true,
            EventKind::SecurityModeComplete { layer: Layer::Rrc } => self.rrc_secured = true,
            EventKind::SecurityModeCommand {
                layer: Layer::Rrc,
                integrity: Some(i),
                ..
            } if *i != 0 => {
                // The base station can only derive RRC keys from a key the core network gave
                // it after authenticating the subscriber.
                self.rrc_secured = true
            }
            EventKind::AttachAccept
            | EventKind::AttachReject { .. }
            | EventKind::TauAccept
            | EventKind::TauReject { .. }
            | EventKind::ServiceReject { .. } => self.procedure_done = true,
            EventKind::ConnectionReleased { .. } | EventKind::ConnectionRejected { .. } => {
                self.active = false
            }
            _ => {}
        }
    }

    /// Packets since the start of the recording are not tracked here; this says whether this
    /// is one of the first connections, when a device is often just powering on.
    pub fn is_early(&self) -> bool {
        self.ordinal <= 2
    }
}

/// Whether an analyzer that reads only a [`Connection`] and its own state can react to events
/// of `kind`: broadcasts and paging neither open nor move a connection (they only fill in its
/// cell, which such analyzers do not read).
pub(crate) fn concerns_connection(kind: &EventKind) -> bool {
    !matches!(
        kind,
        EventKind::CellObserved { .. }
            | EventKind::SystemInfo { .. }
            | EventKind::Paging { .. }
            | EventKind::DeviceNetwork { .. }
            | EventKind::EquivalentNetworks { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_events::{EstablishmentCause, IdentityType};

    fn ev(p: u64, kind: EventKind) -> Event {
        Event::new(p, kind)
    }

    #[test]
    fn rrc_request_opens_and_release_closes() {
        let mut c = Connection::default();
        let req = ev(
            1,
            EventKind::ConnectionRequested {
                cause: EstablishmentCause::MoSignalling,
            },
        );
        assert!(c.starts_new(&req));
        c.apply(&req);
        let attach = ev(
            2,
            EventKind::AttachRequest {
                identity: IdentityType::Imsi,
            },
        );
        assert!(!c.starts_new(&attach));
        c.apply(&attach);
        c.apply(&ev(3, EventKind::AuthRequested));
        assert!(c.authenticated());
        c.apply(&ev(4, EventKind::AuthFailure { cause: Some(20) }));
        assert!(!c.authenticated());
        c.apply(&ev(
            5,
            EventKind::ConnectionReleased {
                cause: None,
                redirect: None,
                idle_priorities: [].into(),
            },
        ));
        assert!(!c.active);
        assert_eq!(c.ordinal, 1);
    }

    #[test]
    fn rrc_request_right_after_the_opening_nas_message_carries_it() {
        let at =
            |p: u64, ms: i64, kind| ev(p, kind).at(CaptureTime(1_700_000_000_000_000 + ms * 1000));
        let mut c = Connection::default();
        let attach = at(
            1,
            0,
            EventKind::AttachRequest {
                identity: IdentityType::Imsi,
            },
        );
        c.apply(&attach);
        let rrc = at(
            2,
            2,
            EventKind::ConnectionRequested {
                cause: EstablishmentCause::MoSignalling,
            },
        );
        assert!(!c.starts_new(&rrc));
        c.apply(&rrc);
        c.apply(&at(3, 40, EventKind::AuthAnswered));
        assert!(c.authenticated());
        assert_eq!(c.ordinal, 1);
        // Once the connection has gone on, an RRC request is a connection of its own.
        let again = at(
            4,
            60,
            EventKind::ConnectionRequested {
                cause: EstablishmentCause::MoData,
            },
        );
        assert!(c.starts_new(&again));
        // And so is one long after an opening NAS message that never got its RRC request.
        let mut d = Connection::default();
        d.apply(&attach);
        assert!(d.starts_new(&at(
            5,
            3_000,
            EventKind::ConnectionRequested {
                cause: EstablishmentCause::MoSignalling,
            }
        )));
    }

    #[test]
    fn nas_only_recording_splits_on_finished_procedures() {
        let mut c = Connection::default();
        let attach = ev(
            1,
            EventKind::AttachRequest {
                identity: IdentityType::Guti,
            },
        );
        c.apply(&attach);
        c.apply(&ev(2, EventKind::AuthAnswered));
        c.apply(&ev(3, EventKind::AttachReject { cause: 11 }));
        let again = ev(
            4,
            EventKind::AttachRequest {
                identity: IdentityType::Imsi,
            },
        );
        assert!(c.starts_new(&again));
        c.apply(&again);
        assert!(!c.authenticated());
        assert_eq!(c.ordinal, 2);
    }
}
