//! Tests: collectiveaccess (being written).
