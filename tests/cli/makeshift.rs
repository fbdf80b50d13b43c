//! Tests: makeshift (being written).
