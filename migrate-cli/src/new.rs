//! `migrate new <name>`: a new, empty migration in the directory's own
//! layout and numbering.
//!
//! The layout is the one the directory's migrations follow (or `--layout`,
//! or sqlx for a new directory). Versions are UTC timestamps
//! (`20240212120203`; diesel's `2024-02-12-120203`) for sqlx, diesel,
//! Prisma, goose and dbmate, and the next number for refinery/Flyway
//! (`V1_10` after `V1_9`). A directory numbered sequentially (`0001_`,
//! `0002_`) gets the next number, and a timestamp that would not sort after
//! the newest migration becomes that version plus one.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use migrate_build::discover::{Layout, discover};
use migrate_core::Migration;

use crate::Failure;
use crate::output::print;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What the migration does, in a few words (`migrate new add users
    /// email`, or quoted).
    #[arg(required = true, num_args = 1.., value_name = "NAME")]
    name: Vec<String>,
    /// The migrations directory (created when missing). Default: the
    /// project's, from Cargo.toml, as for every other command.
    #[arg(long, value_name = "DIR")]
    migrations: Option<PathBuf>,
    /// The layout to follow; detected from the existing migrations when not
    /// given, sqlx for a new directory.
    #[arg(long, value_name = "LAYOUT")]
    layout: Option<Layout>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let words = args.name.join(" ");
    let name = slug(&words);
    if name.is_empty() {
        return Err(Failure::usage(format_args!(
            "the name {words:?} has no letter or digit to name a file with"
        )));
    }
    let project = crate::migrations::project()?;
    let migrations_dir = match &args.migrations {
        Some(dir) => dir.clone(),
        None => crate::migrations::project_migrations_dir(project),
    };
    let layout = args
        .layout
        .or(project.and_then(|project| project.config.layout));
    let existing = existing(&migrations_dir, layout)?;
    let layout = layout
        .or(existing.as_ref().map(|(layout, _)| *layout))
        .unwrap_or(Layout::Sqlx);
    let migrations: &[Migration] = existing.as_ref().map_or(&[], |(_, m)| m.as_slice());
    let last = migrations.last();
    let now = utc_now();

    let files: Vec<(PathBuf, String)> = match layout {
        Layout::Sqlx => {
            let version = after(&compact(now), last);
            if migrations.iter().any(|m| m.down.is_some()) {
                vec![
                    (
                        format!("{version}_{name}.up.sql").into(),
                        format!("-- {}\n", words),
                    ),
                    (
                        format!("{version}_{name}.down.sql").into(),
                        format!("-- undo: {}\n", words),
                    ),
                ]
            } else {
                vec![(
                    format!("{version}_{name}.sql").into(),
                    format!("-- {}\n", words),
                )]
            }
        }
        Layout::Refinery => {
            let version = next_number(last.map(|m| m.version.as_str()));
            vec![(
                format!("V{version}__{name}.sql").into(),
                format!("-- {}\n", words),
            )]
        }
        Layout::Diesel => {
            let (year, month, day, hour, minute, second) = now;
            let mut version =
                format!("{year:04}-{month:02}-{day:02}-{hour:02}{minute:02}{second:02}");
            // diesel 2.2 adds `-0000`; follow the directory.
            if last.is_some_and(|m| m.version.len() == "2024-02-12-120203-0000".len()) {
                version.push_str("-0000");
            }
            if let Some(last) = last
                && version.replace('-', "") <= last.version.replace('-', "")
            {
                return Err(Failure::new(format_args!(
                    "the newest migration {} is dated after now ({version}): fix the clock or name the migration by hand",
                    last.version
                )));
            }
            let dir = PathBuf::from(format!("{version}_{name}"));
            vec![
                (dir.join("up.sql"), format!("-- {words}\n")),
                (dir.join("down.sql"), format!("-- undo: {words}\n")),
            ]
        }
        Layout::Prisma => {
            let version = after(&compact(now), last.map(prisma_timestamp).as_ref());
            vec![(
                PathBuf::from(format!("{version}_{name}")).join("migration.sql"),
                format!("-- {}\n", words),
            )]
        }
        Layout::Goose => {
            let version = after(&compact(now), last);
            vec![(
                format!("{version}_{name}.sql").into(),
                "-- +goose Up\n\n-- +goose Down\n".to_owned(),
            )]
        }
        Layout::Dbmate => {
            let version = after(&compact(now), last);
            vec![(
                format!("{version}_{name}.sql").into(),
                "-- migrate:up\n\n-- migrate:down\n".to_owned(),
            )]
        }
    };

    let mut text = String::new();
    for (file, contents) in &files {
        let path = migrations_dir.join(file);
        if path.exists() {
            return Err(Failure::new(format_args!(
                "{} exists already",
                path.display()
            )));
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|error| {
                Failure::new(format_args!("cannot create {}: {error}", parent.display()))
            })?;
        }
        std::fs::write(&path, contents).map_err(|error| {
            Failure::new(format_args!("cannot write {}: {error}", path.display()))
        })?;
        text.push_str(&format!("created {}\n", path.display()));
    }
    print(&text)
}

/// The directory's layout and migrations, or `None` when it has none yet.
fn existing(
    dir: &Path,
    layout: Option<Layout>,
) -> Result<Option<(Layout, Vec<Migration>)>, Failure> {
    let has_entries = std::fs::read_dir(dir).is_ok_and(|mut entries| {
        entries.any(|entry| {
            entry.is_ok_and(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
        })
    });
    if !has_entries {
        return Ok(None);
    }
    let discovered = discover(dir, layout)?;
    Ok(Some((discovered.layout, discovered.migrations)))
}

/// `add users email!` → `add_users_email`.
fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('_') {
            slug.push('_');
        }
    }
    slug.trim_matches('_').to_owned()
}

type DateTime = (i64, u32, u32, u32, u32, u32);

fn compact((year, month, day, hour, minute, second): DateTime) -> String {
    format!("{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}")
}

/// The Prisma directory's timestamp, as a migration whose version is it.
fn prisma_timestamp(migration: &Migration) -> Migration {
    let mut timestamp = migration.clone();
    timestamp.version = migration
        .version
        .split('_')
        .next()
        .unwrap_or_default()
        .to_owned();
    timestamp
}

/// `version`, or the newest migration's numeric version plus one when the
/// directory numbers its migrations sequentially (`0003` → `0004`, keeping
/// the zero padding) or when the timestamp would not sort after it.
fn after(version: &str, last: Option<&Migration>) -> String {
    let Some(last) = last else {
        return version.to_owned();
    };
    let Ok(newest) = last.version.parse::<u128>() else {
        return version.to_owned();
    };
    let sequential = last.version.len() < 12;
    let later = version
        .parse::<u128>()
        .is_ok_and(|candidate| candidate > newest);
    if sequential || !later {
        let width = last.version.len();
        return format!("{:0width$}", newest + 1);
    }
    version.to_owned()
}

/// Flyway's next version: the last segment of the newest plus one (`1_9`
/// → `1_10`, `2` → `3`, `1.2` → `1.3`); `1` for the first.
fn next_number(last: Option<&str>) -> String {
    let Some(last) = last else {
        return "1".to_owned();
    };
    let split = last.rfind(['_', '.']).map_or(0, |index| index + 1);
    let (head, tail) = last.split_at(split);
    match tail.parse::<u64>() {
        Ok(number) => format!("{head}{}", number + 1),
        Err(_) => format!("{last}_1"),
    }
}

/// The current UTC date and time.
fn utc_now() -> DateTime {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |duration| duration.as_secs()) as i64;
    let days = seconds.div_euclid(86_400);
    let in_day = seconds.rem_euclid(86_400) as u32;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(slug("Add users' email!"), "add_users_email");
        assert_eq!(next_number(Some("1_9")), "1_10");
        assert_eq!(next_number(Some("2")), "3");
        assert_eq!(next_number(Some("1.2")), "1.3");
        assert_eq!(next_number(None), "1");
        let (year, month, day, ..) = utc_now();
        assert!(year >= 2024 && (1..=12).contains(&month) && (1..=31).contains(&day));
    }
}
