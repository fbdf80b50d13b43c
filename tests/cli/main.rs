//! Integration tests: the real `tokctl` binary against mock and real servers.
//! One binary (faster to link), one module per area.

mod common;

mod audience;
mod collectiveaccess;
mod concurrency;
mod definitions;
mod errors;
mod exec;
mod git_credential;
mod id_token;
mod keep_fresh;
mod keychain;
mod kubectl;
mod login_flags;
mod makeshift;
mod mock_server;
mod oauth2;
mod oauth_depth;
mod par;
mod print_header;
mod realmassive;
mod security;
mod snapshots;
mod startup;
mod storage;
mod use_profile;
mod vivacity;
mod vivacity_definition;
