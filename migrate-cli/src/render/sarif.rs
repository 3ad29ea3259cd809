//! `--format sarif`: the findings as a SARIF 2.1.0 log (OASIS Static Analysis Results
//! Interchange Format), the input of code-scanning services such as GitHub's `upload-sarif`.
//!
//! One run; its driver is `migrate` and lists the rules that fired (id, reason, general fix,
//! default level); each result names its rule by id and index, its level, its message with the
//! finding's own fix, and its file (a relative URI reference, or a `file://` URI for an absolute
//! path) with the line and column when the finding is about a place. Columns count Unicode
//! code points, as the checker does, which the run states (`columnKind`).

use migrate_lint::{rules, Diagnostic};
use serde::Serialize;

use super::help::with_help;

/// The `$schema` of the log: the OASIS standard's JSON schema.
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json";

/// The whole log, pretty-printed.
pub fn log(diagnostics: &[Diagnostic]) -> String {
    serde_json::to_string_pretty(&Log::new(diagnostics)).expect("a SARIF log serialises")
}

/// `sarifLog`: the root object.
#[derive(Debug, Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

/// `run`: one invocation of one tool.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<Finding>,
}

/// `tool`: the analysis tool.
#[derive(Debug, Serialize)]
struct Tool {
    driver: Driver,
}

/// `toolComponent`: `migrate` itself, with the rules its results refer to.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<RuleDescriptor>,
}

/// `reportingDescriptor`: one rule.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor {
    id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_configuration: Option<Configuration>,
}

/// `reportingConfiguration`: a rule's level when nothing overrides it.
#[derive(Debug, Serialize)]
struct Configuration {
    level: &'static str,
}

/// `message` and `multiformatMessageString`: plain text.
#[derive(Debug, Serialize)]
struct Text {
    text: String,
}

/// `result`: one finding.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Finding {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
}

/// `location`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

/// `physicalLocation`: the file, and the place in it when there is one.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

/// `artifactLocation`.
#[derive(Debug, Serialize)]
struct ArtifactLocation {
    uri: String,
}

/// `region`: 1-based line and column.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
}

impl Log {
    fn new(diagnostics: &[Diagnostic]) -> Self {
        // The rules that fired, in the registry's (docs/rules/README.md's) order.
        let order = |name: &str| rules::all().iter().position(|r| r.name == name);
        let mut fired: Vec<&'static str> = diagnostics.iter().map(|d| d.rule).collect();
        fired.sort_by_key(|name| (order(name), *name));
        fired.dedup();
        let results = diagnostics
            .iter()
            .map(|d| Finding {
                rule_id: d.rule,
                rule_index: fired
                    .iter()
                    .position(|name| *name == d.rule)
                    .expect("every rule that fired is listed"),
                level: d.severity.as_str(),
                message: Text { text: with_help(d) },
                locations: [Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation { uri: uri(&d.path) },
                        region: d.position.map(|p| Region {
                            start_line: p.line,
                            start_column: p.column,
                        }),
                    },
                }],
            })
            .collect();
        let repository = env!("CARGO_PKG_REPOSITORY");
        Log {
            schema: SCHEMA,
            version: "2.1.0",
            runs: [Run {
                tool: Tool {
                    driver: Driver {
                        name: "migrate",
                        version: env!("CARGO_PKG_VERSION"),
                        information_uri: (!repository.is_empty()).then_some(repository),
                        rules: fired.into_iter().map(descriptor).collect(),
                    },
                },
                column_kind: "unicodeCodePoints",
                results,
            }],
        }
    }
}

/// The rule's entry: its reason, its general fix and its level, from the registry.
fn descriptor(name: &'static str) -> RuleDescriptor {
    let rule = rules::find(name);
    RuleDescriptor {
        id: name,
        short_description: rule.map(|r| Text {
            text: r.reason.to_owned(),
        }),
        help: rule.map(|r| Text {
            text: r.help.to_owned(),
        }),
        default_configuration: rule.map(|r| Configuration {
            level: r.severity.as_str(),
        }),
    }
}

/// A file path as a URI reference: percent-encoded (every byte but RFC 3986's unreserved
/// characters and `/`), relative as given, or a `file://` URI when absolute.
fn uri(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    if path.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("migrations/001_a.sql"), "migrations/001_a.sql");
        assert_eq!(
            uri("/tmp/my dir/50%: é/001_a.sql"),
            "file:///tmp/my%20dir/50%25%3A%20%C3%A9/001_a.sql"
        );
    }
}
