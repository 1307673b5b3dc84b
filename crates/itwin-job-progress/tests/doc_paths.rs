//! The facade re-exports the core's types with their docs: an example there
//! that imports `progress_model::...` shows users a path they cannot resolve.

#[test]
fn the_cores_item_docs_import_only_what_users_can() {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../progress-model/src");
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
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
