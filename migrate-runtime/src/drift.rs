//! Drift, decided: two catalog [`Snapshot`]s in (what the applied migrations build, what the
//! live database holds), the [`Difference`]s out, minus what [`Ignore`] patterns leave out.
//! Pure: the catalog reading is `crate::catalog`, the throwaway database `template::drift`.

use std::collections::BTreeMap;
use std::fmt;

use migrate_core::Version;

/// What kind of database object drift compares ([`ObjectId::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    /// An extension (`CREATE EXTENSION`): its version and schema.
    Extension,
    /// A schema.
    Schema,
    /// A table: partitioning, persistence, row level security.
    Table,
    /// A table's column: type, collation, nullability, default, generated expression, identity.
    Column,
    /// A table's constraint, as `pg_get_constraintdef` writes it.
    Constraint,
    /// An index, as `pg_get_indexdef` writes it, and whether it is valid.
    Index,
    /// A view, as `pg_get_viewdef` writes it.
    View,
    /// A materialized view, as `pg_get_viewdef` writes it.
    MaterializedView,
    /// A sequence: type, start, increment, bounds, cache, cycle.
    Sequence,
    /// A function or a procedure, as `pg_get_functiondef` writes it, named with its argument
    /// types.
    Function,
    /// A trigger, as `pg_get_triggerdef` writes it.
    Trigger,
    /// An enum type: its values in order.
    Enum,
    /// A domain: its base type, default, nullability and constraints.
    Domain,
    /// A row level security policy.
    Policy,
}

impl ObjectKind {
    /// Every kind, in the order a report lists them.
    pub const ALL: [ObjectKind; 14] = [
        ObjectKind::Extension,
        ObjectKind::Schema,
        ObjectKind::Table,
        ObjectKind::Column,
        ObjectKind::Constraint,
        ObjectKind::Index,
        ObjectKind::View,
        ObjectKind::MaterializedView,
        ObjectKind::Sequence,
        ObjectKind::Function,
        ObjectKind::Trigger,
        ObjectKind::Enum,
        ObjectKind::Domain,
        ObjectKind::Policy,
    ];

    /// The kind as reports, JSON and `[drift] ignore` patterns write it (`materialized view`
    /// in reports, `materialized_view` in patterns and JSON).
    pub const fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Extension => "extension",
            ObjectKind::Schema => "schema",
            ObjectKind::Table => "table",
            ObjectKind::Column => "column",
            ObjectKind::Constraint => "constraint",
            ObjectKind::Index => "index",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized_view",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Function => "function",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Enum => "enum",
            ObjectKind::Domain => "domain",
            ObjectKind::Policy => "policy",
        }
    }

    /// The kind named `text` ([`ObjectKind::as_str`]).
    pub fn parse(text: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

/// One object of a snapshot: its kind and its name (`schema.table`, `schema.table.column`,
/// `schema.function(integer, text)`, an extension's bare name), and the table it belongs to
/// (a column's, a constraint's, an index's, a trigger's, a policy's), which ignore patterns
/// match too.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId {
    /// The kind.
    pub kind: ObjectKind,
    /// The name, schema-qualified (but for extensions and schemas).
    pub name: String,
    /// The table it belongs to, schema-qualified, when it belongs to one.
    pub table: Option<String>,
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.name)
    }
}

/// The objects of one database (or one tenant schema), each with its definition as the
/// server writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Snapshot {
    objects: BTreeMap<ObjectId, String>,
}

impl Snapshot {
    /// Adds an object (a second one with the same id replaces the first).
    pub(crate) fn insert(&mut self, id: ObjectId, definition: String) {
        self.objects.insert(id, definition);
    }
}

/// One object that differs between the schema the applied migrations build (expected) and
/// the live database (actual).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// The migrations build it; the live database does not have it (dropped by hand).
    Missing {
        /// The object.
        object: ObjectId,
        /// Its definition as the migrations build it.
        expected: String,
    },
    /// The live database has it; the migrations do not build it (created by hand).
    Extra {
        /// The object.
        object: ObjectId,
        /// Its definition in the live database.
        actual: String,
    },
    /// Both have it, with other definitions (altered by hand).
    Changed {
        /// The object.
        object: ObjectId,
        /// Its definition as the migrations build it.
        expected: String,
        /// Its definition in the live database.
        actual: String,
    },
}

impl Difference {
    /// The object that differs.
    pub fn object(&self) -> &ObjectId {
        match self {
            Difference::Missing { object, .. }
            | Difference::Extra { object, .. }
            | Difference::Changed { object, .. } => object,
        }
    }

    /// `missing`, `extra` or `changed`.
    pub fn change(&self) -> &'static str {
        match self {
            Difference::Missing { .. } => "missing",
            Difference::Extra { .. } => "extra",
            Difference::Changed { .. } => "changed",
        }
    }

    /// The definition the migrations build, unless the object is extra.
    pub fn expected(&self) -> Option<&str> {
        match self {
            Difference::Missing { expected, .. } | Difference::Changed { expected, .. } => {
                Some(expected)
            }
            Difference::Extra { .. } => None,
        }
    }

    /// The definition in the live database, unless the object is missing.
    pub fn actual(&self) -> Option<&str> {
        match self {
            Difference::Extra { actual, .. } | Difference::Changed { actual, .. } => Some(actual),
            Difference::Missing { .. } => None,
        }
    }
}

impl fmt::Display for Difference {
    /// `changed column public.users.email`, then the expected and the actual definitions, each
    /// on lines of their own.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.change(), self.object())?;
        let indent = |text: &str| text.trim_end().replace('\n', "\n      ");
        if let Some(expected) = self.expected() {
            write!(f, "\n  expected (the migrations): {}", indent(expected))?;
        }
        if let Some(actual) = self.actual() {
            write!(f, "\n  actual (the database):     {}", indent(actual))?;
        }
        Ok(())
    }
}

/// What [`Runner::drift`](crate::Runner::drift) found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The versions the live history says are applied, in the order they were applied: the
    /// migrations the throwaway database ran.
    pub applied: Vec<Version>,
    /// How many objects the comparison saw (expected and actual, ignored ones left out).
    pub compared: usize,
    /// The differences, by kind then name; empty when the database is what its migrations
    /// build.
    pub differences: Vec<Difference>,
}

impl Drift {
    /// Whether the live database differs from what its applied migrations build.
    pub fn drifted(&self) -> bool {
        !self.differences.is_empty()
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.drifted() {
            return write!(
                f,
                "no drift: the {} object(s) of the database are what its {} applied migration(s) build",
                self.compared,
                self.applied.len()
            );
        }
        write!(
            f,
            "drift: {} object(s) differ from what the {} applied migration(s) build",
            self.differences.len(),
            self.applied.len()
        )?;
        for difference in &self.differences {
            write!(f, "\n{difference}")?;
        }
        Ok(())
    }
}

/// The objects drift leaves out (`[drift] ignore` in `migrate.toml`, [`Runner::drift_ignore`]):
/// each pattern is `[kind:]name`, where `name` is an object's name or the table it belongs to,
/// and a `*` at its end matches any rest. `public.spatial_ref_sys` (a table, its columns,
/// constraints, indexes, triggers and policies), `extension:postgis`, `function:audit.*`,
/// `partman.*`.
///
/// [`Runner::drift_ignore`]: crate::Runner::drift_ignore
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ignore {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    kind: Option<ObjectKind>,
    name: String,
    prefix: bool,
}

impl Pattern {
    fn matches(&self, id: &ObjectId) -> bool {
        if self.kind.is_some_and(|kind| kind != id.kind) {
            return false;
        }
        let matches = |name: &str| {
            if self.prefix {
                name.starts_with(&self.name)
            } else {
                name == self.name
            }
        };
        matches(&id.name) || id.table.as_deref().is_some_and(matches)
    }
}

impl Ignore {
    /// Reads the patterns; an unknown kind before a `:` is an error naming it and the kinds.
    pub fn new<S: AsRef<str>>(patterns: impl IntoIterator<Item = S>) -> Result<Self, String> {
        let patterns = patterns
            .into_iter()
            .map(|pattern| parse_one(pattern.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(Self { patterns })
    }

    /// The same patterns and an exact one for `name` (any kind).
    pub(crate) fn with_name(mut self, name: String) -> Self {
        self.patterns.push(Pattern {
            kind: None,
            name,
            prefix: false,
        });
        self
    }

    /// Whether a pattern leaves `id` out.
    pub fn ignores(&self, id: &ObjectId) -> bool {
        self.patterns.iter().any(|p| p.matches(id))
    }
}

/// One `[kind:]name[*]` pattern.
fn parse_one(text: &str) -> Result<Pattern, String> {
    let (kind, rest) = match text.split_once(':') {
        Some((kind, rest)) => match ObjectKind::parse(kind) {
            Some(kind) => (Some(kind), rest),
            None => {
                let kinds: Vec<&str> = ObjectKind::ALL.iter().map(|k| k.as_str()).collect();
                return Err(format!(
                    "`{text}`: `{kind}` is not a kind of object; write `name`, `schema.name` or \
                     `kind:name` with kind one of {}",
                    kinds.join(", ")
                ));
            }
        },
        None => (None, text),
    };
    let (name, prefix) = match rest.strip_suffix('*') {
        Some(name) => (name, true),
        None => (rest, false),
    };
    if name.is_empty() && !prefix {
        return Err(format!(
            "`{text}`: the pattern names no object; write `schema.table`, `extension:postgis` or \
             `schema.*`"
        ));
    }
    Ok(Pattern {
        kind,
        name: name.to_owned(),
        prefix,
    })
}

/// The differences between `expected` (what the migrations build) and `actual` (the live
/// database), leaving out what `ignore` matches, by kind then name; and how many objects were
/// compared.
pub fn compare(
    expected: &Snapshot,
    actual: &Snapshot,
    ignore: &Ignore,
) -> (usize, Vec<Difference>) {
    let kept = |snapshot: &Snapshot| -> BTreeMap<ObjectId, String> {
        snapshot
            .objects
            .iter()
            .filter(|(id, _)| !ignore.ignores(id))
            .map(|(id, d)| (id.clone(), d.clone()))
            .collect()
    };
    let (mut expected, actual) = (kept(expected), kept(actual));
    let mut compared = expected.len();
    let mut differences = Vec::new();
    for (object, actual) in actual {
        match expected.remove(&object) {
            Some(expected) if expected == actual => {}
            Some(expected) => differences.push(Difference::Changed {
                object,
                expected,
                actual,
            }),
            None => {
                compared += 1;
                differences.push(Difference::Extra { object, actual });
            }
        }
    }
    differences.extend(
        expected
            .into_iter()
            .map(|(object, expected)| Difference::Missing { object, expected }),
    );
    differences.sort_by(|a, b| a.object().cmp(b.object()));
    (compared, differences)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(kind: ObjectKind, name: &str, table: Option<&str>) -> ObjectId {
        ObjectId {
            kind,
            name: name.to_owned(),
            table: table.map(str::to_owned),
        }
    }

    fn snapshot(objects: &[(ObjectId, &str)]) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for (id, definition) in objects {
            snapshot.insert(id.clone(), (*definition).to_owned());
        }
        snapshot
    }

    #[test]
    fn missing_extra_and_changed_objects_with_both_definitions() {
        let users = id(ObjectKind::Table, "public.users", None);
        let email = id(
            ObjectKind::Column,
            "public.users.email",
            Some("public.users"),
        );
        let index = id(
            ObjectKind::Index,
            "public.users_email_idx",
            Some("public.users"),
        );
        let audit = id(ObjectKind::Table, "public.audit", None);
        let expected = snapshot(&[
            (users.clone(), "TABLE"),
            (email.clone(), "text NOT NULL"),
            (index.clone(), "CREATE INDEX ..."),
        ]);
        let actual = snapshot(&[
            (users, "TABLE"),
            (email.clone(), "character varying(100) NOT NULL"),
            (audit.clone(), "TABLE"),
        ]);
        let (compared, differences) = compare(&expected, &actual, &Ignore::default());
        assert_eq!(compared, 4);
        assert_eq!(
            differences,
            [
                Difference::Extra {
                    object: audit,
                    actual: "TABLE".into()
                },
                Difference::Changed {
                    object: email,
                    expected: "text NOT NULL".into(),
                    actual: "character varying(100) NOT NULL".into()
                },
                Difference::Missing {
                    object: index,
                    expected: "CREATE INDEX ...".into()
                },
            ]
        );
        assert_eq!(
            differences[1].to_string(),
            "changed column public.users.email\n  expected (the migrations): text NOT NULL\n  \
             actual (the database):     character varying(100) NOT NULL"
        );
        assert_eq!(
            compare(&expected, &expected, &Ignore::default()),
            (3, vec![])
        );
    }

    #[test]
    fn patterns_match_a_name_or_its_table_by_kind_and_prefix() {
        let ignore =
            Ignore::new(["public.spatial_ref_sys", "extension:postgis", "partman.*"]).unwrap();
        let ignored = [
            id(ObjectKind::Table, "public.spatial_ref_sys", None),
            id(
                ObjectKind::Index,
                "public.spatial_ref_sys_pkey",
                Some("public.spatial_ref_sys"),
            ),
            id(ObjectKind::Extension, "postgis", None),
            id(ObjectKind::Function, "partman.run()", None),
        ];
        for object in &ignored {
            assert!(ignore.ignores(object), "{object}");
        }
        let kept = [
            id(ObjectKind::Table, "public.spatial_ref_sys_2", None),
            id(ObjectKind::Schema, "postgis", None),
            id(ObjectKind::Schema, "partman", None),
        ];
        for object in &kept {
            assert!(!ignore.ignores(object), "{object}");
        }
        assert_eq!(
            Ignore::new(["tabel:users"]).unwrap_err(),
            "`tabel:users`: `tabel` is not a kind of object; write `name`, `schema.name` or \
             `kind:name` with kind one of extension, schema, table, column, constraint, index, \
             view, materialized_view, sequence, function, trigger, enum, domain, policy"
        );
        assert!(Ignore::new(["table:"]).is_err());
        for kind in ObjectKind::ALL {
            assert_eq!(ObjectKind::parse(kind.as_str()), Some(kind));
        }
    }
}
