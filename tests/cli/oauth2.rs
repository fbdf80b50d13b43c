//! Tests: oauth2 (being written).
