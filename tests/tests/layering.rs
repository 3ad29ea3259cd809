//! The house rule of ARCHITECTURE.md: no module of any crate imports, directly or through
//! others, a module that imports it back. A newcomer reads the modules of a crate in one order,
//! each using only what came before.
//!
//! The test reads the sources (no compiler needed): it maps every file to its module, reads the
//! paths each module names (`use crate::…`, `super::…`, `self::…`, a child module's name, and
//! `crate::…` paths in code), resolves names re-exported with `pub use` to the module that
//! defines them, and fails naming every group of modules that reach each other, with the line of
//! each import. A module's `#[cfg(test)] mod tests { … }` is the test's, not the module's: its
//! imports are not counted. Declaring a child module (`mod x;`) is not an import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates whose modules must not form a cycle.
const CRATES: [&str; 5] = [
    "migrate-core",
    "migrate-lint",
    "migrate-macros",
    "migrate-runtime",
    "migrate-cli",
];

/// A module path inside a crate: `[]` is the crate root, `["rules", "cascade"]` is
/// `crate::rules::cascade`.
type ModPath = Vec<String>;

/// One module's source, without comments, strings and test modules, as tokens.
struct Module {
    /// The file, relative to the crate's `src` folder.
    file: PathBuf,
    /// Tokens with the line each starts on.
    tokens: Vec<(String, usize)>,
    /// Child modules declared with `mod x;` or `mod x { … }`.
    children: BTreeSet<String>,
    /// `pub use` re-exports: the name as exported, and the path it points to (crate-relative,
    /// already resolved against this module).
    reexports: BTreeMap<String, ModPath>,
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut problems = Vec::new();
    for krate in CRATES {
        let src = root.join(krate).join("src");
        let modules = read_crate(&src);
        assert!(
            modules.len() > 1 || krate == "migrate-core",
            "{krate}: no modules found under {}",
            src.display()
        );
        let edges = imports(&modules);
        for cycle in cycles(&modules, &edges) {
            problems.push(format!("{krate}: {cycle}"));
        }
    }
    assert!(
        problems.is_empty(),
        "modules that import each other (each arrow is an import, at its file:line):\n{}",
        problems.join("\n\n")
    );
}

#[test]
fn a_cycle_is_found_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir(src.join("stage")).unwrap();
    std::fs::write(
        src.join("lib.rs"),
        "mod rule;\nmod stage;\npub use rule::Rule;\n",
    )
    .unwrap();
    std::fs::write(
        src.join("rule.rs"),
        "// crate::stage::x in a comment is no import\nuse crate::stage::Config;\npub struct Rule;\n",
    )
    .unwrap();
    std::fs::write(
        src.join("stage/mod.rs"),
        "mod reader;\npub use reader::Config;\nfn f() { let s = \"crate::rule\"; }\n",
    )
    .unwrap();
    std::fs::write(
        src.join("stage/reader.rs"),
        "pub struct Config(crate::Rule);\n#[cfg(test)]\nmod tests {\n    use crate::rule::Rule;\n    fn t() { let c = '}'; }\n}\n",
    )
    .unwrap();
    let modules = read_crate(src);
    let edges = imports(&modules);
    let found = cycles(&modules, &edges);
    assert_eq!(found.len(), 1, "{found:?}");
    // rule -> stage::reader (through stage's re-export) -> rule (through the root's).
    assert!(
        found[0].contains("rule.rs:2 imports stage::reader"),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains("stage/reader.rs:1 imports rule"),
        "{}",
        found[0]
    );

    // Without the cycle: the test module's import and the string do not count.
    std::fs::write(src.join("rule.rs"), "pub struct Rule;\n").unwrap();
    let modules = read_crate(src);
    assert!(cycles(&modules, &imports(&modules)).is_empty());
}

/// Every module of the crate whose `src` folder this is.
fn read_crate(src: &Path) -> BTreeMap<ModPath, Module> {
    let mut modules = BTreeMap::new();
    let mut files = Vec::new();
    collect(src, &mut files);
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let mut path: ModPath = relative
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        match path.last().map(String::as_str) {
            Some("lib" | "main") if path.len() == 1 => path.clear(),
            Some("mod") => {
                path.pop();
            }
            _ => {}
        }
        if path.first().is_some_and(|p| p == "bin") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let tokens = tokens(&without_test_modules(&text));
        let children = children(&tokens);
        let reexports = reexports(&tokens, &path, &children);
        modules.insert(
            path,
            Module {
                file: relative.to_owned(),
                tokens,
                children,
                reexports,
            },
        );
    }
    modules
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The text with every `#[cfg(test)]`-marked inline module blanked (lines kept).
fn without_test_modules(text: &str) -> String {
    let mut out = text.to_owned();
    let mut from = 0;
    while let Some(at) = out[from..].find("#[cfg(test)]").map(|i| i + from) {
        let after = &out[at..];
        let Some(brace) = after.find('{') else { break };
        let header = &after[..brace];
        let is_module = header.contains("mod ") && !header.contains(';');
        if !is_module {
            from = at + 1;
            continue;
        }
        let end = matching_brace(&out, at + brace);
        let blanked: String = out[at..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        out.replace_range(at..end, &blanked);
        from = at + blanked.len();
    }
    out
}

/// The offset just past the brace closing the one at `open`, skipping strings and characters.
fn matching_brace(text: &str, open: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, open);
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b'"' | b'\'' | b'/' | b'r' => {
                if let Some(end) = skip_literal(text, i) {
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    text.len()
}

/// When a string, raw string, character literal or comment starts at `i`, the offset past it.
fn skip_literal(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i..];
    let bytes = rest.as_bytes();
    if rest.starts_with("//") {
        return Some(i + rest.find('\n').unwrap_or(rest.len()));
    }
    if rest.starts_with("/*") {
        return Some(i + rest.find("*/").map_or(rest.len(), |e| e + 2));
    }
    let previous_is_ident = text[..i]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_');
    if bytes[0] == b'r' && !previous_is_ident {
        let hashes = rest[1..].bytes().take_while(|&b| b == b'#').count();
        if rest[1 + hashes..].starts_with('"') {
            let close = format!("\"{}", "#".repeat(hashes));
            let body = 2 + hashes;
            return Some(i + body + rest[body..].find(&close)? + close.len());
        }
        return None;
    }
    if bytes[0] == b'"' {
        let mut j = 1;
        while j < bytes.len() {
            match bytes[j] {
                b'\\' => j += 2,
                b'"' => return Some(i + j + 1),
                _ => j += 1,
            }
        }
        return Some(text.len());
    }
    if bytes[0] == b'\'' {
        // A character literal ('x', '\n', '\u{..}'), not a lifetime ('a).
        if bytes.get(1) == Some(&b'\\') {
            return Some(i + rest[2..].find('\'')? + 3);
        }
        let c = rest[1..].chars().next()?;
        if rest[1 + c.len_utf8()..].starts_with('\'') {
            return Some(i + 2 + c.len_utf8());
        }
    }
    None
}

/// Identifiers, `::` and single punctuation characters, with their line; comments, strings and
/// characters left out.
fn tokens(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let c = bytes[i];
        if matches!(c, b'"' | b'\'' | b'/' | b'r') {
            if let Some(end) = skip_literal(text, i) {
                line += text[i..end].matches('\n').count();
                i = end;
                continue;
            }
        }
        if c == b'\n' {
            line += 1;
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let len = text[i..]
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .unwrap_or(text.len() - i);
            out.push((text[i..i + len].to_owned(), line));
            i += len;
        } else if text[i..].starts_with("::") {
            out.push(("::".to_owned(), line));
            i += 2;
        } else if c.is_ascii_whitespace() || c.is_ascii_digit() {
            i += 1;
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push((ch.to_string(), line));
            i += ch.len_utf8();
        }
    }
    out
}

/// The names of `mod x;` / `mod x {` declarations.
fn children(tokens: &[(String, usize)]) -> BTreeSet<String> {
    tokens
        .windows(3)
        .filter(|w| w[0].0 == "mod" && (w[2].0 == ";" || w[2].0 == "{"))
        .map(|w| w[1].0.clone())
        .collect()
}

/// A path as written, resolved against the module `at`: `crate::a::b`, `super::b`, `self::b`,
/// or `child::b` for a child module. `None` for anything else (another crate, a local name).
fn anchor(
    first: &str,
    next: Option<&str>,
    at: &ModPath,
    children: &BTreeSet<String>,
) -> Option<ModPath> {
    match first {
        "crate" => Some(Vec::new()),
        "super" => Some(at[..at.len().saturating_sub(1)].to_vec()),
        "self" if next == Some("::") => Some(at.clone()),
        name if children.contains(name) => {
            let mut path = at.clone();
            path.push(name.to_owned());
            Some(path)
        }
        _ => None,
    }
}

/// Every crate-relative path a use tree or a path in code names, with the line of its first
/// token, for the module `at`. Each path ends at its last segment (a module or an item).
fn paths(
    tokens: &[(String, usize)],
    at: &ModPath,
    children: &BTreeSet<String>,
) -> Vec<(ModPath, usize, bool)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let previous = i.checked_sub(1).map(|p| tokens[p].0.as_str());
        let is_start = !matches!(previous, Some("::" | "mod"));
        let next = tokens.get(i + 1).map(|t| t.0.as_str());
        if is_start && next == Some("::") {
            if let Some(base) = anchor(&tokens[i].0, next, at, children) {
                let public_use = is_public_use(tokens, i);
                let line = tokens[i].1;
                let end = tree(tokens, i + 2, base, &mut |path| {
                    out.push((path, line, public_use))
                });
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Whether the path at `i` is the start of a `pub use` (or `pub(crate) use`) item.
fn is_public_use(tokens: &[(String, usize)], i: usize) -> bool {
    let before: Vec<&str> = tokens[i.saturating_sub(5)..i]
        .iter()
        .map(|t| t.0.as_str())
        .collect();
    before.last() == Some(&"use") && before.contains(&"pub")
}

/// Reads a path or use tree starting at `i` (just after `base::`), calling `emit` with each
/// complete path; returns the index past it.
fn tree(
    tokens: &[(String, usize)],
    mut i: usize,
    mut base: ModPath,
    emit: &mut dyn FnMut(ModPath),
) -> usize {
    loop {
        match tokens.get(i).map(|t| t.0.as_str()) {
            Some("{") => {
                i += 1;
                loop {
                    match tokens.get(i).map(|t| t.0.as_str()) {
                        Some("}") => return i + 1,
                        Some(",") => i += 1,
                        Some(_) => i = tree(tokens, i, base.clone(), emit),
                        None => return i,
                    }
                }
            }
            Some("*") => {
                emit(base);
                return i + 1;
            }
            Some(word) if word.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                if word == "self" {
                    emit(base);
                    return i + 1;
                }
                base.push(word.to_owned());
                if tokens.get(i + 1).map(|t| t.0.as_str()) == Some("::") {
                    i += 2;
                } else {
                    emit(base);
                    // `as name`: skip it.
                    if tokens.get(i + 1).map(|t| t.0.as_str()) == Some("as") {
                        return i + 3;
                    }
                    return i + 1;
                }
            }
            _ => {
                emit(base);
                return i;
            }
        }
    }
}

/// The `pub use` re-exports of a module: exported name -> the path it names.
fn reexports(
    tokens: &[(String, usize)],
    at: &ModPath,
    children: &BTreeSet<String>,
) -> BTreeMap<String, ModPath> {
    let mut out = BTreeMap::new();
    for (path, _, public_use) in paths(tokens, at, children) {
        if public_use {
            if let Some(name) = path.last() {
                out.insert(name.clone(), path);
            }
        }
    }
    out
}

/// The module a path leads to: the longest module prefix, then through re-exports of the item
/// that follows it.
fn resolve(modules: &BTreeMap<ModPath, Module>, path: &ModPath, depth: usize) -> Option<ModPath> {
    let mut prefix = path.len();
    while !modules.contains_key(&path[..prefix]) {
        prefix = prefix.checked_sub(1)?;
    }
    let module = path[..prefix].to_vec();
    if depth < 8 {
        if let Some(item) = path.get(prefix) {
            if let Some(target) = modules[&module].reexports.get(item) {
                if target != path {
                    if let Some(found) = resolve(modules, target, depth + 1) {
                        return Some(found);
                    }
                }
            }
        }
    }
    Some(module)
}

/// For each module, the modules it imports, each with the line of the first such import.
fn imports(modules: &BTreeMap<ModPath, Module>) -> BTreeMap<ModPath, BTreeMap<ModPath, usize>> {
    let mut edges = BTreeMap::new();
    for (at, module) in modules {
        let mut targets: BTreeMap<ModPath, usize> = BTreeMap::new();
        for (path, line, _) in paths(&module.tokens, at, &module.children) {
            if let Some(target) = resolve(modules, &path, 0) {
                if &target != at {
                    targets.entry(target).or_insert(line);
                }
            }
        }
        edges.insert(at.clone(), targets);
    }
    edges
}

fn name(path: &ModPath) -> String {
    if path.is_empty() {
        "crate".to_owned()
    } else {
        path.join("::")
    }
}

/// Each group of modules that reach each other (strongly connected, more than one module),
/// described by one cycle through it with the file:line of each import.
fn cycles(
    modules: &BTreeMap<ModPath, Module>,
    edges: &BTreeMap<ModPath, BTreeMap<ModPath, usize>>,
) -> Vec<String> {
    let reach = |from: &ModPath| -> BTreeSet<ModPath> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(m) = stack.pop() {
            for next in edges[&m].keys() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&ModPath, BTreeSet<ModPath>> =
        modules.keys().map(|m| (m, reach(m))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for m in modules.keys() {
        if done.contains(m) || !reachable[m].contains(m) {
            continue;
        }
        let group: BTreeSet<ModPath> = reachable[m]
            .iter()
            .filter(|o| reachable[*o].contains(m))
            .cloned()
            .collect();
        done.extend(group.iter().cloned());
        out.push(format!(
            "{} modules reach each other: {}\n  {}",
            group.len(),
            group.iter().map(name).collect::<Vec<_>>().join(", "),
            shortest_cycle(m, edges, modules).join("\n  ")
        ));
    }
    out
}

/// The shortest cycle from `start` back to it, as lines `file:line imports module`.
fn shortest_cycle(
    start: &ModPath,
    edges: &BTreeMap<ModPath, BTreeMap<ModPath, usize>>,
    modules: &BTreeMap<ModPath, Module>,
) -> Vec<String> {
    let mut parent: BTreeMap<ModPath, ModPath> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.clone()]);
    'search: while let Some(m) = queue.pop_front() {
        for next in edges[&m].keys() {
            if !parent.contains_key(next) {
                parent.insert(next.clone(), m.clone());
                if next == start {
                    break 'search;
                }
                queue.push_back(next.clone());
            }
        }
    }
    let mut chain = vec![start.clone()];
    let mut at = parent[start].clone();
    while &at != start {
        chain.push(at.clone());
        at = parent[&at].clone();
    }
    chain.push(start.clone());
    chain.reverse();
    chain
        .windows(2)
        .map(|pair| {
            let file = modules[&pair[0]].file.display();
            format!(
                "{file}:{} imports {}",
                edges[&pair[0]][&pair[1]],
                name(&pair[1])
            )
        })
        .collect()
}
