//! `report`: the figures collected by the driver, as a table on stdout,
//! `report.md`, `report.json` and the two charts.

use std::fmt::Write as _;
use std::path::Path;

use crate::args::Args;
use crate::charts;
use crate::figure::Figure;

pub fn run(args: &Args) -> Result<(), String> {
    let results = args.text("results")?;
    let out = Path::new(args.text("out")?);
    let mode = args.text("mode")?;
    let text = std::fs::read_to_string(results)
        .map_err(|error| format!("cannot read {results}: {error}"))?;
    let figures: Vec<Figure> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line).map_err(|error| format!("bad result line `{line}`: {error}"))
        })
        .collect::<Result<_, _>>()?;
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    let machine = machine();

    let mut markdown = format!(
        "# Benchmark report ({mode} run)\n\n{date}, on {machine}. Release builds; the server is \
         `progress-sim` in a separate process on loopback.\n\n"
    );
    markdown.push_str(&table(&figures));
    markdown.push_str(&notes(&figures));
    let charts = [
        (
            "p3-requests.svg",
            "P3: requests over a simulated job",
            "hours",
            "requests so far",
            false,
            figures.iter().find(|figure| figure.id.starts_with("P3")),
        ),
        (
            "p2-memory.svg",
            "P2: client memory per waiting watch",
            "concurrent watches (N, log scale)",
            "bytes per watch",
            true,
            figures
                .iter()
                .rev()
                .find(|figure| figure.id.starts_with("P2 N=")),
        ),
    ];
    markdown.push('\n');
    for (file, title, x, y, log_x, figure) in charts {
        let Some(figure) = figure.filter(|figure| !figure.series.is_empty()) else {
            continue;
        };
        charts::lines(&out.join(file), title, (x, y), log_x, &figure.series)?;
        let _ = writeln!(markdown, "![{title}]({file})\n");
    }

    write(&out.join("report.md"), &markdown)?;
    write(
        &out.join("performance.md"),
        &performance_section(&figures, mode, &date, &machine),
    )?;
    let json =
        serde_json::json!({ "mode": mode, "date": date, "machine": machine, "figures": figures });
    let json = serde_json::to_string_pretty(&json).map_err(|error| error.to_string())?;
    write(&out.join("report.json"), &json)?;
    print!("{}", table(&figures));
    let missed: Vec<&str> = figures
        .iter()
        .filter(|figure| figure.pass == Some(false))
        .map(|figure| figure.id.as_str())
        .collect();
    println!(
        "\n{} figures; targets missed: {}; report in {}",
        figures.len(),
        if missed.is_empty() {
            "none".to_owned()
        } else {
            missed.join(", ")
        },
        out.join("report.md").display()
    );
    Ok(())
}

/// The last full run's section of docs/performance.md: the same table, with the
/// charts as committed under docs/bench/ (the driver copies them there with
/// `--update-docs`), linked from the page beside them.
fn performance_section(figures: &[Figure], mode: &str, date: &str, machine: &str) -> String {
    let mut section = format!(
        "## The last full run\n\n\
         Measured by `cargo xtask bench` ({mode} run) on {date}, on {machine}, with other \
         builds running on the same machine. Every figure is taken against its baseline in the \
         same run against the same `progress-sim` process; times (P1, P2l) move with the \
         machine's load, instruction counts, memory, request counts and crate counts do not. \
         `target/bench/report.md` of a run has the notes on each figure.\n\n"
    );
    section.push_str(&table(figures));
    section.push_str(&notes(figures));
    section.push_str(
        "\n![P3: requests over a simulated job](bench/p3-requests.svg)\n\n\
         ![P2: client memory per waiting watch](bench/p2-memory.svg)\n",
    );
    section
}

/// One line per figure that has a note: how it was measured, the detail behind it.
fn notes(figures: &[Figure]) -> String {
    let mut notes = String::from("\nNotes:\n\n");
    for figure in figures.iter().filter(|figure| !figure.note.is_empty()) {
        let _ = writeln!(notes, "- **{}**: {}", figure.id, figure.note);
    }
    notes
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|error| format!("cannot write {}: {error}", path.display()))
}

/// The Markdown table: figure, ours, baseline, ratio, target, verdict.
fn table(figures: &[Figure]) -> String {
    let mut table = String::from(
        "| figure | what | ours | baseline | ratio | target | verdict |\n|---|---|---|---|---|---|---|\n",
    );
    for figure in figures {
        let value = |value: f64| format!("{} {}", number(value), figure.unit);
        let verdict = match figure.pass {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "reported",
        };
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} | {} |",
            figure.id,
            figure.what,
            value(figure.ours),
            figure.baseline.map(value).unwrap_or_else(|| "-".to_owned()),
            figure
                .ratio()
                .map(|r| format!("{r:.2}x"))
                .unwrap_or_else(|| "-".to_owned()),
            figure.target,
            verdict
        );
    }
    table
}

/// Three significant digits or so, without a wall of decimals.
fn number(value: f64) -> String {
    if value.abs() >= 100.0 || value == value.trunc() {
        format!("{value:.0}")
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// The machine in words: CPU model, cores, memory.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("an unknown CPU");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let gib = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    format!("{cores} cores of {model}, {gib:.0} GiB of memory, Linux")
}
