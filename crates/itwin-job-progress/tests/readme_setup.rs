//! The README's "Add it" tables, read as Cargo reads them: a user copies them as
//! they are, so each must parse and carry everything the examples need.

const README: &str = include_str!("../../../README.md");

/// Every ```toml block of the README, parsed.
fn toml_blocks() -> Vec<toml::Table> {
    README
        .split("```toml\n")
        .skip(1)
        .map(|rest| {
            let block = rest.split("```").next().unwrap_or_default();
            block.parse::<toml::Table>().unwrap_or_else(|error| {
                panic!("README toml block does not parse: {error}\n{block}")
            })
        })
        .collect()
}

/// The `[dependencies]` tables of the blocks that have one.
fn dependency_tables() -> Vec<toml::Table> {
    toml_blocks()
        .into_iter()
        .filter_map(|block| block.get("dependencies")?.as_table().cloned())
        .collect()
}

/// The features a table turns on for the facade, or `None` for the defaults.
fn facade_features(deps: &toml::Table) -> Option<Vec<&str>> {
    let features = deps["itwin-job-progress"].get("features")?.as_array()?;
    Some(features.iter().filter_map(toml::Value::as_str).collect())
}

/// The table whose facade features include `feature`.
fn table_with(feature: &str) -> toml::Table {
    dependency_tables()
        .into_iter()
        .find(|deps| facade_features(deps).is_some_and(|features| features.contains(&feature)))
        .unwrap_or_else(|| panic!("no table turns on `{feature}`"))
}

#[test]
fn every_dependency_table_parses_and_names_the_crate() {
    let tables = dependency_tables();
    assert!(tables.len() >= 4, "one table per flavour");
    for deps in &tables {
        assert!(deps.contains_key("itwin-job-progress"));
    }
}

#[test]
fn the_async_table_has_what_the_async_examples_use() {
    let async_table = table_with("runtime-tokio");
    let features = facade_features(&async_table).unwrap();
    assert!(
        !features.contains(&"blocking"),
        "the tokio table keeps only the async client"
    );
    assert_eq!(
        async_table["itwin-job-progress"]["default-features"].as_bool(),
        Some(false),
        "the defaults would add the blocking client"
    );
    assert!(async_table.contains_key("futures-util"), "StreamExt");
    let tokio_features = async_table["tokio"]["features"]
        .as_array()
        .expect("tokio features");
    for needed in ["macros", "rt-multi-thread"] {
        assert!(
            tokio_features.iter().any(|f| f.as_str() == Some(needed)),
            "#[tokio::main] needs `{needed}`"
        );
    }
}

#[test]
fn smol_and_async_std_tables_name_their_runtime_and_leave_tokio_out() {
    for (feature, runtime) in [("runtime-smol", "smol"), ("runtime-async-std", "async-std")] {
        let deps = table_with(feature);
        assert!(deps.contains_key(runtime), "{feature} without `{runtime}`");
        assert!(deps.contains_key("futures-util"), "{feature}: StreamExt");
        assert!(!deps.contains_key("tokio"), "{feature} needs no tokio");
        let features = facade_features(&deps).unwrap();
        assert!(
            features.contains(&"rustls"),
            "{feature}: https needs a TLS feature"
        );
    }
}

#[test]
fn the_blocking_table_turns_off_the_async_client() {
    let deps = table_with("blocking");
    assert_eq!(
        deps["itwin-job-progress"]["default-features"].as_bool(),
        Some(false)
    );
    assert!(facade_features(&deps).unwrap().contains(&"rustls"));
}

#[test]
fn the_simulator_is_a_dev_dependency() {
    let dev = toml_blocks()
        .into_iter()
        .find_map(|block| block.get("dev-dependencies")?.as_table().cloned())
        .expect("a [dev-dependencies] table");
    assert!(dev.contains_key("progress-sim"));
}

#[test]
fn async_std_is_said_to_be_discontinued() {
    assert!(README.contains("RUSTSEC-2025-0052"));
}

#[test]
fn every_page_the_readme_links_is_there() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut linked = 0;
    for link in README.split("](").skip(1) {
        let target = link.split([')', '#']).next().unwrap_or_default();
        if target.contains("://") || target.is_empty() {
            continue;
        }
        assert!(
            root.join(target).exists(),
            "the README links {target}, which is missing"
        );
        linked += 1;
    }
    for page in ["design", "networks", "performance", "reliability"] {
        assert!(
            README.contains(&format!("](docs/{page}.md")),
            "docs/{page}.md is not linked"
        );
    }
    assert!(linked >= 4);
}

#[test]
fn the_readme_stays_a_front_page() {
    let lines = README.lines().count();
    assert!(
        lines <= 350,
        "README.md has {lines} lines; move detail to docs/"
    );
}
