//! Any bytes through the whole per-file pipeline: sniffing, reading (xlsx, xls, ods),
//! extraction and the rules, exactly as `tonghop run` does for each file.
//!
//! `process_bytes` catches panics and turns them into a FILE_CORRUPT finding, because
//! calamine's readers are known to panic on some malformed records (see
//! src/read/sniff.rs). A panic whose location is in tonghop's own code is still a bug:
//! the hook below aborts on it, so libFuzzer reports it as a crash, and lets panics in
//! dependencies unwind to `process_bytes`. Set `TONGHOP_FUZZ_ANY_PANIC=1` to abort on
//! every panic, dependencies included. Aborts, stack overflows, timeouts (`-timeout`)
//! and allocations past `-rss_limit_mb` / `-malloc_limit_mb` are crashes in any case.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Once, OnceLock};
use tonghop::pipeline::{Options, process_bytes};
use tonghop::form::Form;

fn form() -> &'static Form {
    static FORM: OnceLock<Form> = OnceLock::new();
    FORM.get_or_init(|| Form::default_form().unwrap())
}

/// Panics in a dependency (a path under Cargo's registry or git checkouts) or in the
/// standard library are handled by `process_bytes`; anything else aborts.
fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        if std::env::var_os("TONGHOP_FUZZ_ANY_PANIC").is_some() {
            return; // keep libFuzzer's hook: every panic aborts
        }
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ours = info.location().is_some_and(|l| {
                let f = l.file();
                !(f.contains("/.cargo/registry/") || f.contains("/.cargo/git/") || f.starts_with("/rustc/"))
            });
            if ours {
                default(info);
                std::process::abort();
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    install_panic_hook();
    let _ = process_bytes(form(), data, &Options::default());
});
