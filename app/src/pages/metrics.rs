//! `/functions/{name}/metrics?window=1h|24h|7d&trigger=T`: invocations,
//! errors and latency percentiles of one function as charts, of all its
//! invocations or those of one trigger, refreshed every five seconds.

use fnlab_billing::calendar::{date_label, rfc3339};
use fnlab_billing::report::{Metrics, Starts, Window};
use fnlab_triggers::Trigger;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{RequireUser, Table, ticker};
use crate::billing::get_metrics;
use crate::charts::{Bar, BarChart, Line, LineChart};
use crate::format::{count, latency_ms};

/// How often the charts refresh, in the browser.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

/// The metrics page.
#[component]
pub fn MetricsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let name = move || params.read().get("name").unwrap_or_default();
    let window = move || query.read().get("window").unwrap_or_else(|| "1h".into());
    let trigger = move || query.read().get("trigger").unwrap_or_default();
    let tick = ticker(REFRESH);
    let metrics = Resource::new(
        move || (name(), window(), trigger(), tick.get()),
        |(name, window, trigger, _)| get_metrics(name, window, trigger),
    );
    let href = move |window: &str, trigger: &str| {
        let only = if trigger.is_empty() {
            String::new()
        } else {
            format!("&trigger={trigger}")
        };
        format!("/functions/{}/metrics?window={window}{only}", name())
    };
    view! {
        <Title text=move || format!("Metrics of {}", name()) />
        <RequireUser>
            <div class="page-head">
                <h1>{move || format!("Metrics: {}", name())}</h1>
                <a href=move || format!("/functions/{}", name())>"Back to the function"</a>
            </div>
            <nav class="tabs" aria-label="Window">
                {Window::ALL.map(|w| view! {
                    <a
                        href=move || href(w.as_str(), &trigger())
                        class:current=move || window() == w.as_str()
                    >
                        {match w {
                            Window::Hour => "Last hour",
                            Window::Day => "Last 24 hours",
                            Window::Week => "Last 7 days",
                        }}
                    </a>
                }).to_vec()}
            </nav>
            <nav class="tabs" aria-label="Trigger" data-testid="trigger-tabs">
                {std::iter::once(("", "All triggers"))
                    .chain(Trigger::ALL.map(|t| (t.as_str(), trigger_label(t))))
                    .map(|(t, label)| view! {
                        <a href=move || href(&window(), t) class:current=move || trigger() == t>
                            {label}
                        </a>
                    })
                    .collect_view()}
            </nav>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match metrics.await {
                        Ok(metrics) => view! { <Charts metrics /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </RequireUser>
    }
}

/// A trigger, for people.
fn trigger_label(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Http => "HTTP",
        Trigger::Invoke => "Direct invoke",
        Trigger::Schedule => "Schedules",
        Trigger::Event => "Queue",
        Trigger::File => "File drops",
    }
}

/// The x label of a step starting at `ms`: time of day, or the date at
/// midnight.
fn step_label(ms: i64, window: Window) -> String {
    let time = rfc3339(ms);
    match window {
        Window::Hour | Window::Day => time[11..16].to_owned(),
        Window::Week => date_label(ms)[5..].to_owned(),
    }
}

#[component]
fn Charts(metrics: Metrics) -> impl IntoView {
    let Metrics {
        window,
        invocations,
        errors,
        p50_ms,
        p95_ms,
        p99_ms,
        series,
        starts,
        ..
    } = metrics;
    let error_rate = if invocations > 0 {
        format!("{:.1}%", errors as f64 * 100.0 / invocations as f64)
    } else {
        "–".into()
    };
    let labels: Vec<String> = series.iter().map(|p| step_label(p.start, window)).collect();
    let bars = series
        .iter()
        .zip(&labels)
        .map(|(p, label)| Bar {
            label: label.clone(),
            value: p.invocations as f64,
            text: if p.errors > 0 {
                format!("{} ({} errors)", count(p.invocations), count(p.errors))
            } else {
                count(p.invocations)
            },
            alarm: p.errors as f64,
        })
        .collect();
    let line = |name, class, pick: fn(&fnlab_billing::report::MetricPoint) -> Option<f64>| Line {
        name,
        class,
        values: series.iter().map(pick).collect(),
    };
    let lines = vec![
        line("p50", "p50", |p| p.p50_ms),
        line("p95", "p95", |p| p.p95_ms),
        line("p99", "p99", |p| p.p99_ms),
    ];
    view! {
        <div class="stats">
            <div class="stat" data-testid="metric-invocations">
                <span class="stat-label">"Invocations"</span>
                <span class="stat-value">{count(invocations)}</span>
            </div>
            <div class="stat">
                <span class="stat-label">"Errors"</span>
                <span class="stat-value">{count(errors)}</span>
                <span class="muted small">{error_rate}</span>
            </div>
            <div class="stat" data-testid="metric-latency">
                <span class="stat-label">"Latency p50 / p95 / p99"</span>
                <span class="stat-value small-value">{format!("{} / {} / {}", latency_ms(p50_ms), latency_ms(p95_ms), latency_ms(p99_ms))}</span>
            </div>
        </div>
        <StartsTable starts />
        <h2>"Invocations (errors in red)"</h2>
        <BarChart title="Invocations per step".into() unit="" bars />
        <h2>"Latency"</h2>
        <LineChart title="Latency percentiles per step, ms".into() unit="ms" labels lines />
        <p class="muted small">"Percentiles come from histograms with 8 buckets per doubling: within about 5% of the exact value. Times are UTC."</p>
    }
}

/// Cold starts next to warm ones: how many, and the latency their callers
/// waited.
#[component]
fn StartsTable(starts: Starts) -> impl IntoView {
    let Starts {
        cold,
        cold_p50_ms,
        cold_p99_ms,
        load_p50_ms,
        load_p99_ms,
        warm,
        warm_p50_ms,
        warm_p99_ms,
    } = starts;
    view! {
        <h2>"Cold and warm starts"</h2>
        <Table testid="starts" class="starts" columns=&["Start", "Invocations", "Latency p50 / p99", "Making the program ready p50 / p99"]>
            <tr data-testid="starts-cold">
                <td>"Cold"</td>
                <td class="num">{count(cold)}</td>
                <td>{format!("{} / {}", latency_ms(cold_p50_ms), latency_ms(cold_p99_ms))}</td>
                <td>{format!("{} / {}", latency_ms(load_p50_ms), latency_ms(load_p99_ms))}</td>
            </tr>
            <tr data-testid="starts-warm">
                <td>"Warm"</td>
                <td class="num">{count(warm)}</td>
                <td>{format!("{} / {}", latency_ms(warm_p50_ms), latency_ms(warm_p99_ms))}</td>
                <td>"–"</td>
            </tr>
        </Table>
        <p class="muted small">"A cold start is an invocation whose function's compiled program was not in memory: after a restart, a deploy on another node, or a long idle, it is reloaded from the disk cache (or compiled) first. That time is not billed; the invocation log marks it."</p>
    }
}
