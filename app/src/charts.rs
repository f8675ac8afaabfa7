//! Charts as plain SVG, rendered on the server like the rest of the page:
//! no chart library, readable without hovering (axis labels, a legend, and
//! each bar's value written on it when there is room).

use leptos::prelude::*;

/// Drawing area, in SVG units.
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 200.0;
/// Room for the axis labels.
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 16.0;
/// Bars that still get their value written on them.
const LABELLED_BARS: usize = 31;

/// One bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Under the bar (shown for some bars only when there are many).
    pub label: String,
    /// Its height.
    pub value: f64,
    /// The value in words, written on the bar and in its tooltip.
    pub text: String,
    /// Part of the value drawn in the alarm colour (errors among
    /// invocations).
    pub alarm: f64,
}

/// A line of a [`LineChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Its name in the legend.
    pub name: &'static str,
    /// CSS class giving its colour.
    pub class: &'static str,
    /// One value per x step; `None` is a gap.
    pub values: Vec<Option<f64>>,
}

/// The y axis: a round maximum above `max` and its label.
fn y_max(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|step| step * magnitude)
        .find(|top| *top >= max)
        .unwrap_or(max)
}

/// Every `k`-th x label, so that about eight show.
fn label_every(n: usize) -> usize {
    n.div_ceil(8).max(1)
}

/// The frame: y axis with its top and zero labelled, and the x labels.
#[component]
fn Frame(top: f64, unit: &'static str, labels: Vec<String>, children: Children) -> impl IntoView {
    let every = label_every(labels.len());
    let step = (WIDTH - LEFT) / labels.len().max(1) as f64;
    view! {
        <line class="axis" x1=LEFT y1=TOP x2=LEFT y2=HEIGHT - BOTTOM />
        <line class="axis" x1=LEFT y1=HEIGHT - BOTTOM x2=WIDTH y2=HEIGHT - BOTTOM />
        <line class="grid" x1=LEFT y1=TOP x2=WIDTH y2=TOP />
        <text class="tick" x=LEFT - 6.0 y=TOP + 4.0 text-anchor="end">{format!("{} {unit}", short(top))}</text>
        <text class="tick" x=LEFT - 6.0 y=HEIGHT - BOTTOM text-anchor="end">"0"</text>
        {labels
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, label)| {
                let x = LEFT + (i as f64 + 0.5) * step;
                view! { <text class="tick" x=x y=HEIGHT - 6.0 text-anchor="middle">{label}</text> }
            })
            .collect_view()}
        {children()}
    }
}

/// A number in few characters: 1.2k, 3.4M, 0.25.
fn short(value: f64) -> String {
    match value {
        v if v >= 1e6 => format!("{:.1}M", v / 1e6),
        v if v >= 1e4 => format!("{:.0}k", v / 1e3),
        v if v >= 1e3 => format!("{:.1}k", v / 1e3),
        v if v >= 10.0 || v == v.trunc() => format!("{v:.0}"),
        v => format!("{v:.2}"),
    }
}

/// A bar chart.
#[component]
pub fn BarChart(
    /// Names the chart for people and tests.
    title: String,
    /// The y unit.
    unit: &'static str,
    /// The bars, left to right.
    bars: Vec<Bar>,
) -> impl IntoView {
    let top = y_max(bars.iter().map(|b| b.value).fold(0.0, f64::max));
    let step = (WIDTH - LEFT) / bars.len().max(1) as f64;
    let scale = (HEIGHT - BOTTOM - TOP) / top;
    let labelled = bars.len() <= LABELLED_BARS;
    let labels = bars.iter().map(|b| b.label.clone()).collect();
    let label = title.clone();
    view! {
        <svg class="chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label data-testid="chart">
            <title>{title}</title>
            <Frame top unit labels>
                {bars
                    .into_iter()
                    .enumerate()
                    .map(|(i, bar)| {
                        let x = LEFT + i as f64 * step + step * 0.15;
                        let height = bar.value * scale;
                        let alarm = bar.alarm.min(bar.value) * scale;
                        let y = HEIGHT - BOTTOM - height;
                        view! {
                            <g class="bar">
                                <title>{format!("{}: {}", bar.label, bar.text)}</title>
                                <rect x=x y=y width=step * 0.7 height=height />
                                {(alarm > 0.0).then(|| view! {
                                    <rect class="alarm" x=x y=HEIGHT - BOTTOM - alarm width=step * 0.7 height=alarm />
                                })}
                                {(labelled && bar.value > 0.0).then(|| view! {
                                    <text class="value" x=x + step * 0.35 y=y - 3.0 text-anchor="middle">{bar.text.clone()}</text>
                                })}
                            </g>
                        }
                    })
                    .collect_view()}
            </Frame>
        </svg>
    }
}

/// A line chart with a legend.
#[component]
pub fn LineChart(
    /// Names the chart for people and tests.
    title: String,
    /// The y unit.
    unit: &'static str,
    /// Labels under the x steps.
    labels: Vec<String>,
    /// The lines.
    lines: Vec<Line>,
) -> impl IntoView {
    let max = lines
        .iter()
        .flat_map(|l| l.values.iter().flatten())
        .fold(0.0, |m: f64, v| m.max(*v));
    let top = y_max(max);
    let step = (WIDTH - LEFT) / labels.len().max(1) as f64;
    let scale = (HEIGHT - BOTTOM - TOP) / top;
    let point = move |i: usize, v: f64| {
        format!(
            "{:.1},{:.1}",
            LEFT + (i as f64 + 0.5) * step,
            HEIGHT - BOTTOM - v * scale
        )
    };
    let label = title.clone();
    let legend: Vec<(&'static str, &'static str)> =
        lines.iter().map(|l| (l.name, l.class)).collect();
    view! {
        <svg class="chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label data-testid="chart">
            <title>{title}</title>
            <Frame top unit labels>
                {lines
                    .iter()
                    .map(|line| {
                        // One polyline per unbroken run of values.
                        let mut runs: Vec<Vec<String>> = vec![Vec::new()];
                        for (i, value) in line.values.iter().enumerate() {
                            match value {
                                Some(v) => runs.last_mut().into_iter().for_each(|r| r.push(point(i, *v))),
                                None => runs.push(Vec::new()),
                            }
                        }
                        let class = line.class;
                        runs.into_iter()
                            .filter(|run| !run.is_empty())
                            .map(|run| {
                                let dot = (run.len() == 1).then(|| run[0].clone());
                                view! {
                                    <polyline class=format!("line {class}") points=run.join(" ") />
                                    {dot.map(|d| {
                                        let (x, y) = d.split_once(',').unwrap_or(("0", "0"));
                                        view! { <circle class=format!("line {class}") cx=x.to_owned() cy=y.to_owned() r="2.5" /> }
                                    })}
                                }
                            })
                            .collect_view()
                    })
                    .collect_view()}
            </Frame>
        </svg>
        <ul class="legend">
            {legend
                .into_iter()
                .map(|(name, class)| view! { <li class=class>{name}</li> })
                .collect_view()}
        </ul>
    }
}
