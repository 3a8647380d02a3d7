//! tonghop's xlsx reader against calamine on a folder of workbooks, as
//! `tests/differential.rs` does on the committed corpus: for the whole peer corpus
//! (`tests/peers/full-corpus.sh` gathers it), which is too large to commit.
//!
//!     cargo run --release --example xlsx_differential -- FOLDER
//!
//! Prints one line per file where the two readers disagree, then the counts; exits 1 if
//! any disagree. A file calamine refuses and the reader reads is counted apart: those
//! are the workbooks LibreOffice opens and calamine does not (see src/read/xlsx/mod.rs).

use std::path::Path;
use tonghop::form::Form;
use tonghop::read::sniff::Limits;
use tonghop::read::{Want, comparable, read_cells};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: xlsx_differential FOLDER");
    let form = Form::default_form().expect("default form");
    let wide = Want::Every {
        last_row: 999,
        cols: 60,
    };
    let limits = Limits::default();
    let (mut files, mut same, mut differ, mut only_own) = (0, 0, 0, 0);
    for e in walkdir::WalkDir::new(Path::new(&dir)).sort_by_file_name() {
        let Ok(e) = e else { continue };
        if !e.file_type().is_file() {
            continue;
        }
        let Ok(bytes) = std::fs::read(e.path()) else {
            continue;
        };
        files += 1;
        for want in [Want::Form(&form.layout), wide] {
            let oracle = comparable(&read_cells(&bytes, want, &limits, true));
            let own = comparable(&read_cells(&bytes, want, &limits, false));
            if oracle == own {
                same += 1;
            } else if oracle == "refused" {
                only_own += 1;
                println!("read, calamine refused: {}", e.path().display());
            } else {
                differ += 1;
                println!("DIFFER: {} ({want:?})", e.path().display());
            }
        }
    }
    println!(
        "files={files} readings: same={same} differ={differ} read-where-calamine-refused={only_own}"
    );
    if differ > 0 {
        std::process::exit(1);
    }
}
