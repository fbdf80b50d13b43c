//! Tests: vivacity (being written).
