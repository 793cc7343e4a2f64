//! The checks waiting for a worker, fair between hosts. Whoever intercepts a connection chooses
//! how long the companion's look at it takes (up to the check's timeout) and, through the frames
//! of one page, how many looks at one host are asked for; with one queue in arrival order, one
//! host's held connections would take every worker and fill every place, and the next host's
//! check would get `busy` or wait past the extension's deadline. So each host may have at most
//! [`MAX_RUNNING_PER_HOST`] checks running and [`MAX_QUEUED_PER_HOST`] waiting, and workers take
//! the hosts in turn: a host is slowed only by its own checks.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex};

/// Checks of one host that run at once (of the pool's threads).
pub const MAX_RUNNING_PER_HOST: usize = 2;
/// Checks of one host that wait.
pub const MAX_QUEUED_PER_HOST: usize = 8;

/// Why a check was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Every place is taken.
    Full,
    /// This host has all the places it may have.
    HostFull,
}

struct State<T> {
    waiting: HashMap<String, VecDeque<T>>,
    running: HashMap<String, usize>,
    /// Hosts with waiting checks, in the order they are served.
    turns: VecDeque<String>,
    queued: usize,
    closed: bool,
}

/// A bounded queue of jobs keyed by host.
pub struct FairQueue<T> {
    max_queued: usize,
    state: Mutex<State<T>>,
    ready: Condvar,
}

impl<T> FairQueue<T> {
    pub fn new(max_queued: usize) -> FairQueue<T> {
        FairQueue {
            max_queued,
            state: Mutex::new(State {
                waiting: HashMap::new(),
                running: HashMap::new(),
                turns: VecDeque::new(),
                queued: 0,
                closed: false,
            }),
            ready: Condvar::new(),
        }
    }

    /// Queues `job` for `host`, or says why not (the job is handed back).
    pub fn push(&self, host: &str, job: T) -> Result<(), (Refused, T)> {
        let Ok(mut s) = self.state.lock() else {
            return Err((Refused::Full, job));
        };
        let mine = s.waiting.get(host).map_or(0, VecDeque::len);
        if mine >= MAX_QUEUED_PER_HOST {
            return Err((Refused::HostFull, job));
        }
        if s.queued >= self.max_queued {
            return Err((Refused::Full, job));
        }
        if mine == 0 {
            s.turns.push_back(host.to_string());
        }
        s.waiting
            .entry(host.to_string())
            .or_default()
            .push_back(job);
        s.queued += 1;
        drop(s);
        self.ready.notify_one();
        Ok(())
    }

    /// The next job a worker may run, waiting for one; `None` once closed and drained. The
    /// caller hands the host back with [`FairQueue::done`] when the job is finished.
    pub fn take(&self) -> Option<(String, T)> {
        let mut s = self.state.lock().ok()?;
        loop {
            if let Some(found) = Self::next(&mut s) {
                return Some(found);
            }
            if s.closed && s.queued == 0 {
                return None;
            }
            s = self.ready.wait(s).ok()?;
        }
    }

    fn next(s: &mut State<T>) -> Option<(String, T)> {
        for _ in 0..s.turns.len() {
            let host = s.turns.pop_front()?;
            if s.running.get(&host).copied().unwrap_or(0) >= MAX_RUNNING_PER_HOST {
                s.turns.push_back(host);
                continue;
            }
            let queue = s.waiting.get_mut(&host)?;
            let job = queue.pop_front()?;
            if queue.is_empty() {
                s.waiting.remove(&host);
            } else {
                s.turns.push_back(host.clone());
            }
            s.queued -= 1;
            *s.running.entry(host.clone()).or_default() += 1;
            return Some((host, job));
        }
        None
    }

    /// A job of `host` is finished: the host may run another.
    pub fn done(&self, host: &str) {
        if let Ok(mut s) = self.state.lock() {
            if let Some(n) = s.running.get_mut(host) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    s.running.remove(host);
                }
            }
        }
        self.ready.notify_all();
    }

    /// No more jobs: workers finish what is queued, then `take` answers `None`.
    pub fn close(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.closed = true;
        }
        self.ready.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_host_cannot_take_every_place_or_every_worker() {
        let q = FairQueue::new(64);
        for n in 0..MAX_QUEUED_PER_HOST {
            q.push("flood.example", n).unwrap();
        }
        assert_eq!(
            q.push("flood.example", 99).unwrap_err().0,
            Refused::HostFull
        );
        q.push("other.example", 1000).unwrap();
        // Two of the flood run; the other host's check is next, before the flood's third.
        let mut taken = Vec::new();
        for _ in 0..MAX_RUNNING_PER_HOST + 1 {
            taken.push(q.take().unwrap().0);
        }
        assert_eq!(taken.iter().filter(|h| *h == "other.example").count(), 1);
        assert_eq!(
            taken.iter().filter(|h| *h == "flood.example").count(),
            MAX_RUNNING_PER_HOST
        );
        // The flood's next check waits until one of its own is done.
        q.done("flood.example");
        assert_eq!(q.take().unwrap().0, "flood.example");
    }

    #[test]
    fn the_total_is_bounded_and_a_closed_queue_drains() {
        let q = FairQueue::new(3);
        for (n, host) in ["a", "b", "c"].iter().enumerate() {
            q.push(host, n).unwrap();
        }
        assert_eq!(q.push("d", 3).unwrap_err().0, Refused::Full);
        q.close();
        let mut left = 0;
        while let Some((host, _)) = q.take() {
            q.done(&host);
            left += 1;
        }
        assert_eq!(left, 3);
    }
}
