//! `qiflow spc`: a chart from a CSV file, without a server.

use anyhow::{Context, bail};
use chrono::NaiveDate;
use engine::spc::attribute::{AttributeKind, attribute_chart};
use engine::spc::run_chart::{RunChartOptions, run_chart};
use engine::spc::{Direction, XmrOptions, xmr};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ChartKind {
    Xmr,
    Run,
    P,
    U,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum DirectionArg {
    Increase,
    Decrease,
    Neutral,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Preset {
    /// NHSRplotthedots: trend and shift 7, screening on, two-in-three between 2 and 3 sigma.
    PlotTheDots,
    /// The Making Data Count Excel tool: no screening, two-in-three beyond 2 sigma.
    MdcExcel,
}

/// What `qiflow spc` was asked.
pub struct SpcRequest<'a> {
    pub file: &'a Path,
    pub chart: ChartKind,
    pub direction: DirectionArg,
    pub target: Option<f64>,
    pub preset: Preset,
    pub fix_after: Option<usize>,
    pub rebase: &'a [NaiveDate],
    pub no_screen: bool,
    pub json: bool,
}

struct Rows {
    dates: Vec<NaiveDate>,
    first: Vec<f64>,
    second: Vec<f64>,
}

/// Reads `date,value` (or `date,numerator,denominator`) rows, sorted by date. Errors name the row
/// (counting the header as row 1) and the column.
fn read_rows(file: &Path, attribute: bool) -> anyhow::Result<Rows> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(file)
        .with_context(|| format!("reading {}", file.display()))?;
    let headers = reader.headers()?.clone();
    let wanted: &[&str] = if attribute {
        &["date", "numerator", "denominator"]
    } else {
        &["date", "value"]
    };
    let columns: Vec<usize> = wanted
        .iter()
        .map(|w| {
            headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(w))
                .with_context(|| format!("{}: no '{w}' column in the header", file.display()))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut rows: Vec<(NaiveDate, f64, f64, usize)> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.with_context(|| format!("row {row}"))?;
        let field = |c: usize| record.get(columns[c]).unwrap_or("");
        let date = NaiveDate::parse_from_str(field(0), "%Y-%m-%d").with_context(|| {
            format!(
                "row {row}, column date: '{}' is not a YYYY-MM-DD date",
                field(0)
            )
        })?;
        let number = |c: usize| -> anyhow::Result<f64> {
            let text = field(c);
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => bail!(
                    "row {row}, column {}: '{text}' is not a finite number",
                    wanted[c]
                ),
            }
        };
        let a = number(1)?;
        let b = if attribute { number(2)? } else { 0.0 };
        rows.push((date, a, b, row));
    }
    rows.sort_by_key(|r| r.0);
    if let Some(w) = rows.windows(2).find(|w| w[0].0 == w[1].0) {
        bail!(
            "rows {} and {}: the date {} appears twice",
            w[0].3,
            w[1].3,
            w[0].0
        );
    }
    Ok(Rows {
        dates: rows.iter().map(|r| r.0).collect(),
        first: rows.iter().map(|r| r.1).collect(),
        second: rows.iter().map(|r| r.2).collect(),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Output<T: Serialize> {
    chart: &'static str,
    dates: Vec<NaiveDate>,
    #[serde(flatten)]
    result: T,
}

/// Runs the command and returns what to print.
pub fn run(request: &SpcRequest<'_>) -> anyhow::Result<String> {
    let attribute = matches!(request.chart, ChartKind::P | ChartKind::U);
    let rows = read_rows(request.file, attribute)?;
    let direction = match request.direction {
        DirectionArg::Increase => Direction::Increase,
        DirectionArg::Decrease => Direction::Decrease,
        DirectionArg::Neutral => Direction::Neutral,
    };
    let mut options = match request.preset {
        Preset::PlotTheDots => XmrOptions::plot_the_dots(direction),
        Preset::MdcExcel => XmrOptions::mdc_excel(direction),
    };
    if request.no_screen {
        options.screen_outliers = false;
    }
    options.fix_after_n_points = request.fix_after;
    options.target = request.target;
    options.rebase_at = request
        .rebase
        .iter()
        .map(|d| {
            rows.dates
                .iter()
                .position(|x| x >= d)
                .with_context(|| format!("--rebase {d} is after the last date"))
        })
        .collect::<anyhow::Result<_>>()?;
    let dates = rows.dates.clone();
    let error = |e: String| anyhow::anyhow!(e);
    Ok(match request.chart {
        ChartKind::Xmr => {
            let chart = xmr(&rows.first, &options).map_err(error)?;
            if request.json {
                serde_json::to_string_pretty(&engine::spc::view::xmr_view(
                    &dates, &chart, &options,
                ))? + "\n"
            } else {
                xmr_table(&dates, &chart, &options)
            }
        }
        ChartKind::Run => {
            let chart = run_chart(
                &rows.first,
                &RunChartOptions {
                    baseline_points: request.fix_after,
                    ..Default::default()
                },
            )
            .map_err(error)?;
            json("RUN", dates, &chart)?
        }
        ChartKind::P | ChartKind::U => {
            let kind = if matches!(request.chart, ChartKind::P) {
                AttributeKind::P
            } else {
                AttributeKind::U
            };
            let chart =
                attribute_chart(kind, &rows.first, &rows.second, &options).map_err(error)?;
            json(
                if kind == AttributeKind::P { "P" } else { "U" },
                dates,
                &chart,
            )?
        }
    })
}

fn json<T: Serialize>(
    chart: &'static str,
    dates: Vec<NaiveDate>,
    result: &T,
) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(&Output {
        chart,
        dates,
        result,
    })? + "\n")
}

fn xmr_table(dates: &[NaiveDate], chart: &engine::spc::XmrChart, options: &XmrOptions) -> String {
    let mut out = String::new();
    for (i, g) in chart.groups.iter().enumerate() {
        let _ = writeln!(
            out,
            "Group {} from {}: {} points, mean {:.4}, limits {:.4} to {:.4}{}",
            i + 1,
            dates[g.first_index],
            g.n,
            g.mean,
            g.lower_limit,
            g.upper_limit,
            if g.short_group_warning {
                " (trial limits: fewer than 13 points)"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(
        out,
        "\n{:<12}{:>14}  {:<30}point type",
        "date", "value", "rule"
    );
    for (date, p) in dates.iter().zip(&chart.points) {
        let _ = writeln!(
            out,
            "{:<12}{:>14.4}  {:<30}{}",
            date.to_string(),
            p.value,
            p.rule.label(options.trend_length, options.shift_length),
            p.point_type.reference_name()
        );
    }
    if let Some(v) = chart.variation {
        let _ = writeln!(out, "\nVariation: {}", v.reference_name());
    }
    if let Some(a) = chart.assurance {
        let _ = writeln!(out, "Assurance: {}", a.reference_name());
    }
    out
}
