//! The facade re-exports the core's types with their docs: an example there
//! that imports `progress_model::...` shows users a path they cannot resolve.

#[test]
fn the_cores_item_docs_import_only_what_users_can() {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../progress-model/src");
    let mut offenders = Vec::new();
    // The core's modules, those in folders (`oauth/`) included.
    let mut folders = vec![source];
    let mut files = Vec::new();
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (number, line) in text.lines().enumerate() {
            // `/// # use ...` is hidden from the rendered docs, so it may name the core.
            if line.trim_start().starts_with("/// use progress_model") {
                offenders.push(format!("{}:{}", path.display(), number + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "shown imports of progress_model: {offenders:?}"
    );
}
