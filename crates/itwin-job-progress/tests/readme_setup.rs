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

fn dependencies(table: &toml::Table) -> &toml::Table {
    table["dependencies"]
        .as_table()
        .expect("a [dependencies] table")
}

#[test]
fn every_dependency_table_parses_and_names_the_crate() {
    let blocks = toml_blocks();
    assert!(blocks.len() >= 2, "one table per flavour");
    for block in &blocks {
        assert!(dependencies(block).contains_key("itwin-job-progress"));
    }
}

#[test]
fn the_async_table_has_what_the_async_examples_use() {
    let blocks = toml_blocks();
    let async_table = blocks
        .iter()
        .map(dependencies)
        .find(|deps| deps["itwin-job-progress"].is_str())
        .expect("a table with the default features");
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
