//! Line charts as SVG, with plotters' SVG backend only (no font or image library).

use std::path::Path;

use plotters::prelude::*;

use crate::figure::Series;

const COLOURS: [RGBColor; 4] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
];

/// Draws each series as a line, with a legend, into `path`; `log_x` for an
/// x axis that spans orders of magnitude (N = 1,000 to 100,000).
pub fn lines(
    path: &Path,
    title: &str,
    labels: (&str, &str),
    log_x: bool,
    series: &[Series],
) -> Result<(), String> {
    let points = || series.iter().flat_map(|series| series.points.iter());
    let x_min = points().map(|point| point.0).fold(f64::INFINITY, f64::min);
    let x_max = points().map(|point| point.0).fold(0.0, f64::max);
    let y_max = points().map(|point| point.1).fold(0.0, f64::max) * 1.1;
    let y_range = 0.0..y_max.max(1.0);
    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    let drawn = if log_x && x_min > 0.0 {
        let x_range = (x_min / 1.5..x_max * 1.5).log_scale();
        draw(&root, title, labels, x_range, y_range, series)
    } else {
        draw(
            &root,
            title,
            labels,
            0.0..(x_max * 1.05).max(1.0),
            y_range,
            series,
        )
    };
    drawn
        .and_then(|()| Ok(root.present()?))
        .map_err(|error| format!("cannot draw {}: {error}", path.display()))
}

fn draw<X>(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    title: &str,
    (x_label, y_label): (&str, &str),
    x_range: X,
    y_range: std::ops::Range<f64>,
    series: &[Series],
) -> Result<(), Box<dyn std::error::Error>>
where
    X: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
    X::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
{
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x_range, y_range)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .draw()?;
    for (index, line) in series.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(
                line.points.iter().copied(),
                colour.stroke_width(2),
            ))?
            .label(line.name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
