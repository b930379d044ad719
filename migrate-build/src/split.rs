//! Splitting SQL text into statements without parsing it.
//!
//! Owner: the discover/split work (see ARCHITECTURE.md). Contract:
//! `split_statements(sql)` returns each statement's text (without the
//! terminating `;`, trimmed of surrounding whitespace but keeping inner
//! comments) and its byte span in `sql`, handling '..', E'..', "..",
//! $tag$..$tag$, -- and nested /* */ comments. Empty statements are skipped.

use std::ops::Range;

/// One statement of a SQL text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlStatement<'a> {
    pub text: &'a str,
    /// Byte range of `text` in the SQL that was split.
    pub span: Range<usize>,
}
