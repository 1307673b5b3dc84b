//! The README's scenario example is a scenario the simulator accepts.

#[test]
fn the_readme_scenario_example_is_valid() {
    let readme = include_str!("../README.md");
    let start = readme.find("```json\n").expect("a JSON example") + "```json\n".len();
    let length = readme[start..].find("```").expect("the example ends");
    let example = &readme[start..start + length];
    progress_sim::Scenario::from_json(example).unwrap_or_else(|error| panic!("{error}\n{example}"));
}
