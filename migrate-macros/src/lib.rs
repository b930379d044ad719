//! Procedural macros of migrate. Use them through the `migrate` crate.
