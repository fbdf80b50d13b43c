//! Tests: keychain (being written).
