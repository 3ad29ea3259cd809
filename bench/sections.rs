//! bench/RESULTS.md is written by several benchmarks, each owning one top-level section (a
//! `# ` heading and what follows until the next one): `scripts/bench` (the peers, the fleet),
//! `scripts/bench editor`, `scripts/bench-build` and `scripts/bench-lint`. Each replaces its own
//! section and keeps the others, in their order. Included by bench/driver (which also offers
//! `driver section HEADING` to the shell scripts) and bench/editor.

/// `existing` with the section whose heading line starts with `heading` replaced by `section`
/// (which starts with its heading line), or `section` appended when there is none.
pub fn replace_section(existing: &str, heading: &str, section: &str) -> String {
    let mut sections: Vec<&str> = Vec::new();
    let mut start = 0;
    for (i, _) in existing.match_indices("\n# ") {
        sections.push(&existing[start..=i]);
        start = i + 1;
    }
    sections.push(&existing[start..]);
    let mut replaced = false;
    let mut parts: Vec<&str> = sections
        .into_iter()
        .map(|s| {
            if s.starts_with(heading) && !replaced {
                replaced = true;
                section
            } else {
                s
            }
        })
        .collect();
    if !replaced {
        parts.push(section);
    }
    let parts: Vec<&str> = parts
        .iter()
        .map(|p| p.trim_end())
        .filter(|p| !p.is_empty())
        .collect();
    format!("{}\n", parts.join("\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_section_is_replaced_in_place_and_the_others_are_kept() {
        let peers = "# Side by side\n\nfigures\n\n## Time\n\nrows\n";
        let fleet = "# Fleet: 500 tenants\n\nfleet figures\n";
        let editor = "# Editor: 1000 files\n\neditor figures\n";
        let both = replace_section(peers, "# Fleet:", fleet);
        assert_eq!(both, format!("{peers}\n{fleet}"));
        assert_eq!(replace_section(&both, "# Fleet:", fleet), both);
        let all = replace_section(&both, "# Editor:", editor);
        assert_eq!(all, format!("{peers}\n{fleet}\n{editor}"));
        let new_fleet = "# Fleet: 50 tenants\n\nnew\n";
        assert_eq!(
            replace_section(&all, "# Fleet:", new_fleet),
            format!("{peers}\n{new_fleet}\n{editor}")
        );
        assert_eq!(
            replace_section(&all, "# Side by side", "# Side by side again\n"),
            format!("# Side by side again\n\n{fleet}\n{editor}")
        );
        assert_eq!(replace_section("", "# Fleet:", fleet), fleet);
    }
}
