//! `migrate new`: the next file name in the folder's own convention, and its header. The
//! decisions are pure functions of the existing file names and the clock; [`create`] does the I/O.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::failure::Failure;

/// How a folder numbers its migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// `001`, `002`, ...: the next number, zero-padded to this width.
    Sequence {
        /// Digits of the newest version as written (`3` for `007`).
        width: usize,
        /// The newest version.
        newest: u128,
    },
    /// `YYYYMMDDHHMMSS` in UTC.
    Timestamp {
        /// The newest version.
        newest: u128,
    },
}

/// A UTC date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utc {
    /// Year.
    pub year: i64,
    /// Month, 1-12.
    pub month: u32,
    /// Day, 1-31.
    pub day: u32,
    /// Hour, 0-23.
    pub hour: u32,
    /// Minute.
    pub minute: u32,
    /// Second.
    pub second: u32,
}

impl Utc {
    /// The calendar date and time of a Unix timestamp (seconds), proleptic Gregorian.
    pub fn from_unix(seconds: u64) -> Self {
        let days = (seconds / 86_400) as i64;
        let rest = seconds % 86_400;
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Utc {
            year,
            month,
            day,
            hour: (rest / 3600) as u32,
            minute: (rest % 3600 / 60) as u32,
            second: (rest % 60) as u32,
        }
    }

    /// The current time.
    pub fn now() -> Self {
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self::from_unix(seconds)
    }

    /// `YYYYMMDDHHMMSS` as a number.
    pub fn stamp(&self) -> i64 {
        let date = self.year * 10_000 + i64::from(self.month) * 100 + i64::from(self.day);
        let time =
            i64::from(self.hour) * 10_000 + i64::from(self.minute) * 100 + i64::from(self.second);
        date * 1_000_000 + time
    }
}

/// The version digits of a migration up file name (`007` of `007_x.sql`), or `None` for any
/// other file (down files, hidden files, other names).
fn version_digits(file: &str) -> Option<&str> {
    if file.starts_with('.') || !file.ends_with(".sql") || file.ends_with(".down.sql") {
        return None;
    }
    let digits = file.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && file[digits..].starts_with('_')).then(|| &file[..digits])
}

/// Reads the folder's convention from its file names: timestamps when the newest version has 14
/// digits, a zero-padded sequence otherwise; `None` when it holds no migration.
pub fn convention<'a>(files: impl IntoIterator<Item = &'a str>) -> Option<Convention> {
    let newest = files
        .into_iter()
        .filter_map(version_digits)
        .filter_map(|d| d.parse::<u128>().ok().map(|v| (v, d.len())))
        .max()?;
    let (version, width) = newest;
    Some(if width == 14 {
        Convention::Timestamp { newest: version }
    } else {
        Convention::Sequence {
            width,
            newest: version,
        }
    })
}

/// The next version, as written in the file name.
pub fn next_version(convention: Option<Convention>, now: Utc) -> String {
    match convention {
        None => "001".to_owned(),
        Some(Convention::Sequence { width, newest }) => {
            format!("{:0width$}", newest + 1, width = width)
        }
        Some(Convention::Timestamp { newest }) => u128::from(now.stamp().unsigned_abs())
            .max(newest + 1)
            .to_string(),
    }
}

/// Checks that NAME makes a valid file name: letters, digits, `_` and `-`, starting with a
/// letter or digit. The error says what is wrong and suggests a name.
pub fn check_name(name: &str) -> Result<(), Failure> {
    let valid_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if starts_well && name.chars().all(valid_char) && name.len() <= 200 {
        return Ok(());
    }
    let suggestion: String = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
        .to_ascii_lowercase();
    let example = if suggestion.is_empty() {
        "add_users".to_owned()
    } else {
        suggestion
    };
    Err(Failure::usage(format!(
        "`{name}` cannot be a migration name: use ASCII letters, digits, `_` and `-`, starting \
         with a letter or digit (at most 200 characters)\n  = help: try `migrate new {example}`"
    )))
}

/// The header of a new up file.
pub fn up_header(version: &str, name: &str, now: Utc) -> String {
    format!(
        "-- Migration {version}: {name}\n\
         -- Created by `migrate new` on {:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC.\n\
         -- Runs in one transaction together with its history row. Write idempotent SQL\n\
         -- (CREATE TABLE IF NOT EXISTS, ADD COLUMN IF NOT EXISTS, CREATE OR REPLACE ...);\n\
         -- `migrate lint` checks it with the same rules as the build.\n\n",
        now.year, now.month, now.day, now.hour, now.minute, now.second
    )
}

/// The header of a new down file.
pub fn down_header(version: &str, name: &str) -> String {
    format!(
        "-- Reverts migration {version}: {name} (`migrate rollback --to` runs it).\n\
         -- Write the statements that undo {version}_{name}.sql, newest change first.\n\n"
    )
}

/// Creates the next migration (and its down file) in `dir`, creating `dir` when missing;
/// returns the paths created. Never overwrites a file.
pub fn create(dir: &Path, name: &str, down: bool) -> Result<Vec<PathBuf>, Failure> {
    check_name(name)?;
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::usage(format!("cannot create the folder {}: {e}", dir.display())))?;
    let names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Failure::usage(format!("cannot read the folder {}: {e}", dir.display())))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let now = Utc::now();
    let version = next_version(convention(names.iter().map(String::as_str)), now);
    let mut files = vec![(
        dir.join(format!("{version}_{name}.sql")),
        up_header(&version, name, now),
    )];
    if down {
        files.push((
            dir.join(format!("{version}_{name}.down.sql")),
            down_header(&version, name),
        ));
    }
    for (path, text) in &files {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| Failure::usage(format!("cannot create {}: {e}", path.display())))?;
        std::io::Write::write_all(&mut file, text.as_bytes())
            .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Utc = Utc {
        year: 2026,
        month: 11,
        day: 21,
        hour: 6,
        minute: 30,
        second: 5,
    };

    #[test]
    fn the_clock_reads_dates() {
        assert_eq!(Utc::from_unix(0).stamp(), 19700101000000);
        assert_eq!(Utc::from_unix(951_782_400).stamp(), 20000229000000);
        assert_eq!(Utc::from_unix(1_795_242_605), NOW);
    }

    #[test]
    fn sequences_keep_their_width() {
        let c = convention(["001_a.sql", "002_b.sql", "002_b.down.sql", "README.md"]);
        assert_eq!(
            c,
            Some(Convention::Sequence {
                width: 3,
                newest: 2
            })
        );
        assert_eq!(next_version(c, NOW), "003");
        assert_eq!(next_version(convention(["0009_a.sql"]), NOW), "0010");
        assert_eq!(next_version(convention(["1_a.sql", "2_b.sql"]), NOW), "3");
        assert_eq!(next_version(convention(["99_a.sql"]), NOW), "100");
        assert_eq!(
            next_version(convention(["notes.sql", ".001_x.sql"]), NOW),
            "001"
        );
        assert_eq!(next_version(None, NOW), "001");
    }

    #[test]
    fn timestamps_use_the_clock_and_stay_ordered() {
        let c = convention(["20240101000000_a.sql"]);
        assert_eq!(next_version(c, NOW), "20261121063005");
        let future = convention(["20300101000000_a.sql"]);
        assert_eq!(next_version(future, NOW), "20300101000001");
    }

    #[test]
    fn names_that_make_bad_file_names_are_refused() {
        assert!(check_name("add_users").is_ok());
        assert!(check_name("Add-Users2").is_ok());
        for bad in [
            "",
            "add users",
            "../x",
            "a/b",
            ".hidden",
            "x.down",
            "_x",
            "é",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(check_name("Add Users!")
            .unwrap_err()
            .message
            .contains("migrate new add_users"));
    }
}
