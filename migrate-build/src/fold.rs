//! Folding migrations into the schema PostgreSQL would hold.
//!
//! Owner: the fold work (see ARCHITECTURE.md). Contract: a `Folder` that
//! applies migrations one at a time (so callers can see the schema before and
//! after each), and `fold(&[Migration]) -> Folded { schema, diagnostics }`.
