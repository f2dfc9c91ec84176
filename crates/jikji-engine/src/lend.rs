//! An idle core lent to a page. A worker reads a page on its own sessions, one core's worth
//! (`threads_per_worker`); when the engine's busy workers leave a core of its budget idle — one request
//! at a time on a two-core machine, or the CLI reading files one by one — that core would do nothing.
//! The engine therefore keeps **one spare set of sessions** ([`Spare`]): the detector with one more
//! intra-op thread, an angle classifier and a second set of recognisers, with which a helper thread
//! cuts and turns half of the page's lines and reads half of each recognition pass's lines (the
//! passes that re-read doubtful lines are split on their own). A worker borrows it for a stage when a
//! core is idle ([`Lending::lend`]) and gives it back at the stage's end, so a request that arrives meanwhile finds the core free again at the next
//! stage: when every core has a worker's page, nobody borrows and no core runs two threads (measured
//! on SROIE, two cores: two workers of two intra-op threads each served four clients at 1.59 pages/s,
//! two workers of one thread at 1.89 — oversubscription cost 16 %).
//!
//! Why a spare set and not the idle worker's own sessions: a worker's sessions are used by its own
//! thread only, and handing half a page to another worker's queue would put it behind that queue's
//! next page. The spare costs one more load of the detector and recognisers (~50 MB of weights).
//! Detection, cutting and turning the lines, and recognition are 95 % of a page (BENCHMARKS.md "Stage
//! profile"); decoding and the layout stay on the worker's thread.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::EngineError;
use crate::model::{OrientationClassifier, Recognizers, TextDetector};

/// The engine's spare sessions (see the module docs).
pub(crate) struct Spare {
    /// The detector with one more intra-op thread than a worker's.
    pub detector: Box<dyn TextDetector>,
    /// The angle classifier for the helper thread that cuts and turns half of a page's lines.
    pub orientation: Box<dyn OrientationClassifier>,
    /// Recognisers for the helper thread that reads half of each recognition pass's lines.
    pub recognizers: Recognizers,
}

/// The spare sessions and what decides when they are lent: the engine's core budget, the threads a
/// busy worker takes, and how many workers are busy.
pub(crate) struct Lending {
    cores: usize,
    threads_per_worker: usize,
    busy: AtomicUsize,
    spare: Mutex<Spare>,
}

impl Lending {
    pub fn new(spare: Spare, cores: usize, threads_per_worker: usize) -> Lending {
        Lending {
            cores,
            threads_per_worker: threads_per_worker.max(1),
            busy: AtomicUsize::new(0),
            spare: Mutex::new(spare),
        }
    }

    /// The spare sessions, when the busy workers (the caller among them) leave at least one core of
    /// the budget idle and no other worker holds them; `None` otherwise (the caller reads on its own
    /// sessions). Hold the guard for one stage only.
    pub fn lend(&self) -> Option<MutexGuard<'_, Spare>> {
        let busy = self.busy.load(Ordering::Acquire).max(1);
        if busy * self.threads_per_worker >= self.cores {
            return None;
        }
        // A poisoned lock (a stage panicked while it held the spare) is never lent again: the
        // sessions may be in any state, and the workers' own sessions still serve.
        self.spare.try_lock().ok()
    }

    /// Counts the caller as a busy worker until the returned guard drops (a worker holds one for
    /// each job).
    pub fn busy(&self) -> Busy<'_> {
        self.busy.fetch_add(1, Ordering::AcqRel);
        Busy(self)
    }
}

/// Runs `mine` on the calling thread and `theirs` on a scoped helper thread at the same time (a stage
/// split between a worker's sessions and the spare's), and returns both results. A panic on the helper
/// becomes an [`EngineError::Runtime`] saying which `helper` it was; the caller's own panics propagate
/// as usual.
pub(crate) fn on_two_threads<A, B: Send>(
    helper: &str,
    mine: impl FnOnce() -> A,
    theirs: impl FnOnce() -> B + Send,
) -> Result<(A, B), EngineError> {
    let (a, b) = std::thread::scope(|s| {
        let b = s.spawn(theirs);
        (mine(), b.join())
    });
    let b = b.map_err(|_| EngineError::Runtime(format!("{helper} helper thread panicked")))?;
    Ok((a, b))
}

/// A busy worker, counted in [`Lending`] while it lives.
pub(crate) struct Busy<'a>(&'a Lending);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stub::{StubDetector, StubRecognizer};
    use std::sync::Arc;

    fn lending(cores: usize, threads: usize) -> Lending {
        let spare = Spare {
            detector: Box::new(StubDetector {
                boxes: vec![],
                cancel_when_called: None,
                calls: Arc::new(Mutex::new(0)),
            }),
            orientation: Box::new(crate::stub::StubOrientation { upside_down: vec![] }),
            recognizers: Recognizers {
                korean: Box::new(StubRecognizer::default()),
                latin: Box::new(StubRecognizer::default()),
                fast: None,
            },
        };
        Lending::new(spare, cores, threads)
    }

    #[test]
    fn lent_only_while_a_core_is_idle() {
        let l = lending(2, 1);
        let first = l.busy();
        assert!(l.lend().is_some(), "one worker busy on two cores: one core idle");
        let second = l.busy();
        assert!(l.lend().is_none(), "two workers busy on two cores: none idle");
        drop(second);
        let held = l.lend();
        assert!(held.is_some());
        assert!(l.lend().is_none(), "one spare set: a second borrower waits for none");
        drop(held);
        drop(first);
        // Two threads a worker on three cores: one worker leaves one core, two leave none.
        let l = lending(3, 2);
        let _a = l.busy();
        assert!(l.lend().is_some());
        let _b = l.busy();
        assert!(l.lend().is_none());
    }

    #[test]
    fn both_halves_run_and_a_helper_panic_is_an_error() {
        let (a, b) = on_two_threads("test", || 1, || 2).unwrap();
        assert_eq!((a, b), (1, 2));
        let err = on_two_threads("a test", || 1, || -> i32 { panic!("boom") }).unwrap_err();
        assert!(matches!(err, EngineError::Runtime(m) if m == "a test helper thread panicked"));
    }

    #[test]
    fn a_one_core_budget_never_lends() {
        let l = lending(1, 1);
        let _a = l.busy();
        assert!(l.lend().is_none());
    }
}
