//! One memory budget for the whole run, shared by every job (`--max-memory-mib`).
//!
//! Each file's limits (`--max-file-mib`, `--max-unzipped-mib`) bound one file, but the
//! jobs read files side by side: four 2 MB files whose 95 MiB shared strings were each
//! under every limit took 1.3 GB at two jobs and 2.5 GB at four, so the peak grew with the
//! number of cores. Here a file reserves what reading it will cost before calamine opens
//! it (its bytes, then [`crate::read::sniff::Sniffed::cost`]) and waits while other files
//! hold the budget; a file that alone costs more than the whole budget is refused with a
//! finding, and the batch goes on. The detail's rows are held against the same budget
//! ([`crate::detail`]).
//!
//! Waiting never deadlocks: a job holds at most one reservation, and one that must grow
//! gives back what it holds before it waits, so a waiting job holds nothing; what is kept
//! to the end of the run (the detail's rows) is known, and a request it leaves no room
//! for fails at once instead of waiting for it.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};

/// Bytes the run may hold for reading, and how many are held now.
#[derive(Debug)]
pub struct Budget {
    cap: u64,
    used: Mutex<Held>,
    freed: Condvar,
}

/// Bytes held, and how many of them are kept to the end of the run (the detail's rows):
/// a request larger than what the others can ever give back fails instead of waiting
/// forever.
#[derive(Debug, Default)]
struct Held {
    used: u64,
    kept: u64,
}

impl Held {
    /// What any wait could ever free for a request.
    fn reachable(&self, cap: u64) -> u64 {
        cap.saturating_sub(self.kept)
    }
}

/// A request larger than the whole budget: no waiting can grant it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("needs about {needed} bytes of memory, over the run's budget of {limit} bytes")]
pub struct OverBudget {
    /// What was asked for, in all.
    pub needed: u64,
    /// The budget.
    pub limit: u64,
}

/// The budget of every run in this process with this cap: the jobs of one run, the
/// re-reads of its write phase and its detail share it, whoever asks.
pub fn shared(cap: u64) -> Arc<Budget> {
    static ALL: OnceLock<Mutex<HashMap<u64, Arc<Budget>>>> = OnceLock::new();
    let mut all = lock(ALL.get_or_init(Default::default));
    all.entry(cap)
        .or_insert_with(|| Arc::new(Budget::new(cap)))
        .clone()
}

/// A poisoned lock still holds a valid count: a panic in a reader is caught and turned
/// into a finding, and must not stop the other jobs.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Budget {
    /// A budget of `cap` bytes, none held.
    pub fn new(cap: u64) -> Budget {
        Budget {
            cap,
            used: Mutex::new(Held::default()),
            freed: Condvar::new(),
        }
    }

    /// The budget, in bytes.
    pub fn cap(&self) -> u64 {
        self.cap
    }

    /// Bytes held now.
    pub fn used(&self) -> u64 {
        lock(&self.used).used
    }

    /// Holds `bytes`, waiting while other reservations leave too little.
    pub fn reserve(self: &Arc<Self>, bytes: u64) -> Result<Reservation, OverBudget> {
        self.check(bytes)?;
        let mut held = lock(&self.used);
        while held.used + bytes > self.cap {
            self.reachable(&held, bytes)?;
            held = self.freed.wait(held).unwrap_or_else(|e| e.into_inner());
        }
        held.used += bytes;
        Ok(Reservation {
            budget: self.clone(),
            bytes,
            kept: false,
        })
    }

    /// Fails when `bytes` could not be had even once every other reader is done.
    fn reachable(&self, held: &Held, bytes: u64) -> Result<(), OverBudget> {
        let limit = held.reachable(self.cap);
        if bytes > limit {
            return Err(OverBudget {
                needed: bytes,
                limit,
            });
        }
        Ok(())
    }

    /// Holds `bytes` to the end of the run if they fit now, without waiting: for what
    /// can be let go instead (the detail's rows). Readers then know these bytes will not
    /// come back while they wait.
    pub fn try_keep(self: &Arc<Self>, bytes: u64) -> Option<Reservation> {
        let mut held = lock(&self.used);
        if held.used.saturating_add(bytes) > self.cap {
            return None;
        }
        held.used += bytes;
        held.kept += bytes;
        Some(Reservation {
            budget: self.clone(),
            bytes,
            kept: true,
        })
    }

    fn check(&self, bytes: u64) -> Result<(), OverBudget> {
        if bytes > self.cap {
            return Err(OverBudget {
                needed: bytes,
                limit: self.cap,
            });
        }
        Ok(())
    }

    fn release(&self, bytes: u64, kept: bool) {
        let mut held = lock(&self.used);
        held.used = held.used.saturating_sub(bytes);
        if kept {
            held.kept = held.kept.saturating_sub(bytes);
        }
        drop(held);
        self.freed.notify_all();
    }
}

/// Bytes held from a [`Budget`] until dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<Budget>,
    bytes: u64,
    /// Made by [`Budget::try_keep`].
    kept: bool,
}

impl Reservation {
    /// Bytes held.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Holds `total` bytes in all. If the rest is not free now, what is held is given
    /// back first and the whole is waited for, so two growing jobs never wait on each
    /// other.
    pub fn grow_to(&mut self, total: u64) -> Result<(), OverBudget> {
        if total <= self.bytes {
            return Ok(());
        }
        let budget = &self.budget;
        budget.check(total)?;
        let mut held = lock(&budget.used);
        if held.used - self.bytes + total <= budget.cap {
            held.used += total - self.bytes;
            self.bytes = total;
            return Ok(());
        }
        budget.reachable(&held, total)?;
        held.used -= self.bytes;
        self.bytes = 0;
        budget.freed.notify_all();
        while held.used + total > budget.cap {
            budget.reachable(&held, total)?;
            held = budget.freed.wait(held).unwrap_or_else(|e| e.into_inner());
        }
        held.used += total;
        self.bytes = total;
        Ok(())
    }

    /// Adds `more` bytes to what is held if they fit now, without waiting.
    pub fn try_grow(&mut self, more: u64) -> bool {
        let mut held = lock(&self.budget.used);
        if held.used.saturating_add(more) > self.budget.cap {
            return false;
        }
        held.used += more;
        if self.kept {
            held.kept += more;
        }
        self.bytes += more;
        true
    }

    /// Gives back `less` of what is held (at most all of it), waking whoever waits.
    pub fn shrink_by(&mut self, less: u64) {
        let less = less.min(self.bytes);
        self.bytes -= less;
        self.budget.release(less, self.kept);
    }
}

/// Reservations at least this large hand their freed memory back to the system.
const TRIM_ABOVE: u64 = 8 << 20;

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.bytes >= TRIM_ABOVE {
            give_back_freed_memory();
        }
        self.budget.release(self.bytes, self.kept);
    }
}

/// glibc keeps one heap per thread (arena) and keeps what a file's millions of small
/// strings freed for that thread: the next file, read on another thread, then grows its
/// own arena, and the process's peak is the sum of both although the budget held one.
/// Measured: four files of 70 MB each read one after the other on four threads peaked at
/// 186 MiB. Trimming every arena once the memory is freed, before the budget is given
/// back, keeps the peak to what the budget holds.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers and only walks the allocator's own state.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn reservations_wait_for_each_other_and_never_exceed_the_cap() {
        let b = Arc::new(Budget::new(100));
        assert_eq!(
            b.reserve(101).unwrap_err(),
            OverBudget {
                needed: 101,
                limit: 100
            }
        );
        let peak = Arc::new(Mutex::new(0u64));
        std::thread::scope(|s| {
            for i in 0..8u64 {
                let (b, peak) = (b.clone(), peak.clone());
                s.spawn(move || {
                    let mut r = b.reserve(10 + i).unwrap();
                    // Grow past what is free: given back, then waited for.
                    r.grow_to(40 + i).unwrap();
                    let used = b.used();
                    let mut p = lock(&peak);
                    *p = (*p).max(used);
                    drop(p);
                    std::thread::sleep(Duration::from_millis(5));
                    assert!(r.grow_to(101).is_err());
                });
            }
        });
        assert!(*lock(&peak) <= 100);
        assert_eq!(b.used(), 0, "every reservation given back");
        let mut r = b.try_keep(60).unwrap();
        assert!(b.try_keep(50).is_none());
        // What is kept never comes back while a reader waits: no wait for it.
        assert_eq!(
            b.reserve(41).unwrap_err(),
            OverBudget {
                needed: 41,
                limit: 40
            }
        );
        let mut reader = b.reserve(30).unwrap();
        assert!(reader.grow_to(41).is_err());
        drop(reader);
        assert!(r.try_grow(40) && !r.try_grow(1));
        drop(r);
        assert_eq!(b.used(), 0);
        assert!(Arc::ptr_eq(&shared(7), &shared(7)));
    }
}
