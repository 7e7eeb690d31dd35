//! SoftHSM2 for tests (cargo feature `testing`).
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` once, at `C_Initialize`, and a PKCS#11 module
//! is initialised once per process ([`crate::Pkcs11Module::load`]). So a test
//! that needs its own tokens runs its body in a **child process** of the test
//! binary, with a configuration and token directory of its own in a temporary
//! directory: [`on_softhsm`]. Without SoftHSM2's module the test is skipped
//! with a note, unless `CAREPKI_REQUIRE_SOFTHSM=1` (which `scripts/test` sets
//! once it has installed `softhsm2`) makes that a failure.
//!
//! ```no_run
//! #[test]
//! fn a_card_test() {
//!     carepki_keys::testing::on_softhsm("a_card_test", |module, _dir| {
//!         // ... Card::initialise(module, "CARD1", "so-pin") ...
//!     });
//! }
//! ```
//!
//! These helpers panic on failure: they are for tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use crate::{Pkcs11Module, SOFTHSM2_MODULE};

/// Set in the child process: the test's temporary directory.
pub const CHILD_ENV: &str = "CAREPKI_SOFTHSM_TEST_DIR";

/// Runs `body` with SoftHSM2's module in a child process of this test binary
/// that runs only the test `name` (the calling `#[test]` function's name, as
/// given to `cargo test --exact`), with its own `SOFTHSM2_CONF` and an empty
/// token directory; `body` also gets that temporary directory. In the child
/// (when [`CHILD_ENV`] is set) it runs `body` directly. The parent fails with
/// the child's output when the child's test did not pass.
pub fn on_softhsm(name: &str, body: fn(&Pkcs11Module, &Path)) {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        let module = Pkcs11Module::load(SOFTHSM2_MODULE).expect("SoftHSM2's module loads");
        body(&module, Path::new(&dir));
        return;
    }
    if !Path::new(SOFTHSM2_MODULE).exists() {
        assert!(
            std::env::var("CAREPKI_REQUIRE_SOFTHSM").as_deref() != Ok("1"),
            "{SOFTHSM2_MODULE} is missing and CAREPKI_REQUIRE_SOFTHSM=1: apt-get install softhsm2"
        );
        eprintln!(
            "note: skipping {name}: {SOFTHSM2_MODULE} is missing \
             (apt-get install softhsm2; CAREPKI_REQUIRE_SOFTHSM=1 makes this a failure)"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).expect("the token directory");
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n\
             slots.removable = false\n",
            tokens.display()
        ),
    )
    .expect("the SoftHSM2 configuration");
    let out = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD_ENV, dir.path())
        .output()
        .expect("the child test process runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} failed in its SoftHSM2 child process ({}):\n{stdout}\n{stderr}",
        out.status
    );
}
