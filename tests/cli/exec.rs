//! Tests: exec (being written).
