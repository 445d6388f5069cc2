//! Decoding on worker threads ahead of the stateful stages, in input order.
//!
//! UPER decoding of RRC is most of the work per message and is a pure function of the
//! message, while event derivation and analysis depend on order. So one recording can use
//! several cores: the caller's thread reads and analyses, workers decode batches, and batches
//! are handed back in the order they were read. Each worker keeps its own [`Decoder`] cache;
//! since decoding is pure, the results are the same as decoding on one thread.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use stingwatch_decode::{DecodedMessage, Decoder};
use stingwatch_model::RadioMessage;

/// Messages per batch handed to a worker: large enough that channel traffic is noise, small
/// enough that memory in flight stays a few megabytes.
pub const AHEAD_BATCH: usize = 256;

/// Batches in flight per worker; with [`AHEAD_BATCH`] this bounds what is buffered between
/// reading and analysis whatever the input size.
const BATCHES_PER_WORKER: usize = 4;

/// One item of the input: a radio message to decode, or anything else the caller wants kept
/// in order with the messages (a damaged region, say).
#[derive(Debug)]
// Each item is moved once into its batch and once out; a box per message would cost an
// allocation for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Ahead<T> {
    /// A message, decoded by the time the caller sees it.
    Message(DecodedMessage),
    /// Something else from the input, passed through unchanged.
    Other(T),
}

type Batch<T> = Vec<Result<RadioMessage, T>>;

fn decode_batch<T>(decoder: &mut Decoder, batch: Batch<T>) -> Vec<Ahead<T>> {
    batch
        .into_iter()
        .map(|item| match item {
            Ok(msg) => Ahead::Message(decoder.decode(msg)),
            Err(other) => Ahead::Other(other),
        })
        .collect()
}

/// Pulls items from `next` (on the calling thread) until it returns `None`, decodes the
/// messages among them on `workers` threads, and gives every item to `each` on the calling
/// thread, in the order `next` produced them. With `workers` ≤ 1 everything runs on the
/// calling thread.
pub fn decode_ahead<T: Send>(
    workers: usize,
    mut next: impl FnMut() -> Option<Result<RadioMessage, T>>,
    mut each: impl FnMut(Ahead<T>),
) {
    if workers <= 1 {
        let mut decoder = Decoder::new();
        while let Some(item) = next() {
            each(match item {
                Ok(msg) => Ahead::Message(decoder.decode(msg)),
                Err(other) => Ahead::Other(other),
            });
        }
        return;
    }
    let (work_tx, work_rx) = mpsc::channel::<(u64, Batch<T>)>();
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::channel::<(u64, Vec<Ahead<T>>)>();
    std::thread::scope(|s| {
        for _ in 0..workers {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            s.spawn(move || {
                let mut decoder = Decoder::new();
                loop {
                    // The lock is held only while taking a batch, never while decoding.
                    let job = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok((seq, batch)) = job else { break };
                    if done_tx
                        .send((seq, decode_batch(&mut decoder, batch)))
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(done_tx);

        let limit = workers * BATCHES_PER_WORKER;
        let mut sent = 0u64;
        let mut handed = 0u64;
        let mut pending: BTreeMap<u64, Vec<Ahead<T>>> = BTreeMap::new();
        // Hands over every finished batch that is next in order.
        let mut flush = |pending: &mut BTreeMap<u64, Vec<Ahead<T>>>, handed: &mut u64| {
            while let Some(batch) = pending.remove(handed) {
                *handed += 1;
                batch.into_iter().for_each(&mut each);
            }
        };
        let mut input_done = false;
        while !input_done || handed < sent {
            if !input_done && sent - handed < limit as u64 {
                let mut batch = Vec::with_capacity(AHEAD_BATCH);
                while batch.len() < AHEAD_BATCH {
                    match next() {
                        Some(item) => batch.push(item),
                        None => {
                            input_done = true;
                            break;
                        }
                    }
                }
                if !batch.is_empty() {
                    if work_tx.send((sent, batch)).is_err() {
                        break;
                    }
                    sent += 1;
                }
                // Collect whatever is already finished without waiting.
                while let Ok((seq, out)) = done_rx.try_recv() {
                    pending.insert(seq, out);
                }
            } else {
                match done_rx.recv() {
                    Ok((seq, out)) => {
                        pending.insert(seq, out);
                    }
                    Err(_) => break,
                }
            }
            flush(&mut pending, &mut handed);
        }
        // Workers end when the work channel closes.
        drop(work_tx);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use stingwatch_decode::decode_message;

    /// Every scenario the builder knows, one after the other.
    fn scenario_messages() -> Vec<RadioMessage> {
        let all: Vec<RadioMessage> = stingwatch_scenario::catalog()
            .iter()
            .filter_map(|info| stingwatch_scenario::build(info.name))
            .flat_map(|s| s.messages)
            .collect();
        assert!(!all.is_empty(), "the scenario builder gave no messages");
        all
    }

    fn describe(a: &Ahead<usize>) -> String {
        match a {
            Ahead::Message(m) => format!("{m:?}"),
            Ahead::Other(n) => format!("other {n}"),
        }
    }

    /// Same items, same order and the same decoding as `decode_message` one by one, with
    /// pass-through items interleaved, for any number of workers.
    #[test]
    fn workers_give_the_sequential_result_in_order() {
        let msgs = scenario_messages();
        // Several rounds, so that many batches are in flight at once.
        let input: Vec<Result<RadioMessage, usize>> = (0..6)
            .flat_map(|round| {
                msgs.iter()
                    .cloned()
                    .map(Ok)
                    .chain(std::iter::once(Err(round)))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(
            input.len() > 3 * AHEAD_BATCH,
            "too few messages to fill batches"
        );
        let expected: Vec<String> = input
            .iter()
            .map(|item| match item {
                Ok(m) => describe(&Ahead::Message(decode_message(m.clone()))),
                Err(n) => format!("other {n}"),
            })
            .collect();
        for workers in [1, 2, 3, 8] {
            let mut got = Vec::new();
            let mut it = input.clone().into_iter();
            decode_ahead(workers, || it.next(), |a| got.push(describe(&a)));
            assert_eq!(got.len(), expected.len(), "{workers} workers");
            assert!(
                got == expected,
                "{workers} workers: order or decoding differs"
            );
        }
    }

    /// An empty input ends at once, with workers or without.
    #[test]
    fn empty_input_ends() {
        for workers in [1, 4] {
            let mut n = 0;
            decode_ahead::<()>(workers, || None, |_| n += 1);
            assert_eq!(n, 0);
        }
    }
}
