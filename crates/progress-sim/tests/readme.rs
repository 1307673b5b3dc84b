//! The README's scenario example is a scenario the simulator accepts.

#[test]
fn the_readme_scenario_example_is_valid() {
    let readme = include_str!("../README.md");
    let start = readme.find("```json\n").expect("a JSON example") + "```json\n".len();
    let length = readme[start..].find("```").expect("the example ends");
    let example = &readme[start..start + length];
    progress_sim::Scenario::from_json(example).unwrap_or_else(|error| panic!("{error}\n{example}"));
}

/// Every field name of a scenario with every section present, nested ones included.
fn field_names(value: &serde_json::Value, names: &mut Vec<String>) {
    if let serde_json::Value::Object(members) = value {
        for (name, member) in members {
            names.push(name.clone());
            field_names(member, names);
        }
    }
}

#[test]
fn the_readme_documents_every_scenario_field() {
    let scenario = progress_sim::Scenario::from_json(
        r#"{
            "time_scale": 2,
            "accepted_tokens": ["t"],
            "oauth": { "clients": { "client-id": { "secret": "s" } }, "faults": {} },
            "rate_limit": { "min_interval_seconds": 1, "retry_after_seconds": 1 },
            "token_rate_limit": { "requests_per_second": 1, "burst": 1 },
            "faults": {},
            "webhook_deliveries": {},
            "webhook_page_size": 10,
            "jobs": { "job-id": {
                "service": "s", "rate_limited_requests": [1],
                "points": [ { "at_seconds": 0, "state": "active", "percentage": 1, "step": "x" } ]
            } }
        }"#,
    )
    .unwrap();
    let mut names = Vec::new();
    field_names(&serde_json::to_value(&scenario).unwrap(), &mut names);
    let readme = include_str!("../README.md");
    let ids = ["client-id", "job-id"];
    let missing: Vec<&String> = names
        .iter()
        .filter(|name| !ids.contains(&name.as_str()))
        .filter(|name| {
            !readme.contains(&format!("`{name}`")) && !readme.contains(&format!(".{name}`"))
        })
        .collect();
    assert!(missing.is_empty(), "not in the README: {missing:?}");
    assert!(names.len() > 40, "the walk found the fields: {names:?}");
}
