//! How `embed_migrations!` hands a checked set to the runtime: the files' texts as they are (one
//! `include_str!` or literal each), and everything else about the set in one string, the
//! *index*, written at build time by [`encode`] and read on first use at run time by [`decode`].
//!
//! One string instead of a constructor call per migration, statement and index build leaves
//! rustc next to nothing to type-check and evaluate: a set of 1,000 files builds about as fast as
//! the same files included with `include_str!` and no tool.
//!
//! The index is a sequence of fields separated by NUL, which no file name, path or SQL name can
//! hold: a format tag, the number of migrations, then each migration (version, name, checksum,
//! its up script, `0` or `1` and its down script, `0` or `1` and its checkpoint), each script being its path, the position of
//! its text among the texts, `s` (single transaction) or `n` (none), the number of statements
//! and their byte ranges, the number of concurrent index builds and, for each, its statement,
//! `0` (build) or `1` (rebuild) and the index's name.
//!
//! A set with repeatable migrations (`R__{name}.sql`) has a second index, written by
//! [`encode_repeatables`] and read by [`decode_repeatables`]: its format tag, their number, then
//! each one's name, checksum and script, in the order they are applied.

use std::fmt;
use std::ops::Range;

use crate::script::{IndexBuild, Transaction};
use crate::version::Version;

/// The first field of every index: what wrote it. A set written by another version of the format
/// is refused, not misread.
const FORMAT: &str = "migrate-embedded-2";

/// One migration as the index describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationRecord<'a> {
    /// Its version.
    pub version: Version,
    /// Its name.
    pub name: &'a str,
    /// The checksum of its up script's text.
    pub checksum: &'a str,
    /// Its up script.
    pub up: ScriptRecord<'a>,
    /// Its down script, if it has one.
    pub down: Option<ScriptRecord<'a>>,
    /// Its checkpoint (`{version}_{name}.checkpoint.sql`), if it has one: what a fresh database
    /// runs instead of the migrations up to this one.
    pub checkpoint: Option<ScriptRecord<'a>>,
}

/// One script as the index describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptRecord<'a> {
    /// The file's path as messages name it (`migrations/003_users.sql`).
    pub path: &'a str,
    /// The position of its text among the set's texts.
    pub text: usize,
    /// How it runs.
    pub transaction: Transaction,
    /// Its statements' byte ranges in its text.
    pub statements: Vec<Range<usize>>,
    /// Its concurrent index builds.
    pub index_builds: Vec<IndexBuild>,
}

/// The first field of the repeatables' index.
const REPEATABLES_FORMAT: &str = "migrate-repeatables-1";

/// One repeatable migration as the repeatables' index describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatableRecord<'a> {
    /// Its name (`views` for `R__views.sql`).
    pub name: &'a str,
    /// The checksum of its text.
    pub checksum: &'a str,
    /// Its script.
    pub script: ScriptRecord<'a>,
}

/// An index that [`decode`] cannot read: what it found where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the embedded migration set is unreadable: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

/// Writes the index of a set.
pub fn encode(migrations: &[MigrationRecord<'_>]) -> String {
    let mut fields: Vec<String> = vec![FORMAT.to_owned(), migrations.len().to_string()];
    for m in migrations {
        fields.extend([
            m.version.to_string(),
            m.name.to_owned(),
            m.checksum.to_owned(),
        ]);
        script(&mut fields, &m.up);
        for optional in [&m.down, &m.checkpoint] {
            match optional {
                Some(s) => {
                    fields.push("1".to_owned());
                    script(&mut fields, s);
                }
                None => fields.push("0".to_owned()),
            }
        }
    }
    fields.join("\0")
}

/// Writes the index of a set's repeatable migrations, in the order they are applied.
pub fn encode_repeatables(repeatables: &[RepeatableRecord<'_>]) -> String {
    let mut fields: Vec<String> =
        vec![REPEATABLES_FORMAT.to_owned(), repeatables.len().to_string()];
    for r in repeatables {
        fields.extend([r.name.to_owned(), r.checksum.to_owned()]);
        script(&mut fields, &r.script);
    }
    fields.join("\0")
}

/// Reads the index [`encode_repeatables`] wrote, for a set of `texts` texts.
pub fn decode_repeatables(
    index: &'static str,
    texts: usize,
) -> Result<Vec<RepeatableRecord<'static>>, DecodeError> {
    let mut fields = Fields {
        fields: index.split('\0'),
        texts,
    };
    let format = fields.next("the format")?;
    if format != REPEATABLES_FORMAT {
        return Err(DecodeError(format!(
            "written as `{format}`, read as `{REPEATABLES_FORMAT}`: build migrate-macros and \
             migrate-runtime of one version"
        )));
    }
    let count = fields.number("the number of repeatable migrations")?;
    let mut repeatables = Vec::with_capacity(count);
    for _ in 0..count {
        let name = fields.next("a name")?;
        let checksum = fields.next("a checksum")?;
        let script = fields.script()?;
        repeatables.push(RepeatableRecord {
            name,
            checksum,
            script,
        });
    }
    match fields.fields.next() {
        None => Ok(repeatables),
        Some(extra) => Err(DecodeError(format!(
            "`{extra}` after the last repeatable migration"
        ))),
    }
}

fn script(fields: &mut Vec<String>, s: &ScriptRecord<'_>) {
    let transaction = match s.transaction {
        Transaction::Single => "s",
        Transaction::None => "n",
    };
    fields.extend([
        s.path.to_owned(),
        s.text.to_string(),
        transaction.to_owned(),
    ]);
    fields.push(s.statements.len().to_string());
    for r in &s.statements {
        fields.extend([r.start.to_string(), r.end.to_string()]);
    }
    fields.push(s.index_builds.len().to_string());
    for b in &s.index_builds {
        let rebuild = if b.rebuilds() { "1" } else { "0" };
        fields.extend([
            b.statement().to_string(),
            rebuild.to_owned(),
            b.index().to_owned(),
        ]);
    }
}

/// Reads the index [`encode`] wrote for a set of `texts` texts. The names and paths borrow from
/// it; every script's text is one of the `texts`.
pub fn decode(
    index: &'static str,
    texts: usize,
) -> Result<Vec<MigrationRecord<'static>>, DecodeError> {
    let mut fields = Fields {
        fields: index.split('\0'),
        texts,
    };
    let format = fields.next("the format")?;
    if format != FORMAT {
        return Err(DecodeError(format!(
            "written as `{format}`, read as `{FORMAT}`: build migrate-macros and \
             migrate-runtime of one version"
        )));
    }
    let count = fields.number("the number of migrations")?;
    let mut migrations = Vec::with_capacity(count);
    for _ in 0..count {
        let version = fields.next("a version")?;
        let version = version
            .parse()
            .map_err(|e| DecodeError(format!("version `{version}`: {e}")))?;
        let name = fields.next("a name")?;
        let checksum = fields.next("a checksum")?;
        let up = fields.script()?;
        let down = fields.optional("whether a down script follows")?;
        let checkpoint = fields.optional("whether a checkpoint follows")?;
        migrations.push(MigrationRecord {
            version,
            name,
            checksum,
            up,
            down,
            checkpoint,
        });
    }
    match fields.fields.next() {
        None => Ok(migrations),
        Some(extra) => Err(DecodeError(format!("`{extra}` after the last migration"))),
    }
}

struct Fields {
    fields: std::str::Split<'static, char>,
    texts: usize,
}

impl Fields {
    fn next(&mut self, what: &str) -> Result<&'static str, DecodeError> {
        self.fields
            .next()
            .ok_or_else(|| DecodeError(format!("it ends where {what} was expected")))
    }

    fn number(&mut self, what: &str) -> Result<usize, DecodeError> {
        let field = self.next(what)?;
        field
            .parse()
            .map_err(|_| DecodeError(format!("`{field}` where {what} was expected")))
    }

    /// `0`, or `1` and a script.
    fn optional(&mut self, what: &str) -> Result<Option<ScriptRecord<'static>>, DecodeError> {
        match self.next(what)? {
            "0" => Ok(None),
            "1" => Ok(Some(self.script()?)),
            other => Err(DecodeError(format!("`{other}` where 0 or 1 was expected"))),
        }
    }

    fn script(&mut self) -> Result<ScriptRecord<'static>, DecodeError> {
        let path = self.next("a path")?;
        let text = self.number("a text's position")?;
        if text >= self.texts {
            return Err(DecodeError(format!(
                "{path} is text {text} of a set of {} texts",
                self.texts
            )));
        }
        let transaction = match self.next("a transaction mode")? {
            "s" => Transaction::Single,
            "n" => Transaction::None,
            other => {
                return Err(DecodeError(format!(
                    "`{other}` where a transaction mode was expected"
                )))
            }
        };
        let statements = (0..self.number("the number of statements")?)
            .map(|_| Ok(self.number("a statement's start")?..self.number("a statement's end")?))
            .collect::<Result<_, DecodeError>>()?;
        let index_builds = (0..self.number("the number of index builds")?)
            .map(|_| {
                let statement = self.number("an index build's statement")?;
                let rebuild = self.next("whether an index is rebuilt")? == "1";
                let index = self.next("an index name")?;
                Ok(if rebuild {
                    IndexBuild::rebuild(statement, index)
                } else {
                    IndexBuild::new(statement, index)
                })
            })
            .collect::<Result<_, DecodeError>>()?;
        Ok(ScriptRecord {
            path,
            text,
            transaction,
            statements,
            index_builds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> Vec<MigrationRecord<'static>> {
        vec![
            MigrationRecord {
                version: Version::new(1),
                name: "users",
                checksum: "ab12",
                up: ScriptRecord {
                    path: "migrations/001_users.sql",
                    text: 0,
                    transaction: Transaction::Single,
                    statements: vec![0..40, 42..80],
                    index_builds: vec![],
                },
                down: Some(ScriptRecord {
                    path: "migrations/001_users.down.sql",
                    text: 1,
                    transaction: Transaction::Single,
                    statements: std::iter::once(0..20).collect(),
                    index_builds: vec![],
                }),
                checkpoint: Some(ScriptRecord {
                    path: "migrations/001_users.checkpoint.sql",
                    text: 3,
                    transaction: Transaction::Single,
                    statements: std::iter::once(0..30).collect(),
                    index_builds: vec![],
                }),
            },
            MigrationRecord {
                // Longer than any integer type but u128, names with spaces and quotes.
                version: "20251018143000123456789".parse().unwrap(),
                name: "index with \"quotes\" and ünïcode",
                checksum: "cd34",
                up: ScriptRecord {
                    path: "db/20251018143000123456789_index with \"quotes\" and ünïcode.sql",
                    text: 2,
                    transaction: Transaction::None,
                    statements: vec![0..60, 61..120],
                    index_builds: vec![
                        IndexBuild::new(0, "\"app\".\"users_email_idx\""),
                        IndexBuild::rebuild(1, "\"odd \"\" name\""),
                    ],
                },
                down: None,
                checkpoint: None,
            },
        ]
    }

    #[test]
    fn what_is_encoded_is_decoded() {
        let index: &'static str = encode(&set()).leak();
        assert_eq!(decode(index, 4).unwrap(), set());
        assert_eq!(decode(encode(&[]).leak(), 0).unwrap(), vec![]);
    }

    #[test]
    fn what_is_encoded_of_the_repeatables_is_decoded() {
        let repeatables = vec![
            RepeatableRecord {
                name: "views",
                checksum: "ef56",
                script: ScriptRecord {
                    path: "migrations/R__views.sql",
                    text: 3,
                    transaction: Transaction::Single,
                    statements: vec![0..30, 32..64],
                    index_builds: vec![],
                },
            },
            RepeatableRecord {
                name: "grants with spaces",
                checksum: "0789",
                script: ScriptRecord {
                    path: "migrations/R__grants with spaces.sql",
                    text: 4,
                    transaction: Transaction::Single,
                    statements: std::iter::once(0..10).collect(),
                    index_builds: vec![],
                },
            },
        ];
        let index: &'static str = encode_repeatables(&repeatables).leak();
        assert_eq!(decode_repeatables(index, 5).unwrap(), repeatables);
        assert_eq!(
            decode_repeatables(encode_repeatables(&[]).leak(), 0).unwrap(),
            vec![]
        );
        let missing = decode_repeatables(index, 4).unwrap_err().to_string();
        assert!(
            missing.contains("is text 4 of a set of 4 texts"),
            "{missing}"
        );
        let versioned = decode_repeatables(encode(&set()).leak(), 5)
            .unwrap_err()
            .to_string();
        assert!(
            versioned.contains(&format!("written as `{FORMAT}`")),
            "{versioned}"
        );
        let extra: &'static str = format!("{index}\0more").leak();
        let extra = decode_repeatables(extra, 5).unwrap_err().to_string();
        assert!(
            extra.contains("`more` after the last repeatable"),
            "{extra}"
        );
    }

    #[test]
    fn an_index_of_another_format_or_cut_short_is_refused_with_what_was_expected() {
        let other = decode("migrate-embedded-0\u{0}1", 0)
            .unwrap_err()
            .to_string();
        assert!(other.contains("written as `migrate-embedded-0`"), "{other}");
        let index = encode(&set());
        let fields: Vec<&str> = index.split('\0').collect();
        let cut: &'static str = fields[..fields.len() / 2].join("\0").leak();
        let cut = decode(cut, 4).unwrap_err().to_string();
        assert!(cut.contains("was expected"), "{cut}");
        let extra: &'static str = format!("{index}\0more").leak();
        let extra = decode(extra, 4).unwrap_err().to_string();
        assert!(extra.contains("`more` after the last migration"), "{extra}");
        let index: &'static str = index.leak();
        let missing = decode(index, 3).unwrap_err().to_string();
        assert!(
            missing.contains("is text 3 of a set of 3 texts"),
            "{missing}"
        );
    }
}
