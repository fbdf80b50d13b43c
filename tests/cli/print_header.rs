//! Tests: print_header (being written).
