//! `checkpoint`: found by the folder stage (`check`), which reports it with this rule: a
//! checkpoint (`{V}_{name}.checkpoint.sql`) without its versioned file, without the header
//! `migrate squash` writes, stale (a file it stands for changed since), or not runnable in one
//! transaction.

use crate::diagnostic::Severity;
use crate::rule::{Check, Examples, Family, Rule};

pub(crate) static RULE: Rule = Rule {
    name: "checkpoint",
    family: Family::Files,
    severity: Severity::Error,
    reason: "a checkpoint is what a fresh database runs instead of the migrations up to its \
             version: it must stand for exactly those files as they are now, next to the \
             versioned file of its version, and run in one transaction with their history rows",
    help: "write it again with `migrate squash --until V` (V its version) after changing a file \
           it stands for; name it after a versioned file (`003_add_users.sql` -> \
           `003_add_users.checkpoint.sql`), or delete it",
    allowable: false,
    autofix: None,
    examples: Examples::NotShown(
        "a checkpoint's header records the combined checksum of the files it stands for, which \
         `migrate squash --until V` computes: a page cannot show a valid one that stays valid. \
         The guide's chapter on checkpoints (docs/guide/checkpoints.md) walks through one, \
         stale and squashed again.",
    ),
    check: Check::Stage,
};
