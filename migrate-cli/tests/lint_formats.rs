//! `migrate lint --format github` and `--format sarif`: the exact output of the real binary for
//! a folder with an error and a warning, and the SARIF log checked against what the SARIF 2.1.0
//! schema requires.

mod common;

use common::{good_folder, migrate_in, Folder};
use serde_json::{json, Map, Value};

/// The folder's name has the characters a workflow command's property must escape (`:`, `,`
/// and `%`) and a space, which a URI must encode.
const DIR: &str = "db: 50%, v2";

/// A folder with an error (a `CREATE TABLE` without `IF NOT EXISTS`) and a warning (a
/// `SET NOT NULL` on an existing table).
fn error_and_warning() -> Folder {
    Folder::named(
        DIR,
        &[
            (
                "001_users.sql",
                "-- users\nCREATE TABLE users (id bigint);\n",
            ),
            (
                "002_not_null.sql",
                "ALTER TABLE users ALTER COLUMN id SET NOT NULL;\n",
            ),
        ],
    )
}

const ERROR_MESSAGE: &str =
    "`CREATE TABLE users` without `IF NOT EXISTS` fails when it already exists";
const ERROR_HELP: &str = "write `CREATE TABLE IF NOT EXISTS users`";
const WARNING_MESSAGE: &str =
    "`ALTER COLUMN id SET NOT NULL` scans all of `users` under an `ACCESS EXCLUSIVE` lock";
const WARNING_HELP: &str = "write `ALTER TABLE users ADD CONSTRAINT users_id_not_null CHECK (id \
     IS NOT NULL) NOT VALID`; in a later migration `ALTER TABLE users VALIDATE CONSTRAINT \
     users_id_not_null`, then `ALTER TABLE users ALTER COLUMN id SET NOT NULL` (it uses the \
     valid check instead of a scan) and `DROP CONSTRAINT IF EXISTS users_id_not_null`";

#[test]
fn github_prints_one_escaped_workflow_command_per_finding_then_the_summary() {
    let folder = error_and_warning();
    let run = migrate_in(folder.root(), &["lint", "--dir", DIR, "--format", "github"]).expect(1);
    let expected = format!(
        "::error file=db%3A 50%25%2C v2/001_users.sql,line=2,col=1,title=missing-if-not-exists::\
         missing-if-not-exists: {ERROR_MESSAGE}%0Ahelp: {ERROR_HELP}\n\
         ::warning file=db%3A 50%25%2C v2/002_not_null.sql,line=1,col=19,title=set-not-null::\
         set-not-null: {WARNING_MESSAGE}%0Ahelp: {WARNING_HELP}\n\
         error: db: 50%, v2 has 1 error and 1 warning; nothing can be applied until the errors \
         are fixed\n"
    );
    assert_eq!(run.stdout, expected, "{run}");
    assert_eq!(run.stderr, "", "{run}");

    // A clean folder: no command, the summary only, exit 0.
    let good = good_folder();
    let run = migrate_in(good.root(), &["lint", "--format", "github"]).expect(0);
    assert_eq!(
        run.stdout, "migrations: 3 migrations checked, no findings\n",
        "{run}"
    );
}

#[test]
fn github_ends_with_the_legacy_note_as_the_human_format_does() {
    let folder = Folder::with(&[
        ("migrate.toml", "legacy_until = 1\n"),
        ("001_users.sql", "CREATE TABLE users (id bigint);\n"),
        (
            "002_not_null.sql",
            "ALTER TABLE users ALTER COLUMN id SET NOT NULL;\n",
        ),
    ]);
    let run = migrate_in(folder.root(), &["lint", "--format", "github"]).expect(0);
    let expected = format!(
        "::warning file=migrations/002_not_null.sql,line=1,col=19,title=set-not-null::\
         set-not-null: {WARNING_MESSAGE}%0Ahelp: {WARNING_HELP}\n\
         migrations: 2 migrations checked, 1 warning\n\
         note: 1 finding(s) in 1 legacy file(s) not shown (`legacy_until = 1` in migrate.toml: \
         history already applied)\n"
    );
    assert_eq!(run.stdout, expected, "{run}");
}

#[test]
fn sarif_is_the_exact_log_with_the_rules_that_fired() {
    let folder = error_and_warning();
    let run = migrate_in(folder.root(), &["lint", "--dir", DIR, "--format", "sarif"]).expect(1);
    let log: Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    let mut driver = json!({
        "name": "migrate",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": [
            {
                "id": "missing-if-not-exists",
                "shortDescription": {
                    "text": "`CREATE TABLE/INDEX/SCHEMA/SEQUENCE/EXTENSION/MATERIALIZED \
                             VIEW/FOREIGN TABLE/SERVER`, `ADD COLUMN` and `ADD VALUE` without \
                             `IF NOT EXISTS` fail when the object already exists"
                },
                "help": { "text": "add `IF NOT EXISTS`" },
                "defaultConfiguration": { "level": "error" }
            },
            {
                "id": "set-not-null",
                "shortDescription": {
                    "text": "`SET NOT NULL` on an existing table scans all its rows under an \
                             `ACCESS EXCLUSIVE` lock that blocks reads and writes"
                },
                "help": {
                    "text": "add a `CHECK (col IS NOT NULL) NOT VALID` constraint, \
                             `VALIDATE CONSTRAINT` it in a later migration, then `SET NOT NULL` \
                             (no scan) and drop the check"
                },
                "defaultConfiguration": { "level": "warning" }
            }
        ]
    });
    let repository = env!("CARGO_PKG_REPOSITORY");
    if !repository.is_empty() {
        driver["informationUri"] = json!(repository);
    }
    let expected = json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            "columnKind": "unicodeCodePoints",
            "results": [
                {
                    "ruleId": "missing-if-not-exists",
                    "ruleIndex": 0,
                    "level": "error",
                    "message": { "text": format!("{ERROR_MESSAGE}\nhelp: {ERROR_HELP}") },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": "db%3A%2050%25%2C%20v2/001_users.sql" },
                            "region": { "startLine": 2, "startColumn": 1 }
                        }
                    }]
                },
                {
                    "ruleId": "set-not-null",
                    "ruleIndex": 1,
                    "level": "warning",
                    "message": { "text": format!("{WARNING_MESSAGE}\nhelp: {WARNING_HELP}") },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": "db%3A%2050%25%2C%20v2/002_not_null.sql" },
                            "region": { "startLine": 1, "startColumn": 19 }
                        }
                    }]
                }
            ]
        }]
    });
    assert_eq!(
        log,
        expected,
        "{}",
        serde_json::to_string_pretty(&log).unwrap()
    );
    assert_eq!(run.stderr, "", "{run}");
}

#[test]
fn sarif_logs_have_what_the_sarif_2_1_0_schema_requires() {
    let clean = good_folder();
    let whole_file = Folder::with(&[("users.sql", "SELECT 1;\n")]);
    let cases = [
        (error_and_warning(), DIR, 1, 2),
        (clean, "migrations", 0, 0),
        (whole_file, "migrations", 1, 1),
    ];
    for (folder, dir, code, results) in &cases {
        let run =
            migrate_in(folder.root(), &["lint", "--dir", dir, "--format", "sarif"]).expect(*code);
        let log: Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
        check_sarif_log(&log);
        assert_eq!(
            log["runs"][0]["results"].as_array().map(Vec::len),
            Some(*results),
            "{run}"
        );
    }
}

/// Checks a log against the SARIF 2.1.0 schema (OASIS, `sarif-schema-2.1.0.json`), for the
/// objects `migrate` writes: each object's required properties, no property the schema does
/// not define there (its objects have `additionalProperties: false`), the enumerations, the
/// minimums, and that each result's `ruleIndex` points at its `ruleId`.
fn check_sarif_log(log: &Value) {
    let root = object(
        log,
        "sarifLog",
        &["version", "runs"],
        &[
            "$schema",
            "version",
            "runs",
            "inlineExternalProperties",
            "properties",
        ],
    );
    assert_eq!(root["version"], "2.1.0", "sarifLog.version");
    if let Some(schema) = root.get("$schema") {
        assert!(schema.as_str().is_some_and(is_absolute_uri), "$schema");
    }
    for run in array(&root["runs"], "runs") {
        check_run(run);
    }
}

fn check_run(run: &Value) {
    let run = object(
        run,
        "run",
        &["tool"],
        &[
            "tool",
            "invocations",
            "conversion",
            "language",
            "versionControlProvenance",
            "originalUriBaseIds",
            "artifacts",
            "logicalLocations",
            "graphs",
            "results",
            "automationDetails",
            "runAggregates",
            "baselineGuid",
            "redactionTokens",
            "defaultEncoding",
            "defaultSourceLanguage",
            "newlineSequences",
            "columnKind",
            "externalPropertyFileReferences",
            "threadFlowLocations",
            "taxonomies",
            "addresses",
            "translations",
            "policies",
            "webRequests",
            "webResponses",
            "specialLocations",
            "properties",
        ],
    );
    if let Some(kind) = run.get("columnKind") {
        one_of(
            kind,
            &["utf16CodeUnits", "unicodeCodePoints"],
            "run.columnKind",
        );
    }
    let tool = object(
        &run["tool"],
        "tool",
        &["driver"],
        &["driver", "extensions", "properties"],
    );
    let driver = object(
        &tool["driver"],
        "toolComponent",
        &["name"],
        &[
            "guid",
            "name",
            "organization",
            "product",
            "productSuite",
            "shortDescription",
            "fullDescription",
            "fullName",
            "version",
            "semanticVersion",
            "dottedQuadFileVersion",
            "releaseDateUtc",
            "downloadUri",
            "informationUri",
            "globalMessageStrings",
            "notifications",
            "rules",
            "taxa",
            "locations",
            "language",
            "contents",
            "isComprehensive",
            "localizedDataSemanticVersion",
            "minimumRequiredLocalizedDataSemanticVersion",
            "associatedComponent",
            "translationMetadata",
            "supportedTaxonomies",
            "properties",
        ],
    );
    assert!(driver["name"].is_string(), "toolComponent.name");
    if let Some(uri) = driver.get("informationUri") {
        assert!(uri.as_str().is_some_and(is_absolute_uri), "informationUri");
    }
    let rules = driver.get("rules").map_or(&[][..], |r| array(r, "rules"));
    let ids: Vec<&str> = rules.iter().map(check_rule).collect();
    // The results must be present, possibly empty, in a log of an actual scan.
    for result in array(&run["results"], "results") {
        check_result(result, &ids);
    }
}

/// Checks a `reportingDescriptor` and returns its id.
fn check_rule(rule: &Value) -> &str {
    let rule = object(
        rule,
        "reportingDescriptor",
        &["id"],
        &[
            "id",
            "deprecatedIds",
            "guid",
            "deprecatedGuids",
            "name",
            "deprecatedNames",
            "shortDescription",
            "fullDescription",
            "messageStrings",
            "defaultConfiguration",
            "helpUri",
            "help",
            "relationships",
            "properties",
        ],
    );
    for text in ["shortDescription", "fullDescription", "help"] {
        if let Some(value) = rule.get(text) {
            let value = object(
                value,
                "multiformatMessageString",
                &["text"],
                &["text", "markdown", "properties"],
            );
            assert!(value["text"].is_string(), "{text}.text");
        }
    }
    if let Some(configuration) = rule.get("defaultConfiguration") {
        let configuration = object(
            configuration,
            "reportingConfiguration",
            &[],
            &["enabled", "level", "rank", "parameters", "properties"],
        );
        if let Some(level) = configuration.get("level") {
            one_of(level, LEVELS, "reportingConfiguration.level");
        }
    }
    rule["id"]
        .as_str()
        .expect("reportingDescriptor.id is a string")
}

/// The values of `level`.
const LEVELS: &[&str] = &["none", "note", "warning", "error"];

fn check_result(result: &Value, rule_ids: &[&str]) {
    let result = object(
        result,
        "result",
        &["message"],
        &[
            "ruleId",
            "ruleIndex",
            "rule",
            "kind",
            "level",
            "message",
            "analysisTarget",
            "locations",
            "guid",
            "correlationGuid",
            "occurrenceCount",
            "partialFingerprints",
            "fingerprints",
            "stacks",
            "codeFlows",
            "graphs",
            "graphTraversals",
            "relatedLocations",
            "suppressions",
            "baselineState",
            "rank",
            "attachments",
            "hostedViewerUri",
            "workItemUris",
            "provenance",
            "fixes",
            "taxa",
            "webRequest",
            "webResponse",
            "properties",
        ],
    );
    if let Some(level) = result.get("level") {
        one_of(level, LEVELS, "result.level");
    }
    // `message`: `text` or `id` (anyOf).
    let message = object(
        &result["message"],
        "message",
        &[],
        &["text", "markdown", "id", "arguments", "properties"],
    );
    assert!(
        message.get("text").is_some_and(Value::is_string) || message.contains_key("id"),
        "message has neither text nor id: {message:?}"
    );
    if let Some(index) = result.get("ruleIndex") {
        let index = index.as_i64().expect("ruleIndex is an integer");
        assert!(index >= -1, "ruleIndex {index}");
        if index >= 0 {
            let id = rule_ids.get(index as usize).expect("ruleIndex in rules");
            assert_eq!(
                result.get("ruleId").and_then(Value::as_str),
                Some(*id),
                "result.ruleIndex {index} names another rule than its ruleId"
            );
        }
    }
    for location in result
        .get("locations")
        .map_or(&[][..], |l| array(l, "locations"))
    {
        check_location(location);
    }
}

fn check_location(location: &Value) {
    let location = object(
        location,
        "location",
        &[],
        &[
            "id",
            "physicalLocation",
            "logicalLocations",
            "message",
            "annotations",
            "relationships",
            "properties",
        ],
    );
    let Some(physical) = location.get("physicalLocation") else {
        return;
    };
    // `physicalLocation`: `address` or `artifactLocation` (anyOf).
    let physical = object(
        physical,
        "physicalLocation",
        &[],
        &[
            "address",
            "artifactLocation",
            "region",
            "contextRegion",
            "properties",
        ],
    );
    assert!(
        physical.contains_key("address") || physical.contains_key("artifactLocation"),
        "physicalLocation has neither address nor artifactLocation"
    );
    if let Some(artifact) = physical.get("artifactLocation") {
        let artifact = object(
            artifact,
            "artifactLocation",
            &[],
            &["uri", "uriBaseId", "index", "description", "properties"],
        );
        if let Some(uri) = artifact.get("uri") {
            let uri = uri.as_str().expect("uri is a string");
            assert!(is_uri_reference(uri), "not a URI reference: {uri}");
        }
    }
    if let Some(region) = physical.get("region") {
        let region = object(
            region,
            "region",
            &[],
            &[
                "startLine",
                "startColumn",
                "endLine",
                "endColumn",
                "charOffset",
                "charLength",
                "byteOffset",
                "byteLength",
                "snippet",
                "message",
                "sourceLanguage",
                "properties",
            ],
        );
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            if let Some(value) = region.get(key) {
                assert!(value.as_u64().is_some_and(|n| n >= 1), "region.{key}");
            }
        }
    }
}

/// `value` as an object of the schema's `kind`, with the `required` properties and no
/// property outside `allowed`.
#[track_caller]
fn object<'a>(
    value: &'a Value,
    kind: &str,
    required: &[&str],
    allowed: &[&str],
) -> &'a Map<String, Value> {
    let map = value
        .as_object()
        .unwrap_or_else(|| panic!("{kind} is not an object: {value}"));
    for key in required {
        assert!(map.contains_key(*key), "{kind} lacks required `{key}`");
    }
    for key in map.keys() {
        assert!(
            allowed.contains(&key.as_str()),
            "{kind} has `{key}`, which the schema does not define"
        );
    }
    map
}

#[track_caller]
fn array<'a>(value: &'a Value, what: &str) -> &'a [Value] {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{what} is not an array: {value}"))
}

#[track_caller]
fn one_of(value: &Value, allowed: &[&str], what: &str) {
    assert!(
        value.as_str().is_some_and(|v| allowed.contains(&v)),
        "{what} is {value}, not one of {allowed:?}"
    );
}

/// An absolute URI (RFC 3986): a scheme, `:`, and the rest a URI reference.
fn is_absolute_uri(text: &str) -> bool {
    has_scheme(text) && is_uri_reference(text)
}

/// Whether the text starts with a scheme (a letter, then letters, digits, `+`, `-`, `.`) and `:`.
fn has_scheme(text: &str) -> bool {
    text.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// A URI reference (RFC 3986): only URI characters, each `%` followed by two hex digits, and,
/// without a scheme, no `:` in the first path segment (it would read as one).
fn is_uri_reference(text: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c);
    let escapes_ok = text
        .split('%')
        .skip(1)
        .all(|after| after.len() >= 2 && after.as_bytes()[..2].iter().all(u8::is_ascii_hexdigit));
    let first_segment = text.split('/').next().unwrap_or_default();
    text.chars().all(allowed) && escapes_ok && (has_scheme(text) || !first_segment.contains(':'))
}

/// GitLab Code Quality: one issue per finding, with the fields GitLab reads, a severity GitLab
/// knows, and a fingerprint that does not move when lines are added above the finding.
#[test]
fn gitlab_is_a_code_quality_report() {
    let folder = error_and_warning();
    let run = migrate_in(folder.root(), &["lint", "--dir", DIR, "--format", "gitlab"]).expect(1);
    let report: Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    let issues = report.as_array().unwrap();
    assert_eq!(issues.len(), 2, "{report:#}");
    assert_eq!(issues[0]["check_name"], "missing-if-not-exists");
    assert_eq!(issues[0]["severity"], "major");
    assert_eq!(
        issues[0]["description"],
        format!("missing-if-not-exists: {ERROR_MESSAGE}\nhelp: {ERROR_HELP}")
    );
    assert_eq!(
        issues[0]["location"],
        json!({ "path": format!("{DIR}/001_users.sql"), "lines": { "begin": 2 } })
    );
    assert_eq!(issues[1]["severity"], "minor");
    let fingerprint = |issue: &Value| issue["fingerprint"].as_str().unwrap().to_owned();
    assert_eq!(fingerprint(&issues[0]).len(), 64);
    assert_ne!(fingerprint(&issues[0]), fingerprint(&issues[1]));
    // Two lines added above: the same finding, the same fingerprint, another line.
    folder.write(
        "001_users.sql",
        "-- users\n-- (reviewed)\n\nCREATE TABLE users (id bigint);\n",
    );
    let again = migrate_in(folder.root(), &["lint", "--dir", DIR, "--format", "gitlab"]).expect(1);
    let again: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(fingerprint(&again[0]), fingerprint(&issues[0]));
    assert_eq!(again[0]["location"]["lines"]["begin"], 4);
    // No finding: an empty report.
    let good = good_folder();
    let run = migrate_in(
        good.root(),
        &["lint", "--dir", "migrations", "--format", "gitlab"],
    );
    assert_eq!(run.expect(0).stdout.trim(), "[]");
}

/// Markdown for a pull-request comment: the counts, then a row per finding, errors first.
#[test]
fn markdown_is_a_pull_request_comment() {
    let folder = error_and_warning();
    let run = migrate_in(
        folder.root(),
        &["lint", "--dir", DIR, "--format", "markdown"],
    )
    .expect(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("### ❌ `migrate lint`: 1 error(s), 1 warning(s) in `{DIR}` (2 migration(s))")
    );
    assert_eq!(
        lines[2],
        "| | where | rule | finding | what to write instead |"
    );
    assert_eq!(
        lines[4],
        format!(
            "| ❌ | `{DIR}/001_users.sql:2:1` | `missing-if-not-exists` | {ERROR_MESSAGE} | \
             {ERROR_HELP} |"
        )
    );
    assert!(lines[5].starts_with(&format!(
        "| ⚠️ | `{DIR}/002_not_null.sql:1:19` | `set-not-null`"
    )));
}

/// `git` in `dir`, which must succeed.
fn git(dir: &std::path::Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// `--changed-since`, in a real git repository: only the findings of the files that differ from
/// the revision (changed since it, or new and untracked), while the whole folder is checked;
/// exit 1 only for an error among them; an unknown revision is a usage error naming it.
#[test]
fn changed_since_reports_the_files_that_differ_from_a_revision() {
    let folder = error_and_warning();
    let root = folder.root();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "first"]);
    let lint = |extra: &[&str]| {
        let mut args = vec!["lint", "--dir", DIR, "--format", "json"];
        args.extend(extra);
        migrate_in(root, &args)
    };
    let rules = |run: &common::Run| -> Vec<String> {
        let found: Value = serde_json::from_str(&run.stdout).unwrap();
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f["file"].as_str().unwrap(),
                    f["rule"].as_str().unwrap()
                )
            })
            .collect()
    };
    // Nothing changed: nothing reported, although 001 has an error.
    assert_eq!(
        rules(&lint(&["--changed-since", "HEAD"]).expect(0)),
        Vec::<String>::new()
    );
    // A new file (untracked) and an edit of 002 (a warning): both reported, exit 0.
    folder.write(
        "003_index.sql",
        "CREATE INDEX IF NOT EXISTS users_id_idx ON users (id);\n",
    );
    let run = lint(&["--changed-since", "HEAD"]).expect(0);
    assert_eq!(
        rules(&run),
        [format!("{DIR}/003_index.sql index-without-concurrently")]
    );
    folder.write(
        "002_not_null.sql",
        "-- edited\nALTER TABLE users ALTER COLUMN id SET NOT NULL;\n",
    );
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "second"]);
    let run = lint(&["--changed-since", "HEAD~1"]).expect(0);
    assert_eq!(
        rules(&run),
        [
            format!("{DIR}/002_not_null.sql set-not-null"),
            format!("{DIR}/003_index.sql index-without-concurrently"),
        ]
    );
    // Without it, the whole folder: the error of 001 fails the run.
    lint(&[]).expect(1);
    lint(&["--changed-since", "no-such-branch"])
        .expect(2)
        .stderr_has("--changed-since no-such-branch: git cannot compare")
        .stderr_has("no-such-branch");
}
