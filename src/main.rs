use std::process::ExitCode;

fn main() -> ExitCode {
    // First, before any thread exists (glibc's `mallopt` wants no other thread).
    tonghop::read::budget::keep_freed_memory();
    // Help, version and mistyped arguments are said by the parse, in the clerk's language.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // A double-click (no arguments) or a folder dropped onto the program: the main job
    // with defaults, before clap, which would only show its help or an error.
    if let Some(start) = tonghop::cmd::clicked::detect(&args) {
        tonghop::guard::install_panic_hook();
        return ExitCode::from(tonghop::cmd::clicked::run(start));
    }
    let (cli, lang) = match tonghop::cmd::args::parse(&args) {
        Ok(parsed) => parsed,
        Err(code) => return ExitCode::from(code),
    };
    tonghop::guard::install_panic_hook();
    match tonghop::cmd::run(cli, lang) {
        Ok(code) => ExitCode::from(code),
        // The reader of our output has all it wants (`| head`): nothing is wrong.
        Err(e) if tonghop::cmd::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Escaped piece by piece (see `error_text`): shown, never obeyed.
            eprintln!("tonghop: {}", tonghop::cmd::error_text(&e, lang));
            ExitCode::from(2)
        }
    }
}
