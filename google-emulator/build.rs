//! Embeds the demo mailboxes (`mailboxes/<kind>/*.eml`, and the `.txt` beside an HTML-only
//! message) into the binary: writes `$OUT_DIR/mailboxes.rs`, one `include_bytes!` per file,
//! so the emulator (and its Docker image) needs no files at run time.

// Cargo reads build-script directives from stdout.
#![allow(clippy::print_stdout)]

use std::{env, fmt::Write as _, fs, path::Path};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(&env::var("CARGO_MANIFEST_DIR")?).join("mailboxes");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut code = String::from(
        "/// (kind folder, file name, bytes), sorted.\npub(super) static FILES: &[(&str, &str, &[u8])] = &[\n",
    );
    let mut kinds: Vec<_> = fs::read_dir(&root)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    kinds.sort();
    for kind in kinds {
        println!("cargo:rerun-if-changed={}", kind.display());
        let kind_name = kind
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or("folder name")?
            .to_owned();
        let mut files: Vec<_> = fs::read_dir(&kind)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or("file name")?
                .to_owned();
            if !(name.ends_with(".eml") || name.ends_with(".txt")) {
                continue;
            }
            writeln!(
                code,
                "    ({kind_name:?}, {name:?}, include_bytes!({:?})),",
                file.display().to_string()
            )?;
        }
    }
    code.push_str("];\n");
    fs::write(Path::new(&env::var("OUT_DIR")?).join("mailboxes.rs"), code)?;
    Ok(())
}
