//! Never a panic: the checker runs inside the proc macro, where a panic is an unreadable compile
//! error. This property test mutates the real migration files of `tests/corpus` (deletes,
//! inserts and duplicates byte ranges; inserts multibyte characters, quotes, dollar quotes,
//! backslashes, comments, directives) and checks every mutant through the public entry point,
//! [`check_entries`], asserting that it returns.
//!
//! Deterministic: a fixed seed and a fixed number of mutants, sized to run in seconds in a debug
//! build. A longer run for a bounded time, e.g. in CI or before a release:
//!
//! ```sh
//! MIGRATE_LINT_MUTANTS=200000 MIGRATE_LINT_SEED=7 cargo test --release -p migrate-lint --test mutations
//! ```
//!
//! Every panic is printed with its mutant as a Rust string literal; each becomes its own unit
//! test beside the code that panicked.

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use migrate_lint::check_entries;
use migrate_lint::discover::{Entry, EntryKind};

/// Mutants checked by default: enough to cover every corpus file several times, few enough for
/// about ten seconds in a debug build (the first crash, `\i 😀` + `D$1`, came at mutant 4,183).
const DEFAULT_MUTANTS: u64 = 10_000;

/// Text a mutation inserts: characters and fragments that move the scanner between its states
/// (strings, identifiers, dollar quotes, comments, psql lines), multibyte characters of every
/// UTF-8 length, and the directives and transaction words the checker reads itself.
const FRAGMENTS: &[&str] = &[
    "😀",
    "é",
    "中",
    "\u{feff}",
    "\u{2028}",
    "'",
    "''",
    "\"",
    "E'\\'",
    "U&\"\\",
    "U&'d\\0061t\\+000061'",
    "$$",
    "$1",
    "$a$",
    "$😀$",
    "\\",
    "\\i 😀\n",
    "\n\\.\n",
    "\n\\set x 1\n",
    "--",
    "-- 😀\n",
    "/*",
    "*/",
    "/* /* */",
    ";",
    "\n",
    "\r\n",
    "\t",
    "(",
    ")",
    ",",
    "-- migrate:no-transaction\n",
    "-- migrate:allow(drop-table) 😀\n",
    "-- migrate:allow-file(\n",
    "-- migrate:",
    "BEGIN;",
    "COMMIT;",
    "ROLLBACK;",
    "DO $$ BEGIN ",
    " END $$;",
    "DO $$ BEGIN IF true THEN EXECUTE 'DROP TABLE x CASCADE'; COMMIT; END IF; END $$;",
    "DO $b$\nBEGIN\n  EXECUTE $q$DO $$ BEGIN ROLLBACK; END $$ $q$;\nEND $b$;",
    "EXECUTE '",
    "ALTER TYPE mood ADD VALUE 'sad';",
    "'sad'::mood",
    "CREATE INDEX CONCURRENTLY ON t (a);",
    "DROP TABLE ",
    " CASCADE",
    "IF NOT EXISTS ",
    "IF EXISTS ",
    "\"Mixed\"",
    "\"a\"\"b\"",
    "COPY t FROM stdin;\n",
    "INSERT INTO schema_migrations VALUES (1);",
];

/// A small deterministic generator (SplitMix64): no dependency, same mutants on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} must be a number, not {v:?}"))
        })
        .unwrap_or(default)
}

/// Every `.sql` file below the corpora's `migrations` folders, sorted (the seed then picks the
/// same files everywhere).
fn corpus_files() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus");
    let mut paths = Vec::new();
    for corpus in fs::read_dir(&root).expect("tests/corpus is part of the repository") {
        collect_sql(&corpus.unwrap().path().join("migrations"), &mut paths);
    }
    paths.sort();
    assert!(
        paths.len() > 100,
        "the corpus is missing: {}",
        root.display()
    );
    paths.iter().map(|p| fs::read(p).unwrap()).collect()
}

fn collect_sql(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_sql(&path, into);
        } else if path.extension().is_some_and(|e| e == "sql") {
            into.push(path);
        }
    }
}

/// A byte offset in `text`; on a character boundary unless `raw` (which may split a UTF-8
/// sequence, for the not-UTF-8 path).
fn offset(rng: &mut Rng, text: &[u8], raw: bool) -> usize {
    let mut at = rng.below(text.len() + 1);
    if !raw {
        while at < text.len() && (text[at] & 0xc0) == 0x80 {
            at += 1;
        }
    }
    at
}

/// A short range of `text` (up to 64 bytes, on character boundaries unless `raw`).
fn range(rng: &mut Rng, text: &[u8], raw: bool) -> std::ops::Range<usize> {
    let start = offset(rng, text, raw);
    let mut end = (start + rng.below(65)).min(text.len());
    if !raw {
        while end < text.len() && (text[end] & 0xc0) == 0x80 {
            end += 1;
        }
    }
    start..end
}

/// Applies one to four mutations to `text`; `donor` is another corpus file to splice from.
fn mutate(rng: &mut Rng, mut text: Vec<u8>, donor: &[u8]) -> Vec<u8> {
    for _ in 0..1 + rng.below(4) {
        // One mutation in sixteen works on raw bytes.
        let raw = rng.below(16) == 0;
        match rng.below(5) {
            0 => {
                let r = range(rng, &text, raw);
                text.drain(r);
            }
            1 | 2 => {
                let fragment = FRAGMENTS[rng.below(FRAGMENTS.len())].as_bytes();
                let at = offset(rng, &text, raw);
                text.splice(at..at, fragment.iter().copied());
            }
            3 => {
                let r = range(rng, &text, raw);
                let copy = text[r].to_vec();
                let at = offset(rng, &text, raw);
                text.splice(at..at, copy);
            }
            _ => {
                let r = range(rng, donor, raw);
                let at = offset(rng, &text, raw);
                text.splice(at..at, donor[r].iter().copied());
            }
        }
    }
    text
}

/// Checks one mutant as the up file of a one-migration folder and, once in four, as a down
/// file beside an up file, so both kinds of script are exercised. `Err` holds the panic message.
fn check(rng: &mut Rng, mutant: &[u8]) -> Result<(), String> {
    let entry = |name: &str, bytes: &[u8]| Entry {
        name: name.to_owned(),
        path: PathBuf::from("/mutants").join(name),
        kind: EntryKind::File(Ok(bytes.to_vec())),
    };
    let entries = if rng.below(4) == 0 {
        vec![
            entry("001_up.sql", b"SELECT 1;"),
            entry("001_up.down.sql", mutant),
        ]
    } else {
        vec![entry("001_m.sql", mutant)]
    };
    catch_unwind(AssertUnwindSafe(|| check_entries("migrations", entries))).map_or_else(
        |panic| {
            Err(panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default())
        },
        |_| Ok(()),
    )
}

#[test]
fn no_mutant_of_a_real_migration_makes_the_checker_panic() {
    let files = corpus_files();
    let mutants = env_number("MIGRATE_LINT_MUTANTS", DEFAULT_MUTANTS);
    let seed = env_number("MIGRATE_LINT_SEED", 0x006d_6967_7261_7465);
    let mut rng = Rng(seed);
    let mut crashes = Vec::new();
    for n in 0..mutants {
        let original = &files[rng.below(files.len())];
        let donor = &files[rng.below(files.len())];
        let mutant = mutate(&mut rng, original.clone(), donor);
        if let Err(message) = check(&mut rng, &mutant) {
            let literal = match std::str::from_utf8(&mutant) {
                Ok(text) => format!("{text:?}"),
                Err(_) => format!("b\"{}\"", mutant.escape_ascii()),
            };
            crashes.push(format!(
                "mutant {n} (seed {seed}): {message}\n    {literal}"
            ));
        }
    }
    assert!(
        crashes.is_empty(),
        "{} of {mutants} mutants made the checker panic; make each a unit test:\n{}",
        crashes.len(),
        crashes.join("\n")
    );
}
