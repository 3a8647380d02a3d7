use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = tonghop::cmd::Cli::parse();
    tonghop::guard::install_panic_hook();
    match tonghop::cmd::run(cli) {
        Ok(code) => ExitCode::from(code),
        // The reader of our output has all it wants (`| head`): nothing is wrong.
        Err(e) if tonghop::cmd::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tonghop: {e:#}");
            ExitCode::from(2)
        }
    }
}
