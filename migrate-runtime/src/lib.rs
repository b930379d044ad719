//! Boot-time runner for migrate.
