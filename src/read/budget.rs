//! One memory budget for the whole run, shared by every job (`--max-memory-mib`).
//!
//! Each file's limits (`--max-file-mib`, `--max-unzipped-mib`) bound one file, but the
//! jobs read files side by side: four 2 MB files whose 95 MiB shared strings were each
//! under every limit took 1.3 GB at two jobs and 2.5 GB at four, so the peak grew with the
//! number of cores. Here a file reserves what reading it will cost before calamine opens
//! it (its bytes, then [`crate::read::sniff::Sniffed::cost`]) and waits while other files
//! hold the budget; a file that alone costs more than the reading half is refused with
//! a finding, and the batch goes on.
//!
//! The budget is cut in two halves once for all: reading gets one ([`reading_share`]),
//! what the run keeps to its end (every file's figures and the detail's rows,
//! [`crate::keep`]) the other. Sharing one pool made refusals depend on timing: a file
//! that cost more than what the kept bytes left at the moment it was read was refused,
//! the same file read earlier was not, and a figure could not be kept while readers
//! happened to hold the rest. Cut in two, a file is refused by its own cost alone, and
//! which figures are kept by their own sizes alone.
//!
//! Waiting never deadlocks: a job holds at most one reservation, and one that must grow
//! gives back what it holds before it waits, so a waiting job holds nothing and every
//! request within the cap is granted once the others are done.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};

/// Bytes the run may hold for reading, and how many are held now.
#[derive(Debug)]
pub struct Budget {
    cap: u64,
    used: Mutex<Held>,
    freed: Condvar,
}

/// Bytes held by the readers now, and freed by them since the allocator last gave
/// memory back to the system.
#[derive(Debug, Default)]
struct Held {
    used: u64,
    /// Bytes of reservations given back since the last trim: what the allocator's arenas
    /// may still hold of them (see [`keep_freed_memory`], [`give_back_freed_memory`]).
    untrimmed: u64,
}

impl Held {
    /// Whether `more` bytes fit beside what is used. When they fit only if the freed
    /// memory the arenas may still hold is not counted, it is given back to the system
    /// first: the process then never holds more than the cap, counting both.
    fn fits(&mut self, more: u64, cap: u64) -> bool {
        if self.used + more > cap {
            return false;
        }
        if self.untrimmed > 0 && self.used + self.untrimmed + more > cap {
            give_back_freed_memory();
            self.untrimmed = 0;
        }
        true
    }
}

/// What reading may hold of a run budget of `cap` bytes (`--max-memory-mib`): half,
/// rounded up. The other half is [`crate::keep`]'s.
pub fn reading_share(cap: u64) -> u64 {
    cap - cap / 2
}

/// A request larger than reading's half of the budget: no waiting can grant it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("needs about {needed} bytes of memory, over the run's budget of {limit} bytes")]
pub struct OverBudget {
    /// What was asked for, in all.
    pub needed: u64,
    /// The budget.
    pub limit: u64,
}

/// The reading budget of every run in this process whose whole budget is `cap` bytes
/// (its [`reading_share`]): the jobs of one run and the re-reads of its write phase
/// share it, whoever asks.
pub fn shared(cap: u64) -> Arc<Budget> {
    static ALL: OnceLock<Mutex<HashMap<u64, Arc<Budget>>>> = OnceLock::new();
    let mut all = lock(ALL.get_or_init(Default::default));
    all.entry(cap)
        .or_insert_with(|| Arc::new(Budget::new(reading_share(cap))))
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
        while !held.fits(bytes, self.cap) {
            held = self.freed.wait(held).unwrap_or_else(|e| e.into_inner());
        }
        held.used += bytes;
        Ok(Reservation {
            budget: self.clone(),
            bytes,
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

    /// Gives back `bytes`; `freed` when the memory they stood for was freed (and may
    /// linger in the allocator's arenas).
    fn release(&self, bytes: u64, freed: bool) {
        let mut held = lock(&self.used);
        held.used = held.used.saturating_sub(bytes);
        if freed {
            held.untrimmed = held.untrimmed.saturating_add(bytes);
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
        if held.fits(total - self.bytes, budget.cap) {
            held.used += total - self.bytes;
            self.bytes = total;
            return Ok(());
        }
        held.used -= self.bytes;
        self.bytes = 0;
        budget.freed.notify_all();
        while !held.fits(total, budget.cap) {
            held = budget.freed.wait(held).unwrap_or_else(|e| e.into_inner());
        }
        held.used += total;
        self.bytes = total;
        Ok(())
    }

    /// Holds `total` bytes in all if the rest is free now, without waiting: `Ok(false)`
    /// when it is not (what is held stays held). For a reader that asks while it holds
    /// what it read so far: waiting there would hold memory the budget had been given
    /// back, so it stops, frees what it read, and waits with [`Reservation::grow_to`].
    pub fn try_grow_to(&mut self, total: u64) -> Result<bool, OverBudget> {
        if total <= self.bytes {
            return Ok(true);
        }
        let budget = &self.budget;
        budget.check(total)?;
        let mut held = lock(&budget.used);
        if !held.fits(total - self.bytes, budget.cap) {
            return Ok(false);
        }
        held.used += total - self.bytes;
        self.bytes = total;
        Ok(true)
    }

    /// Gives back `less` of what is held (at most all of it), waking whoever waits.
    pub fn shrink_by(&mut self, less: u64) {
        let less = less.min(self.bytes);
        self.bytes -= less;
        self.budget.release(less, false);
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        // What a file's reading freed stays in the arenas ([`keep_freed_memory`]).
        self.budget.release(self.bytes, true);
    }
}

/// Keeps what the run frees in the allocator for the next file, rather than in the
/// system: the budget decides when it is given back ([`give_back_freed_memory`]), until
/// the files are read ([`return_freed_memory`]).
///
/// Why: glibc hands a large block (128 KiB at first, then the largest freed so far, up
/// to 32 MiB) straight back to the system when it is freed, and trims a thread's heap
/// once its free top passes twice that. A file of 20,000 rows inflates an 8 MB sheet part
/// and builds about as much again, all freed when the file is done, so the next file's
/// buffers were new pages that the kernel faulted in and cleared one by one. Measured on
/// 50 such files (scenario (d), one thread, `check`): 190,000 page faults and 2.26 s with
/// glibc's defaults, 14,000 and 1.87 s with these settings. The bench's floor (calamine
/// alone, in the same binary) faulted 8,000 times with the defaults and 4,600 with these,
/// in the same 4.0 s.
///
/// Setting either threshold stops glibc adapting both, so both are set: blocks up to
/// 32 MiB (glibc's own ceiling for the adaptive threshold) come from the heaps, and no
/// heap is trimmed by itself. Other platforms' allocators are left as they are.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt takes two integers and only sets the allocator's parameters; it is
    // called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}

/// Ends [`keep_freed_memory`] once the files are read: from here on, what is freed goes
/// back to the system soon after, and what reading left in the arenas is given back now.
///
/// Why: the outputs are written by threads of their own (the workbook, report.json, the
/// archive's recording beside them), each with its own arena, and what one of them kept
/// there was out of reach of the others. Measured on (c), 10,000 submissions recorded
/// beside the outputs (one bench run each): 300 MB at the peak with freed memory kept,
/// 270 MB with these thresholds, 273 MB with glibc's defaults, in the same time or less.
/// Blocks from 1 MiB are mapped (and unmapped when freed), and a heap is trimmed once
/// 4 MiB at its top are free.
pub(crate) fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: as for `keep_freed_memory`. The allocator is initialised by now, so
    // mallopt only takes its lock and sets two parameters, whatever other threads do.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 4 << 20);
    }
    give_back_freed_memory();
}

/// glibc keeps one heap per thread (arena) and keeps what a file's millions of small
/// strings freed for that thread: the next file, read on another thread, then grows its
/// own arena, and the process's peak is the sum of both although the budget held one.
/// Measured: four files of 70 MB each read one after the other on four threads peaked at
/// 186 MiB. Trimming every arena gives that memory back; the budget counts what freed
/// reservations may still hold there ([`Held::untrimmed`]) and trims once a request
/// would pass the cap counting it, so the peak stays what the budget holds.
///
/// Trimming after every file, as was done first, cost more than it saved: the pages
/// given back are faulted in again by the next file. On ten `.xls` files of 10,000
/// formula rows (scenario (f)'s) that was 30 % of a check's CPU time (320 against 230 ms
/// on one thread, 29,000 page faults against 16,000), where the budget was never short.
pub(crate) fn give_back_freed_memory() {
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
        // Growing without waiting: granted when free, refused (holding on) when not.
        let mut a = b.reserve(50).unwrap();
        let mut c = b.reserve(30).unwrap();
        assert_eq!(a.try_grow_to(70), Ok(true));
        assert_eq!(c.try_grow_to(31), Ok(false));
        assert_eq!((a.bytes(), c.bytes(), b.used()), (70, 30, 100));
        assert!(c.try_grow_to(101).is_err());
        drop((a, c));
        let mut r = b.reserve(60).unwrap();
        r.shrink_by(20);
        assert_eq!(b.used(), 40);
        drop(r);
        assert_eq!(b.used(), 0);
        // The run's budget: reading gets half of it, rounded up.
        assert_eq!((shared(7).cap(), reading_share(1 << 30)), (4, 512 << 20));
        assert!(Arc::ptr_eq(&shared(7), &shared(7)));
    }

    /// Freed memory is given back to the system only when the budget would otherwise be
    /// passed, counting what the arenas may still hold of it: trimming after every file
    /// made the next one fault its pages in again.
    #[test]
    fn freed_memory_is_given_back_only_when_the_budget_needs_it() {
        const MB: u64 = 1 << 20;
        let cap = 80 * MB;
        let b = Arc::new(Budget::new(cap));
        let untrimmed = |b: &Budget| lock(&b.used).untrimmed;
        drop(b.reserve(24 * MB).unwrap());
        // Every freed reservation counts, small ones too; shrinking frees nothing.
        drop(b.reserve(8 * MB).unwrap());
        b.reserve(16 * MB).unwrap().shrink_by(16 * MB);
        assert_eq!((b.used(), untrimmed(&b)), (0, 32 * MB));
        // Fits beside what the arenas may hold: nothing trimmed.
        let r = b.reserve(48 * MB).unwrap();
        assert_eq!(untrimmed(&b), 32 * MB);
        drop(r);
        // Would pass the cap counting it: trimmed first, then granted.
        let mut r = b.reserve(40 * MB).unwrap();
        assert_eq!(untrimmed(&b), 0);
        drop(b.reserve(8 * MB).unwrap());
        assert_eq!(r.try_grow_to(80 * MB), Ok(true));
        assert_eq!(untrimmed(&b), 0, "growing trims as well");
    }
}
