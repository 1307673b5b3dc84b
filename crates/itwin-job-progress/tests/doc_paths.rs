//! Users depend on the facade: an example in the docs that imports
//! `progress_model::...`, `progress_ureq::...` or `progress_reqwest::...` shows
//! them a path they cannot resolve. A hidden line (`/// # ...`) may name the
//! inner crates, to compile the example there under the facade's names.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `folder`, modules in subfolders included.
fn sources(folder: PathBuf) -> Vec<PathBuf> {
    let mut folders = vec![folder];
    let mut files = Vec::new();
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The shown doc lines of `crate_dir`'s sources that name an inner crate.
/// `prefixes` are the doc comments to read: item docs (`///`) are shown
/// wherever the facade re-exports the item.
fn shown_inner_paths(crate_dir: &str, prefixes: &[&str]) -> Vec<String> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_dir)
        .join("src");
    let mut offenders = Vec::new();
    for path in sources(source) {
        let text = std::fs::read_to_string(&path).unwrap();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_start();
            let Some(doc) = prefixes.iter().find_map(|prefix| line.strip_prefix(prefix)) else {
                continue;
            };
            let doc = doc.trim_start();
            if doc.starts_with('#') {
                continue; // hidden from the rendered docs (or a heading)
            }
            let code = doc.starts_with("use ") || doc.contains("-> Result<");
            let inner = ["progress_model", "progress_ureq", "progress_reqwest"]
                .iter()
                .any(|name| {
                    doc.contains(&format!("{name}::")) || doc.contains(&format!("use {name}"))
                });
            if code && inner {
                offenders.push(format!("{}:{}: {doc}", path.display(), number + 1));
            }
        }
    }
    offenders
}

#[test]
fn the_cores_item_docs_import_only_what_users_can() {
    let offenders = shown_inner_paths("progress-model", &["///"]);
    assert!(offenders.is_empty(), "shown inner paths: {offenders:#?}");
}

#[test]
fn the_clients_docs_import_only_what_users_can() {
    for adapter in ["progress-ureq", "progress-reqwest"] {
        let offenders = shown_inner_paths(adapter, &["///", "//!"]);
        assert!(offenders.is_empty(), "shown inner paths: {offenders:#?}");
    }
}
