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

    /// A span of the run that is not a phase of its own (it lies within one, or runs
    /// beside others) took `d`: printed as `timing NAME took 1.234s`, which
    /// [`parse_took`] reads back.
    pub fn took(&self, name: &str, d: std::time::Duration) {
        if self.on {
            eprintln!("timing {name} took {:.3}s", d.as_secs_f64());
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

/// The span [`Phases::took`] names for recording the period in the archive (opening a
/// new archive, the transaction, its commit).
pub const ARCHIVE_WRITE: &str = "archive write";

/// The span [`Phases::took`] names for what recording the period added to the run's
/// wall time: all of [`ARCHIVE_WRITE`] when it is recorded after the outputs, the wait
/// for its commit once they are in place when it is recorded beside them.
pub const ARCHIVE_WAIT: &str = "archive wait";

/// The span [`Phases::took`] names for loading what the run looks back at from the
/// archive: the earlier periods and each unit's own history.
pub const HISTORY_LOAD: &str = "history load";

/// A `took` line of a run's timings: the span's name and its seconds; `None` for
/// another line. What `tonghop bench` reads back from the runs it times.
pub fn parse_took(line: &str) -> Option<(&str, f64)> {
    let rest = line.strip_prefix("timing ")?;
    let (name, secs) = rest.rsplit_once(" took ")?;
    Some((name, secs.strip_suffix('s')?.parse().ok()?))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_took_line_reads_back_and_a_phase_line_is_not_one() {
        assert_eq!(
            parse_took("timing archive write took 1.250s"),
            Some((ARCHIVE_WRITE, 1.25))
        );
        assert_eq!(parse_took("timing archive: 3.000s (cpu 4.100s)"), None);
        assert_eq!(parse_took("timing history load took soon"), None);
    }
}
