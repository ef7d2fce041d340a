//! include/dos.h is generated from this crate by cbindgen (pinned through
//! Cargo.lock) and committed. This test fails when the committed header is
//! stale; `DOS_UPDATE_HEADER=1 cargo test -p dos-ffi --test header` (or
//! `make header`) rewrites it.

use std::path::PathBuf;

fn generate() -> String {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    config.after_includes = Some(format!(
        "\n#define DOS_VERSION \"{v}\"\n#define DOS_VERSION_MAJOR {ma}\n#define DOS_VERSION_MINOR {mi}\n#define DOS_VERSION_PATCH {pa}\n#define DOS_ABI_VERSION {abi}\n",
        v = env!("CARGO_PKG_VERSION"),
        ma = env!("CARGO_PKG_VERSION_MAJOR"),
        mi = env!("CARGO_PKG_VERSION_MINOR"),
        pa = env!("CARGO_PKG_VERSION_PATCH"),
        abi = dos_core::ABI_VERSION,
    ));
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header")
        .write(&mut out);
    String::from_utf8(out).expect("utf-8 header")
}

#[test]
fn header_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../include/dos.h");
    let fresh = generate();
    if std::env::var_os("DOS_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &fresh).expect("write include/dos.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == fresh, "include/dos.h is stale: run `make header` and commit the result");
}

#[test]
fn soname_abi_matches_envelope_abi() {
    let build = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("build.rs")).unwrap();
    assert!(build.contains(&format!("let abi = {};", dos_core::ABI_VERSION)));
}
