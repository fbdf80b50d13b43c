//! Sets `fast_start` (see src/main.rs) where a C `main` is known to work:
//! Linux with glibc, which hands std the arguments through an init hook.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(fast_start)");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo::rustc-cfg=fast_start");
    }
}
