// Give libdos.so the SONAME libdos.so.<abi> so that an ABI change is a new
// library name for the dynamic loader.
fn main() {
    let abi = 1; // keep in step with dos_core::ABI_VERSION (checked by tests/abi.rs)
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libdos.so.{abi}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
