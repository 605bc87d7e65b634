//! `latency.svg`: the median time of one signature, per algorithm, single party and at every
//! threshold quorum, on a logarithmic axis with the fastest-to-slowest sample range.

use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use qoesign_benches::record::{Family, Role};

use super::report::{Measured, Report};

/// The rows the chart shows: the 32-byte single-party signature with each algorithm's
/// reference implementation, and every threshold signature, in report order.
fn bars(report: &Report) -> Vec<&Measured> {
    report
        .rows
        .iter()
        .filter(|m| m.row.op == "sign" && m.median_ns.is_some())
        .filter(|m| match m.row.role {
            Role::Single => {
                m.row.message == Some(32)
                    && matches!(
                        m.row.implementation.as_str(),
                        "p256" | "qoesign" | "pqclean"
                    )
            }
            Role::Threshold => true,
            Role::Engine | Role::Detail => false,
        })
        .collect()
}

fn label(m: &Measured) -> String {
    match m.row.quorum {
        Some(q) => format!("{} {}", m.row.algorithm, q.label()),
        None => format!("{} single ({})", m.row.algorithm, m.row.implementation),
    }
}

/// Draws the chart to `path`.
///
/// # Errors
///
/// Returns the drawing error, or an error when no row has a time to draw.
pub(crate) fn draw(report: &Report, path: &Path) -> Result<()> {
    let bars = bars(report);
    if bars.is_empty() {
        return Err(anyhow!("no signing row has a time to draw"));
    }
    let ms = |ns: Option<f64>| ns.map_or(f64::NAN, |ns| ns / 1e6);
    let lo = bars
        .iter()
        .map(|m| ms(m.min_ns.or(m.median_ns)))
        .fold(f64::INFINITY, f64::min);
    let hi = bars
        .iter()
        .map(|m| ms(m.max_ns.or(m.median_ns)))
        .fold(0.0, f64::max);
    let (lo, hi) = (
        10f64.powf((lo.log10() - 0.2).floor()),
        10f64.powf((hi.log10() + 0.2).ceil()),
    );
    let count = u32::try_from(bars.len()).unwrap_or(u32::MAX);
    let height = 120 + 22 * count;
    let root = SVGBackend::new(path, (1100, height)).into_drawing_area();
    let draw_error = |e: &dyn std::fmt::Display| anyhow!("cannot draw {}: {e}", path.display());
    root.fill(&WHITE).map_err(|e| draw_error(&e))?;
    let title = if report.quick {
        "One signature (quick run: single iterations, not measurements)"
    } else {
        "One signature: median, fastest and slowest sample"
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(290)
        .build_cartesian_2d((lo..hi).log_scale(), (0..count).into_segmented())
        .map_err(|e| draw_error(&e))?;
    let labels: Vec<String> = bars.iter().map(|m| label(m)).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(bars.len())
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels
                .get(
                    count
                        .checked_sub(1 + *i)
                        .and_then(|i| usize::try_from(i).ok())
                        .unwrap_or(usize::MAX),
                )
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        })
        .x_desc("milliseconds per signature (log scale)")
        .x_label_formatter(&|x| format!("{x}"))
        .draw()
        .map_err(|e| draw_error(&e))?;
    let colour = |m: &Measured| match (m.row.family, m.row.role) {
        (Family::Classical, Role::Single) => RGBColor(120, 160, 220),
        (Family::Classical, _) => RGBColor(40, 90, 170),
        (Family::PostQuantum, Role::Single) => RGBColor(240, 170, 100),
        (Family::PostQuantum, _) => RGBColor(200, 100, 30),
    };
    // The first row at the top: plotters counts the vertical axis upwards.
    for (i, m) in (0..count).rev().zip(&bars) {
        let mut bar = Rectangle::new(
            [
                (lo, SegmentValue::Exact(i)),
                (ms(m.median_ns), SegmentValue::Exact(i + 1)),
            ],
            colour(m).filled(),
        );
        bar.set_margin(3, 3, 0, 0);
        chart
            .draw_series(std::iter::once(bar))
            .map_err(|e| draw_error(&e))?;
        if let (Some(min), Some(max)) = (m.min_ns, m.max_ns)
            && m.samples > 1
        {
            let whisker = PathElement::new(
                vec![
                    (min / 1e6, SegmentValue::CenterOf(i)),
                    (max / 1e6, SegmentValue::CenterOf(i)),
                ],
                BLACK.stroke_width(2),
            );
            chart
                .draw_series(std::iter::once(whisker))
                .map_err(|e| draw_error(&e))?;
        }
    }
    root.present().map_err(|e| draw_error(&e))?;
    Ok(())
}
