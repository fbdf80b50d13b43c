//! Tests: storage (being written).
