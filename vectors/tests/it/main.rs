//! Conformance: the shipped vectors against qoesign's schemes, and qoesign's signatures
//! against independent implementations.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod acvp;
mod composite;
mod cross;
mod cross_mldsa;
mod wycheproof;
