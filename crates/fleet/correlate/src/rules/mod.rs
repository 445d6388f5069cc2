//! One file per fleet rule. Each reads the indexed uploads and returns findings; none sees the
//! others' results (the weighing between them happens in `correlate`).

pub mod cloned;
pub mod corroborate;
pub mod exposure;
pub mod transient;

use crate::correlate::Index;
use crate::finding::{EvidenceRef, MAX_EVIDENCE_PER_FINDING, MAX_SENSORS_PER_FINDING};
use crate::SensorId;
use std::collections::BTreeSet;

/// Distinct sensors of some observations: the first [`MAX_SENSORS_PER_FINDING`] sorted, and
/// how many there are.
pub(crate) fn sensors_of(
    idx: &Index<'_>,
    members: impl Iterator<Item = usize>,
) -> (Vec<SensorId>, usize) {
    let set: BTreeSet<SensorId> = members
        .filter_map(|i| idx.get(i))
        .map(|o| o.sensor)
        .collect();
    let total = set.len();
    (
        set.into_iter().take(MAX_SENSORS_PER_FINDING).collect(),
        total,
    )
}

/// Evidence references to observations, the first [`MAX_EVIDENCE_PER_FINDING`] of them.
pub(crate) fn observation_evidence(members: impl Iterator<Item = usize>) -> Vec<EvidenceRef> {
    members
        .take(MAX_EVIDENCE_PER_FINDING)
        .map(EvidenceRef::Observation)
        .collect()
}
