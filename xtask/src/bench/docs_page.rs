//! `--update-docs`: puts a full run's figures into docs/performance.md,
//! between markers, and its charts under docs/bench/ where that page links them.

use std::path::Path;

use crate::cmd::workspace_root;

/// The page, from the workspace root.
const PAGE: &str = "docs/performance.md";
const START: &str = "<!-- performance:start (cargo xtask bench --update-docs) -->";
const END: &str = "<!-- performance:end -->";

pub fn update(out: &Path) -> Result<(), String> {
    let root = workspace_root();
    let read = |path: &Path| {
        std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))
    };
    let section = read(&out.join("performance.md"))?;
    let charts = root.join("docs/bench");
    std::fs::create_dir_all(&charts)
        .map_err(|error| format!("cannot create {}: {error}", charts.display()))?;
    for chart in ["p3-requests.svg", "p2-memory.svg"] {
        std::fs::copy(out.join(chart), charts.join(chart))
            .map_err(|error| format!("cannot copy {chart} to docs/bench: {error}"))?;
    }
    let page_path = root.join(PAGE);
    let page = read(&page_path)?;
    let updated = replace_between_markers(&page, &section)
        .ok_or_else(|| format!("{PAGE} has no `{START}` ... `{END}` markers"))?;
    std::fs::write(&page_path, updated).map_err(|error| format!("cannot write {PAGE}: {error}"))?;
    eprintln!("{PAGE}: the last full run updated; charts in docs/bench/");
    Ok(())
}

/// The page with `section` between its markers, or `None` without them.
fn replace_between_markers(page: &str, section: &str) -> Option<String> {
    let start = page.find(START)?;
    let end = page[start..].find(END)? + start;
    Some(format!(
        "{}{START}\n{section}{END}{}",
        &page[..start],
        &page[end + END.len()..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_page_has_the_markers_the_update_writes_between() {
        let page = std::fs::read_to_string(workspace_root().join(PAGE)).unwrap();
        let updated = replace_between_markers(&page, "## The last full run\n\nnew\n").unwrap();
        assert!(updated.contains(&format!("{START}\n## The last full run\n\nnew\n{END}")));
        // Only the section changes: what comes before and after it stays.
        assert!(updated.starts_with(&page[..page.find(START).unwrap()]));
        assert!(updated.ends_with(&page[page.find(END).unwrap() + END.len()..]));
    }

    #[test]
    fn a_page_without_markers_is_refused() {
        assert_eq!(replace_between_markers("# Performance\n", "x"), None);
    }
}
