//! Two link-time settings for the hot path's start-up.
//!
//! **libgcc's unwinder is linked in** instead of loading `libgcc_s.so.1`.
//! std only needs the unwinder for backtraces (the release build aborts on
//! panic), yet every start of a dynamically linked Rust program pays for
//! loading a second shared library: opening and mapping it, relocating it,
//! and one more object to search for every symbol tokctl imports. rustc asks
//! for `-lgcc_s`; a directory listed before the system ones that holds
//! `libgcc_s.a` (a copy of the compiler's static `libgcc_eh.a`, what
//! `gcc -static-libgcc` uses) satisfies that request statically. glibc
//! itself stays a shared library. Where the compiler has no `libgcc_eh.a`,
//! nothing changes.
//!
//! **The hot path's functions come first in `.text`** (LLD's
//! `--symbol-ordering-file`, with the list in `build/hot-path.order` made by
//! `scripts/hot-order`). The kernel maps up to 64 KiB around each page
//! fault, so code spread over the binary became resident almost wholesale;
//! packed together it is a few faults. A name the file lists that the build
//! no longer has is skipped, so a stale list costs memory, never
//! correctness. Only LLD reads that option: it is passed when rustc links
//! with its bundled LLD (the default for this target since Rust 1.90) and no
//! other linker is configured.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    hot_path_first();
    static_unwinder();
}

fn hot_path_first() {
    let order = Path::new("build/hot-path.order");
    println!("cargo:rerun-if-changed={}", order.display());
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let target = std::env::var("TARGET").unwrap_or_default();
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let other_linker = std::env::var_os("RUSTC_LINKER").is_some()
        || flags.contains("linker")
        || flags.contains("link-self-contained");
    if target != "x86_64-unknown-linux-gnu" || other_linker || !order.exists() || !bundled_lld() {
        return;
    }
    let path = std::fs::canonicalize(order).expect("build/hot-path.order exists");
    println!(
        "cargo:rustc-link-arg-bin=tokctl=-Wl,--symbol-ordering-file={}",
        path.display()
    );
    println!("cargo:rustc-link-arg-bin=tokctl=-Wl,--no-warn-symbol-ordering");
}

/// Whether rustc links this target with its bundled LLD by default (1.90+).
fn bundled_lld() -> bool {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(out) = Command::new(rustc).arg("--version").output() else {
        return false;
    };
    let version = String::from_utf8_lossy(&out.stdout);
    let minor = version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').nth(1))
        .and_then(|m| m.parse::<u32>().ok());
    minor.is_some_and(|m| m >= 90)
}

fn static_unwinder() {
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
