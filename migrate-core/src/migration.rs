use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One migration as found on disk, in the order its tool applies it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Migration {
    /// The version as written in the file or directory name (`20230730073019`, `1.10`).
    pub version: String,
    /// The human part of the name (`create_users`).
    pub name: String,
    /// Path of the file holding the up SQL, relative to the migrations directory.
    pub path: String,
    /// The SQL that applies the migration.
    pub up: String,
    /// Byte offset of `up` in the file at `path` (non-zero where the file
    /// holds sections, as goose and dbmate files do), so that diagnostics
    /// point at the right line of the file.
    pub up_offset: usize,
    /// How many lines of the file come before `up` (non-zero where the file
    /// holds sections, as goose and dbmate files do), so that the runtime,
    /// which carries `up` but not the file, names the file's line in errors.
    #[serde(default)]
    pub lines_before_up: usize,
    /// The SQL that reverts it, when the layout has one.
    pub down: Option<String>,
    /// False when the migration must run outside a transaction, statement by statement.
    pub transactional: bool,
    /// For a non-transactional migration, its statements in order, so that the
    /// runtime can send them one by one without parsing SQL.
    pub statements: Vec<String>,
    /// Hex SHA-256 of the up SQL, see [`checksum`].
    pub checksum: String,
}

impl Migration {
    /// A migration of `up` alone, as written by hand rather than read from
    /// a file: run in a transaction, no down, not yet split into statements
    /// and no checksum taken.
    pub fn new(version: String, name: String, path: String, up: String) -> Self {
        Self {
            version,
            name,
            path,
            up,
            up_offset: 0,
            lines_before_up: 0,
            down: None,
            transactional: true,
            statements: Vec::new(),
            checksum: String::new(),
        }
    }
}

/// The checksum of a migration's SQL: hex SHA-256 after removing a leading
/// byte order mark and turning CRLF into LF, so that a file checked out on
/// Windows is not an edit.
pub fn checksum(sql: &str) -> String {
    let sql = sql.strip_prefix('\u{feff}').unwrap_or(sql);
    let mut hasher = Sha256::new();
    let mut rest = sql;
    while let Some(crlf) = rest.find("\r\n") {
        hasher.update(&rest.as_bytes()[..crlf]);
        hasher.update(b"\n");
        rest = &rest[crlf + 2..];
    }
    hasher.update(rest.as_bytes());
    // Hex by hand: a `format!` per byte was most of the cost of a checksum,
    // which the query macros take of every query on every rebuild.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(64);
    for byte in hasher.finalize() {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::checksum;

    #[test]
    fn checksum_ignores_bom_and_crlf_only() {
        let unix = checksum("create table t (id int);\nselect 1;\n");
        assert_eq!(
            unix,
            checksum("\u{feff}create table t (id int);\r\nselect 1;\r\n")
        );
        assert_ne!(unix, checksum("create table t (id int);\nselect 2;\n"));
        assert_ne!(unix, checksum("create table t (id int); \nselect 1;\n"));
        assert_eq!(unix.len(), 64);
    }

    #[test]
    fn checksum_is_the_sha256_of_the_text_in_lower_case_hex() {
        // Histories recorded before stay valid only if this never changes.
        assert_eq!(
            checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            checksum("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
