//! `--update-readme`: puts a full run's Performance section into README.md,
//! between markers, and its charts under docs/bench/ where the README links them.

use std::path::Path;

use crate::cmd::workspace_root;

const START: &str = "<!-- performance:start (cargo xtask bench --update-readme) -->";
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
    let readme_path = root.join("README.md");
    let readme = read(&readme_path)?;
    let block = format!("{START}\n{section}{END}");
    let updated = match (readme.find(START), readme.find(END)) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{block}{}", &readme[..start], &readme[end + END.len()..])
        }
        _ => return Err(format!("README.md has no `{START}` ... `{END}` markers")),
    };
    std::fs::write(&readme_path, updated)
        .map_err(|error| format!("cannot write README.md: {error}"))?;
    eprintln!("README.md: Performance section updated; charts in docs/bench/");
    Ok(())
}
