//! Every relative link of the documentation resolves: in the README, the book (`docs/`), each
//! crate's README and the other Markdown files beside them (`bench/README.md`,
//! `tests/README.md`), a link `[text](path)` or `[text](path#anchor)` names a file or folder
//! that exists, and its anchor a heading of that file, as GitHub makes anchors of headings. No
//! database is needed. And mdBook, which builds only the pages `docs/SUMMARY.md` lists, builds
//! every page of the book.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is in the repository")
        .to_path_buf()
}

/// `path` as the messages show it: from the repository's root.
fn shown(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The Markdown files checked: those at the root, those one folder down (each crate's README,
/// `bench/`, `tests/`), and every one of the book in `docs/`.
fn documents() -> Vec<PathBuf> {
    let root = root();
    let mut files = markdown_in(&root);
    for dir in subfolders(&root) {
        if dir.file_name().is_some_and(|name| name == "docs") {
            files.extend(markdown_under(&dir));
        } else {
            files.extend(markdown_in(&dir));
        }
    }
    files.sort();
    files
}

/// The folders directly in `dir`, but hidden ones and build output.
fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for entry in fs::read_dir(dir).expect("read a folder") {
        let path = entry.expect("a folder entry").path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() && !name.starts_with('.') && name != "target" {
            dirs.push(path);
        }
    }
    dirs
}

/// The `.md` files directly in `dir`.
fn markdown_in(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .expect("read a folder")
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "md"))
        .collect()
}

/// The `.md` files in `dir` and every folder under it.
fn markdown_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = markdown_in(dir);
    for sub in subfolders(dir) {
        files.extend(markdown_under(&sub));
    }
    files
}

/// The lines of `text` outside fenced code blocks (``` or ~~~, indented or not), with their
/// 1-based numbers.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<&str> = None;
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match fence {
            Some(marker) if trimmed.starts_with(marker) => fence = None,
            Some(_) => {}
            None if trimmed.starts_with("```") => fence = Some("```"),
            None if trimmed.starts_with("~~~") => fence = Some("~~~"),
            None => lines.push((index + 1, line)),
        }
    }
    lines
}

/// `line` without its inline code spans (`` `...` ``, with any number of backticks).
fn without_code(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].len() - rest[start..].trim_start_matches('`').len();
        let after = &rest[start + ticks..];
        let closing = "`".repeat(ticks);
        match after.find(&closing) {
            Some(end) => rest = &after[end + ticks..],
            None => {
                // An unmatched backtick is a literal one.
                out.push_str(&rest[start..start + ticks]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The destinations of the links on one line of prose: inline links `[text](destination)`
/// (images too) and reference definitions `[label]: destination`.
fn destinations(line: &str) -> Vec<String> {
    let line = without_code(line);
    let mut found = Vec::new();
    let trimmed = line.trim_start();
    if let Some(label) = trimmed.strip_prefix('[') {
        if let Some(definition) = label
            .find(']')
            .and_then(|end| label[end + 1..].strip_prefix(':'))
        {
            if let Some(destination) = definition.split_whitespace().next() {
                found.push(destination.trim_matches(['<', '>']).to_owned());
            }
        }
    }
    let mut rest = line.as_str();
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let destination = if let Some(angled) = after.strip_prefix('<') {
            angled.split('>').next().unwrap_or_default()
        } else {
            let end = after.find([')', ' ']).unwrap_or(after.len());
            &after[..end]
        };
        found.push(destination.to_owned());
        rest = after;
    }
    found
}

/// The anchor GitHub gives a heading: lower case, punctuation but `-` and `_` removed, spaces as
/// `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a Markdown file's headings; a repeated one gets `-1`, `-2`, ... as on GitHub.
fn anchors(text: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    for (_, line) in prose_lines(text) {
        let hashes = line.len() - line.trim_start_matches('#').len();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            let base = slug(line[hashes..].trim().trim_end_matches('#'));
            let mut anchor = base.clone();
            let mut n = 0;
            while !seen.insert(anchor.clone()) {
                n += 1;
                anchor = format!("{base}-{n}");
            }
        }
    }
    seen
}

/// What is wrong with one link of `file`, if anything.
fn check(file: &Path, text: &str, destination: &str) -> Option<String> {
    if destination.is_empty() {
        return Some("an empty destination".to_owned());
    }
    if destination.contains("://") || destination.starts_with("mailto:") {
        return None;
    }
    let (path, anchor) = match destination.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (destination, None),
    };
    let target = if path.is_empty() {
        file.to_path_buf()
    } else {
        file.parent().expect("a file's folder").join(path)
    };
    if !target.exists() {
        return Some(format!("{} does not exist", shown(&target)));
    }
    let anchor = anchor?;
    let target_text = if path.is_empty() {
        text.to_owned()
    } else if target.is_file() && target.extension().is_some_and(|ext| ext == "md") {
        fs::read_to_string(&target).expect("read a Markdown file")
    } else {
        return Some(format!(
            "#{anchor} on {}, not a Markdown file",
            shown(&target)
        ));
    };
    if anchors(&target_text).contains(anchor) {
        None
    } else {
        Some(format!(
            "no heading of {} has the anchor #{anchor}",
            shown(&target)
        ))
    }
}

#[test]
fn every_relative_link_resolves() {
    let documents = documents();
    let names: Vec<_> = documents
        .iter()
        .map(|path| path.strip_prefix(root()).unwrap().to_path_buf())
        .collect();
    for expected in [
        "README.md",
        "docs/SUMMARY.md",
        "docs/guide/configuration.md",
        "bench/README.md",
        "tests/README.md",
        "migrate-runtime/README.md",
    ] {
        assert!(
            names.iter().any(|name| name == Path::new(expected)),
            "{expected} is not among the documents checked: {names:?}"
        );
    }
    let mut broken = Vec::new();
    let mut links = 0;
    for file in &documents {
        let text = fs::read_to_string(file).expect("read a Markdown file");
        for (number, line) in prose_lines(&text) {
            for destination in destinations(line) {
                links += 1;
                if let Some(problem) = check(file, &text, &destination) {
                    let name = shown(file);
                    broken.push(format!("{name}:{number}: ({destination}): {problem}"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(
        links > 100,
        "only {links} links found: is the parser reading them?"
    );
}

#[test]
fn links_are_read_outside_code_only() {
    let text = "[a](one.md) and `[b](two.md)`, ``[c](`three.md`)``\n\
                ```text\n[d](four.md)\n```\n  ~~~\n  [e](five.md)\n  ~~~\n\
                ![f](six.png \"title\") [g](<seven eight.md>)\n[h]: nine.md\n";
    let found: Vec<String> = prose_lines(text)
        .into_iter()
        .flat_map(|(_, line)| destinations(line))
        .collect();
    assert_eq!(
        found,
        ["one.md", "six.png", "seven eight.md", "nine.md"],
        "{text}"
    );
}

#[test]
fn anchors_follow_github() {
    assert_eq!(
        slug("Configuration: `migrate.toml`"),
        "configuration-migratetoml"
    );
    assert_eq!(
        slug("Schema per tenant: `escapes-tenant`"),
        "schema-per-tenant-escapes-tenant"
    );
    assert_eq!(slug("The macro's own cost"), "the-macros-own-cost");
    assert_eq!(
        slug("`migrate status`, `migrate plan`"),
        "migrate-status-migrate-plan"
    );
    let found = anchors("# Title\n## Usage\n```sh\n# not a heading\n```\n## Usage\n#nope\n");
    let expected: HashSet<String> = ["title", "usage", "usage-1"].map(String::from).into();
    assert_eq!(found, expected);
}

/// mdBook builds only the pages `docs/SUMMARY.md` lists: every page of `docs/` is listed there.
#[test]
fn every_page_of_the_book_is_in_its_summary() {
    let docs = root().join("docs");
    let summary = fs::read_to_string(docs.join("SUMMARY.md")).expect("read docs/SUMMARY.md");
    let listed: HashSet<PathBuf> = prose_lines(&summary)
        .into_iter()
        .flat_map(|(_, line)| destinations(line))
        .map(|destination| docs.join(destination))
        .collect();
    let missing: Vec<String> = markdown_under(&docs)
        .into_iter()
        .filter(|page| !page.ends_with("SUMMARY.md") && !listed.contains(page))
        .map(|page| shown(&page))
        .collect();
    assert!(
        missing.is_empty(),
        "pages of the book that docs/SUMMARY.md does not list: {missing:?}"
    );
}
