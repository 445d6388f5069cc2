//! Which cell the device was on over time, as runs of consecutive events on one cell.

use serde::Serialize;
use std::sync::Arc;
use stingwatch_events::{CaptureTime, CellRef, Event};

/// Most segments kept per input; a recording that changes cell more often keeps the first ones.
pub const MAX_SEGMENTS: usize = 10_000;

/// A stretch of the recording during which every event with a known cell was on one cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineSegment {
    /// Input the segment comes from (one allocation shared by the input's segments).
    pub file: Arc<str>,
    /// The cell, as far as the events knew it.
    pub cell: CellRef,
    /// Packet of the first event on the cell in this stretch.
    pub first_packet: u64,
    /// Packet of the last event on the cell in this stretch.
    pub last_packet: u64,
    /// Capture time of the first event, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_time: Option<CaptureTime>,
    /// Capture time of the last event, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_time: Option<CaptureTime>,
    /// Events in the stretch.
    pub events: u64,
}

/// Builds [`TimelineSegment`]s for one input from its events, in capture order.
#[derive(Debug, Default)]
pub struct TimelineBuilder {
    segments: Vec<TimelineSegment>,
    full: bool,
    /// The name the latest segment was given, shared with the next ones of the same input.
    file: Option<Arc<str>>,
}

impl TimelineBuilder {
    /// An empty timeline.
    pub fn new() -> Self {
        TimelineBuilder::default()
    }

    /// Note one event; events without a known cell neither extend nor break a stretch, since
    /// they say nothing about where the device was.
    pub fn observe(&mut self, file: &str, event: &Event) {
        let Some(cell) = event.cell.filter(|c| !c.is_unknown()) else {
            return;
        };
        if let Some(last) = self.segments.last_mut() {
            if last.cell == cell && &*last.file == file {
                last.last_packet = event.packet;
                last.last_time = event.time.or(last.last_time);
                last.events = last.events.saturating_add(1);
                return;
            }
        }
        let len = self.segments.len();
        if len >= MAX_SEGMENTS {
            self.full = true;
            return;
        }
        if len == self.segments.capacity() {
            // Doubling, but never past the limit: doubling from 8,192 would leave room for
            // 6,384 segments that can never be used.
            self.segments
                .reserve_exact(len.max(8).min(MAX_SEGMENTS - len));
        }
        let name = match &self.file {
            Some(f) if &**f == file => Arc::clone(f),
            _ => {
                let f: Arc<str> = Arc::from(file);
                self.file = Some(Arc::clone(&f));
                f
            }
        };
        self.segments.push(TimelineSegment {
            file: name,
            cell,
            first_packet: event.packet,
            last_packet: event.packet,
            first_time: event.time,
            last_time: event.time,
            events: 1,
        });
    }

    /// True when [`MAX_SEGMENTS`] was reached and later cell changes were not recorded.
    pub fn truncated(&self) -> bool {
        self.full
    }

    /// The segments in capture order.
    pub fn into_segments(self) -> Vec<TimelineSegment> {
        self.segments
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_events::EventKind;

    fn ev(packet: u64, cell: Option<CellRef>) -> Event {
        let mut e = Event::new(packet, EventKind::ConnectionSetup);
        e.cell = cell;
        e.time = Some(CaptureTime(packet as i64 * 1_000_000));
        e
    }

    #[test]
    fn consecutive_events_on_one_cell_make_one_segment() {
        let a = CellRef::radio(Some(1850), Some(101));
        let b = CellRef::radio(Some(1850), Some(102));
        let mut t = TimelineBuilder::new();
        for (p, c) in [
            (1, Some(a)),
            (2, None),
            (3, Some(a)),
            (4, Some(b)),
            (5, Some(a)),
        ] {
            t.observe("f", &ev(p, c));
        }
        let s = t.into_segments();
        assert_eq!(s.len(), 3);
        assert_eq!(
            (s[0].first_packet, s[0].last_packet, s[0].events),
            (1, 3, 2)
        );
        assert_eq!(s[1].cell, b);
        assert_eq!(s[2].first_time, Some(CaptureTime(5_000_000)));
    }

    #[test]
    fn segment_count_is_bounded() {
        let mut t = TimelineBuilder::new();
        for p in 0..(MAX_SEGMENTS as u64 + 10) {
            t.observe("f", &ev(p, Some(CellRef::radio(Some(p as u32 % 2), None))));
        }
        assert!(t.truncated());
        let segments = t.into_segments();
        assert_eq!(segments.len(), MAX_SEGMENTS);
        // Grown to the limit and no further: no room kept for segments that cannot come.
        assert_eq!(segments.capacity(), MAX_SEGMENTS);
    }
}
