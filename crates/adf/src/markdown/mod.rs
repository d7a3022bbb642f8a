//! Markdown: CommonMark with GitHub tables, strikethrough and alerts.

pub(crate) mod read;
pub(crate) mod write;
