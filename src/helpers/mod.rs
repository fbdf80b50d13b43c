//! The protocols other tools speak to a credential helper: git's
//! `key=value` lines and kubectl's `ExecCredential` JSON. Pure functions:
//! the commands feed them what they read and print what they return.

pub mod git;
pub mod kube;
