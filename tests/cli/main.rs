//! Integration tests: the real `tokctl` binary against mock and real servers.

mod common;
mod realmassive;
