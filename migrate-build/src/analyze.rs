//! Checking and describing queries against a schema.
//!
//! Owner: the query analysis work (see ARCHITECTURE.md). Contract:
//! `describe(&Schema, sql) -> Result<Described, Vec<Diagnostic>>`.
