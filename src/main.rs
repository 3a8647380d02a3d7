use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = tonghop::cmd::Cli::parse();
    tonghop::pipeline::install_panic_hook();
    match tonghop::cmd::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("tonghop: {e:#}");
            ExitCode::from(2)
        }
    }
}
