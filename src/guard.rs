//! Panics in dependencies kept to the file or output they concern.
//!
//! calamine panics on some malformed files and rust_xlsxwriter on a failed write to a
//! streamed sheet. Neither may end the batch: the panic is caught where it happens and
//! becomes a finding (a file) or an error that names the output, and the panic hook
//! keeps its message off the clerk's terminal.

thread_local! {
    /// Set inside [`catch_quietly`]: a panic there is caught and reported otherwise.
    static READING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Keep panics caught inside a reader off the terminal: the file already gets a
/// finding, and a backtrace would only alarm the clerk. Panics anywhere else still print.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !READING.with(|r| r.get()) {
            default(info);
        }
    }));
}

/// Run `f`, turning a panic into `Err` with its message, printed by no hook: for code
/// in our dependencies that panics on bad input (a reader) or on a failed write (a
/// streamed worksheet on a full disk), where the caller has a better message to give.
pub fn catch_quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let was = READING.with(|r| r.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    READING.with(|r| r.set(was));
    result.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into())
    })
}
