//! End-to-end tests of the `carepki` binary (issue 2): every test runs the real binary in
//! its own temporary directory and judges what it wrote with tools nobody here wrote:
//! `openssl req` makes the CSRs, `openssl x509` and `openssl verify` read and chain the
//! certificates, pkilint (`lint_pkix_cert`) lints them, `psql` looks into PostgreSQL.
//!
//! Needs `openssl` and `lint_pkix_cert` on PATH; the PostgreSQL tests run when
//! `CAREPKI_TEST_PG_URL` is set (and must when `CAREPKI_REQUIRE_PG=1`).
// Helpers outside #[test] functions unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

#[path = "cli/bad_input.rs"]
mod bad_input;
#[path = "cli/ca.rs"]
mod ca;
#[path = "cli/datadir.rs"]
mod datadir;
#[path = "cli/incident.rs"]
mod incident;
#[path = "cli/issuance.rs"]
mod issuance;
#[path = "cli/orgs.rs"]
mod orgs;
#[path = "cli/postgres.rs"]
mod postgres;
#[path = "cli/professionals.rs"]
mod professionals;
#[path = "cli/selftest.rs"]
mod selftest;
#[path = "cli/serve.rs"]
mod serve;
#[path = "cli/station.rs"]
mod station;
#[path = "cli/status.rs"]
mod status;
#[path = "cli/support.rs"]
mod support;
