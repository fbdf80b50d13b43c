//! Links libgcc's unwinder into tokctl instead of loading `libgcc_s.so.1`.
//!
//! std only needs the unwinder for backtraces (the release build aborts on
//! panic), yet every start of a dynamically linked Rust program pays for
//! loading a second shared library: opening and mapping it, relocating it,
//! and one more object to search for every symbol tokctl imports. rustc asks
//! for `-lgcc_s`; a directory listed before the system ones that holds
//! `libgcc_s.a` (a copy of the compiler's static `libgcc_eh.a`, what
//! `gcc -static-libgcc` uses) satisfies that request statically. glibc
//! itself stays a shared library. Where the compiler has no `libgcc_eh.a`,
//! nothing changes.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    let static_crt = std::env::var("CARGO_CFG_TARGET_FEATURE")
        .is_ok_and(|f| f.split(',').any(|f| f == "crt-static"));
    if !target.ends_with("-linux-gnu") || static_crt {
        return;
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let Ok(out) = Command::new(cc)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
    else {
        return;
    };
    let eh = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !out.status.success() || !eh.is_absolute() || !eh.exists() {
        return;
    }
    let dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("unwind");
    std::fs::create_dir_all(&dir).expect("create OUT_DIR/unwind");
    std::fs::copy(&eh, dir.join("libgcc_s.a")).expect("copy libgcc_eh.a");
    println!("cargo:rustc-link-search=native={}", dir.display());
}
