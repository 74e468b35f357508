//! `qiflow spc`: a chart from a CSV file, without a server.

use anyhow::{Context, bail};
use chrono::NaiveDate;
use engine::measure::{DataPoint, Measure};
use engine::spc::chart::{ChartRequest, chart};
use engine::spc::run_chart::{RunChartOptions, run_chart};
use engine::spc::view::ChartView;
use engine::{ChartType, ImprovementDirection, MeasureKind};
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
    /// Instead of the chart: how many new points a change of this size needs to show.
    pub time_to_signal: Option<f64>,
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
                Ok(v) if engine::measure::in_range(v) => Ok(v),
                _ => bail!(
                    "row {row}, column {}: '{text}' is not a number between -1e12 and 1e12",
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

/// Runs the command and returns what to print. XmR, P and U charts are built by the same engine
/// function as GraphQL's `Measure.spc` (so `--format json` prints the same object).
pub fn run(request: &SpcRequest<'_>) -> anyhow::Result<String> {
    let attribute = matches!(request.chart, ChartKind::P | ChartKind::U);
    let rows = read_rows(request.file, attribute)?;
    if rows.dates.is_empty() {
        bail!(
            "{}: there are no data rows under the header, so there is nothing to chart",
            request.file.display()
        );
    }
    let direction = match request.direction {
        DirectionArg::Increase => ImprovementDirection::Increase,
        DirectionArg::Decrease => ImprovementDirection::Decrease,
        DirectionArg::Neutral => ImprovementDirection::Neutral,
    };
    let error = |e: engine::InputErrors| anyhow::anyhow!(e.to_string());
    let chart_type = match request.chart {
        ChartKind::Run if request.time_to_signal.is_some() => {
            bail!("--time-to-signal is worked out on an XmR chart, not a run chart")
        }
        ChartKind::Run => {
            let chart = run_chart(
                &rows.first,
                &RunChartOptions {
                    baseline_points: request.fix_after,
                    ..Default::default()
                },
            )
            .map_err(|e| anyhow::anyhow!(e))?;
            return json("RUN", rows.dates, &chart);
        }
        ChartKind::Xmr => ChartType::Xmr,
        ChartKind::P => ChartType::P,
        ChartKind::U => ChartType::U,
    };
    let measure = Measure::parse(
        &request
            .file
            .file_name()
            .map_or("chart".into(), |n| n.to_string_lossy()),
        MeasureKind::Outcome,
        "from a file",
        "",
        direction,
        request.target,
        chart_type,
    )
    .map_err(error)?;
    let points: Vec<DataPoint> = (0..rows.dates.len())
        .map(|i| DataPoint {
            date: rows.dates[i],
            value: (!attribute).then_some(rows.first[i]),
            numerator: attribute.then_some(rows.first[i]),
            denominator: attribute.then_some(rows.second[i]),
            annotation: None,
        })
        .collect();
    let chart_request = ChartRequest {
        preset: match request.preset {
            Preset::PlotTheDots => engine::spc::chart::Preset::PlotTheDots,
            Preset::MdcExcel => engine::spc::chart::Preset::MdcExcel,
        },
        screen_outliers: request.no_screen.then_some(false),
        fix_after_n_points: request.fix_after,
        trend_length: None,
        shift_length: None,
        rebase_dates: request.rebase.to_vec(),
    };
    if let Some(change) = request.time_to_signal {
        let found =
            engine::spc::time_to_signal::for_measure(&measure, &points, &chart_request, change)
                .map_err(|e| {
                    anyhow::anyhow!(e.to_string().replace("change", "--time-to-signal"))
                })?;
        return Ok(if request.json {
            serde_json::to_string_pretty(&found)? + "\n"
        } else {
            let t = &found.time;
            format!(
                "A change of {} ({:.2} sigma, sigma {:.4}) shows after {:.1} new points on average \
                 (95% interval {:.1} to {:.1}); 9 times in 10 within {} points.\n",
                found.change,
                found.change_sigmas,
                found.sigma,
                t.expected_points,
                t.ci95[0],
                t.ci95[1],
                t.p90_points
            )
        });
    }
    let view = chart(&measure, &points, &chart_request).map_err(|e| {
        // Name the command's flags rather than GraphQL's fields.
        anyhow::anyhow!(e.to_string().replace("rebaseDates", "--rebase"))
    })?;
    Ok(if request.json {
        serde_json::to_string_pretty(&view)? + "\n"
    } else {
        table(&view)
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

fn table(chart: &ChartView) -> String {
    let mut out = String::new();
    let dates: Vec<NaiveDate> = chart.points.iter().map(|p| p.date).collect();
    for (i, g) in chart.groups.iter().enumerate() {
        let limits = match (g.lower_limit, g.upper_limit) {
            (Some(l), Some(u)) => format!(", limits {l:.4} to {u:.4}"),
            _ => ", limits per point".to_string(),
        };
        let _ = writeln!(
            out,
            "Group {} from {}: {} points, mean {:.4}{limits}{}",
            i + 1,
            dates[g.first_index],
            g.n,
            g.mean,
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
    for p in &chart.points {
        let _ = writeln!(
            out,
            "{:<12}{:>14.4}  {:<30}{}",
            p.date.to_string(),
            p.value,
            p.rule_label,
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
