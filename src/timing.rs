//! `TONGHOP_TIMINGS=1`: how long each phase of a run took, for the benchmark and for
//! profiling. Off, it costs a clock read per phase.

use std::time::Instant;

/// Prints each phase's elapsed wall and CPU time when `TONGHOP_TIMINGS` is set.
#[derive(Debug)]
pub struct Phases {
    start: Instant,
    on: bool,
}

impl Phases {
    /// Timing from now, printed when the environment asks for it.
    pub fn from_env() -> Phases {
        Phases {
            start: Instant::now(),
            on: std::env::var_os("TONGHOP_TIMINGS").is_some(),
        }
    }

    /// The phase `name` has ended.
    pub fn mark(&self, name: &str) {
        if self.on {
            eprintln!(
                "timing {name}: {:.3}s (cpu {:.3}s)",
                self.start.elapsed().as_secs_f64(),
                cpu_seconds()
            );
        }
    }
}

/// User plus system CPU time of this process so far.
#[cfg(unix)]
pub fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return 0.0;
    }
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

/// User plus system CPU time of this process so far (not measured here).
#[cfg(not(unix))]
pub fn cpu_seconds() -> f64 {
    0.0
}
