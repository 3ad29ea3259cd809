//! `exclusion-constraint`: `ALTER TABLE ... ADD CONSTRAINT ... EXCLUDE` on an existing table
//! builds the constraint's index while holding an `ACCESS EXCLUSIVE` lock on the table (checked
//! with `pg_locks` in `tests/tests/rewrites.rs`): every read and write waits until the index is
//! built. Unlike `UNIQUE` (`unique-without-index`), an exclusion constraint has no form that
//! builds its index first (`CONCURRENTLY`) and attaches it after (`USING INDEX`). A table
//! created earlier in the same file is empty and not reported.

use pg_query::protobuf::{AlterTableType, ConstrType};

use crate::diagnostic::{Hit, Severity};
use crate::objects::{cmd_constraint, display_relation};
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};

pub(crate) static RULE: Rule = Rule {
    name: "exclusion-constraint",
    family: Family::LockHazards,
    severity: Severity::Warning,
    reason: "`ADD CONSTRAINT ... EXCLUDE` on an existing table builds its index under an \
             `ACCESS EXCLUSIVE` lock that blocks reads and writes, and has no concurrent form",
    help: "declare the constraint when the table is created, or add it while the table is \
           small; allow it with a reason once its size is checked",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[(
            "001_bookings.sql",
            "CREATE TABLE IF NOT EXISTS bookings (
    id bigint PRIMARY KEY,
    room int NOT NULL,
    during tsrange NOT NULL
);
",
        )],
        bad: (
            "002_no_double_booking.sql",
            "ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_no_overlap;
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
    EXCLUDE USING gist (during WITH &&);
",
        ),
        good: (
            "002_no_double_booking.sql",
            "ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_no_overlap;
-- migrate:allow(exclusion-constraint) bookings holds a few thousand rows
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
    EXCLUDE USING gist (during WITH &&);
",
        ),
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    ctx.existing_table_cmds()
        .filter(|(_, cmd, _)| cmd.subtype() == AlterTableType::AtAddConstraint)
        .filter_map(|(relation, cmd, _)| {
            let c = cmd_constraint(cmd)?;
            if c.contype() != ConstrType::ConstrExclusion {
                return None;
            }
            let table = display_relation(Some(relation));
            let name = if c.conname.is_empty() {
                String::new()
            } else {
                format!(" {}", ident(&c.conname))
            };
            Some(
                Hit::new(
                    ctx.at(c.location),
                    format!(
                        "`ADD CONSTRAINT{name} EXCLUDE` builds its index on `{table}` under an \
                         `ACCESS EXCLUSIVE` lock: reads and writes wait until it is built"
                    ),
                )
                .help(format!(
                    "no form builds an exclusion constraint's index without this lock: allow \
                     it with a reason once `{table}` is known to be small"
                )),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{findings, fires, passes};

    #[test]
    fn fires_on_exclusion_constraints_of_existing_tables() {
        fires(
            &RULE,
            "ALTER TABLE bookings ADD EXCLUDE USING gist (room WITH =, during WITH &&);",
        );
        assert_eq!(
            findings(
                &RULE,
                "ALTER TABLE app.bookings\n  ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&);"
            ),
            [(
                2,
                7,
                "`ADD CONSTRAINT no_overlap EXCLUDE` builds its index on `app.bookings` under an \
                 `ACCESS EXCLUSIVE` lock: reads and writes wait until it is built"
                    .to_owned()
            )]
        );
    }

    #[test]
    fn passes_new_tables_other_constraints_and_allowed() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS b (during tsrange, EXCLUDE USING gist (during WITH &&));",
            "CREATE TABLE IF NOT EXISTS b (during tsrange);\n\
             ALTER TABLE b ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&);",
            "ALTER TABLE b ADD CONSTRAINT c CHECK (room > 0) NOT VALID;",
            "-- migrate:allow(exclusion-constraint) small table\n\
             ALTER TABLE b ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&);",
        ] {
            passes(&RULE, sql);
        }
    }
}
