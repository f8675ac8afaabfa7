//! `/billing`: the month so far and what it costs, the projection, the
//! free tier and quotas (storage among them) as bars, a table per
//! function, a daily chart, past statements and the CSV download. Also the
//! quota alerts the dashboard shows.

use fnlab_billing::calendar::{DAY_MS, civil_from_days, month_start, next_month, parse_instant};
use fnlab_billing::money::{format_micros, format_picos};
use fnlab_billing::plans::Alert;
use fnlab_billing::report::{DayLine, Overview, Statement, UsageReport};
use fnlab_billing::{PriceSheet, PricingModel, StorageUse};
use leptos::prelude::*;
use leptos_meta::Title;

use super::{RequireUser, Table};
use crate::billing::get_billing;
use crate::charts::{Bar, BarChart};
use crate::format::{bytes, count, gb_seconds};

/// The Billing page.
#[component]
pub fn BillingPage() -> impl IntoView {
    let overview = Resource::new(|| (), |()| get_billing());
    view! {
        <Title text="Billing" />
        <RequireUser>
            <div class="page-head">
                <h1>"Billing"</h1>
                <a class="button" href="/api/v1/usage.csv" download="" data-testid="csv">"Download this month as CSV"</a>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(overview) => view! { <Billing overview /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn Billing(overview: Overview) -> impl IntoView {
    let Overview {
        plan,
        quota,
        storage,
        month,
        month_to_date,
        projected_cost_micros,
        alerts,
        days,
        statements,
        prices,
    } = overview;
    let report = month_to_date.clone();
    let free = &report.free_tier;
    let time_label = match prices.model {
        PricingModel::Lambda => "GB-seconds",
        PricingModel::Workers => "CPU ms",
    };
    let (free_time_used, free_time_included, quota_time) = match prices.model {
        PricingModel::Lambda => (
            free.used.gb_seconds,
            free.included.gb_seconds,
            quota.gb_seconds,
        ),
        PricingModel::Workers => (
            free.used.cpu_ms as f64,
            free.included.cpu_ms as f64,
            quota.cpu_ms,
        ),
    };
    let month_time = match prices.model {
        PricingModel::Lambda => report.gb_seconds,
        PricingModel::Workers => report.cpu_ms as f64,
    };
    view! {
        <QuotaAlerts alerts />
        <div class="stats">
            <div class="stat" data-testid="cost-so-far">
                <span class="stat-label">{format!("Cost so far ({month})")}</span>
                <span class="stat-value">{format_micros(report.cost_micros)}</span>
                <span class="muted small">{format!("{} at list price, {} free tier", format_micros(report.gross_micros), format_micros(-free.credit_micros))}</span>
            </div>
            <div class="stat" data-testid="projected">
                <span class="stat-label">"Projected for the month"</span>
                <span class="stat-value">{format_micros(projected_cost_micros)}</span>
                <span class="muted small">"if usage goes on as so far"</span>
            </div>
            <div class="stat" data-testid="requests">
                <span class="stat-label">"Requests"</span>
                <span class="stat-value">{count(report.requests)}</span>
                <span class="muted small">{format!("{} errors · {}", count(report.errors), gb_seconds(report.gb_seconds))}</span>
            </div>
            <div class="stat" data-testid="kv-usage">
                <span class="stat-label">"Key-value operations"</span>
                <span class="stat-value">{format!("{} reads · {} writes", count(report.kv_reads), count(report.kv_writes))}</span>
                <span class="muted small">{format!("{} per million reads, {} per million writes", format_picos(prices.per_million_kv_reads), format_picos(prices.per_million_kv_writes))}</span>
            </div>
            <div class="stat">
                <span class="stat-label">"Plan"</span>
                <span class="stat-value">{plan}</span>
                <span class="muted small">{price_note(&prices)}</span>
            </div>
        </div>
        <h2>"Free tier this month"</h2>
        <Meter label="Requests" used=free.used.requests as f64 limit=free.included.requests as f64 text=format!("{} of {}", count(free.used.requests), count(free.included.requests)) />
        <Meter label=time_label used=free_time_used limit=free_time_included text=format!("{free_time_used:.3} of {}", count(free_time_included as i64)) />
        <Meter label="KV reads" used=free.used.kv_reads as f64 limit=free.included.kv_reads as f64 text=format!("{} of {}", count(free.used.kv_reads), count(free.included.kv_reads)) />
        <Meter label="KV writes" used=free.used.kv_writes as f64 limit=free.included.kv_writes as f64 text=format!("{} of {}", count(free.used.kv_writes), count(free.included.kv_writes)) />
        <h2>"Quotas"</h2>
        {quota.requests.map(|cap| view! {
            <Meter label="Requests" used=report.requests as f64 limit=cap as f64 text=format!("{} of {}", count(report.requests), count(cap)) />
        })}
        {quota_time.map(|cap| view! {
            <Meter label=time_label used=month_time limit=cap as f64 text=format!("{month_time:.3} of {}", count(cap)) />
        })}
        <Storage storage />
        <h2>"By function"</h2>
        <FunctionsTable report />
        <h2>"Requests per day"</h2>
        <DailyChart days=days.clone() month=month_to_date.from.clone() />
        <h2>"Statements"</h2>
        <Statements statements />
    }
}

/// "$0.20 per million requests, $0.0000166667 per GB-second".
fn price_note(prices: &PriceSheet) -> String {
    let per_request = format_picos(prices.per_million_requests);
    match prices.model {
        PricingModel::Lambda => format!(
            "{per_request} per million requests + {} per GB-second",
            format_picos(prices.per_gb_second)
        ),
        PricingModel::Workers => format!(
            "{per_request} per million requests + {} per million CPU ms",
            format_picos(prices.per_million_cpu_ms)
        ),
    }
}

/// A labelled bar showing `used` of `limit`.
#[component]
fn Meter(label: &'static str, used: f64, limit: f64, text: String) -> impl IntoView {
    let percent = if limit > 0.0 {
        (used / limit * 100.0).min(100.0)
    } else {
        100.0
    };
    let level = match percent {
        p if p >= 100.0 => "full",
        p if p >= 90.0 => "high",
        p if p >= 75.0 => "warn",
        _ => "ok",
    };
    view! {
        <div class="meter-row">
            <span class="meter-label">{label}</span>
            <div class=format!("meter {level}") role="meter" aria-label=label aria-valuenow=format!("{percent:.0}") aria-valuemin="0" aria-valuemax="100">
                <span style=format!("width: {percent:.1}%")></span>
            </div>
            <span class="meter-text">{format!("{text} ({percent:.0}%)")}</span>
        </div>
    }
}

/// What the user stores: a bar against the plan's storage quota, or the
/// amount alone when the plan has none.
#[component]
fn Storage(storage: StorageUse) -> impl IntoView {
    let used = bytes(storage.used_bytes);
    match storage.quota_bytes {
        Some(quota) => view! {
            <Meter label="Storage" used=storage.used_bytes as f64 limit=quota as f64 text=format!("{used} of {}", bytes(quota)) />
        }
        .into_any(),
        None => view! {
            <p class="muted" data-testid="storage">{format!("Storage: {used} (no quota on this plan)")}</p>
        }
        .into_any(),
    }
}

/// The quota warnings: at 75% and 90% a notice, at 100% an error saying
/// functions answer 429.
#[component]
pub fn QuotaAlerts(
    /// The alerts to show, one line each.
    alerts: Vec<Alert>,
) -> impl IntoView {
    alerts
        .into_iter()
        .map(|alert| {
            let what = alert.dimension.label();
            let used = count(alert.used);
            let (class, text) = if alert.level >= 100 {
                ("error", format!("You have used your monthly quota of {} {what}: your functions answer 429 until next month, unless an admin moves you to a larger plan.", count(alert.limit)))
            } else {
                ("warning", format!("You have used {}% of your monthly quota of {what} ({used} of {}). At 100% your functions answer 429 until next month.", alert.level, count(alert.limit)))
            };
            view! { <p class=format!("alert {class}") role="alert" data-testid="quota-alert">{text}</p> }
        })
        .collect_view()
}

#[component]
fn FunctionsTable(report: UsageReport) -> impl IntoView {
    if report.functions.is_empty() {
        return view! { <p class="empty">"No invocations this month yet."</p> }.into_any();
    }
    view! {
        <Table testid="billing-functions" columns=&["Function", "Requests", "Errors", "GB-seconds", "CPU ms", "Sent", "KV reads", "KV writes", "Cost (list price)"]>
            {report.functions.iter().map(|f| view! {
                <tr>
                    <td><a href=format!("/functions/{}/metrics", f.name)>{f.name.clone()}</a></td>
                    <td class="num">{count(f.requests)}</td>
                    <td class="num">{count(f.errors)}</td>
                    <td class="num">{format!("{:.3}", f.gb_seconds)}</td>
                    <td class="num">{count(f.cpu_ms)}</td>
                    <td class="num">{bytes(f.bytes_out)}</td>
                    <td class="num">{count(f.kv_reads)}</td>
                    <td class="num">{count(f.kv_writes)}</td>
                    <td class="num">{format_micros(f.cost_micros)}</td>
                </tr>
            }).collect_view()}
            <tr class="subtotal">
                <td colspan="8">"Usage at list price"</td>
                <td class="num">{format_micros(report.gross_micros)}</td>
            </tr>
            <tr class="subtotal">
                <td colspan="8">"Free tier"</td>
                <td class="num">{format_micros(-report.free_tier.credit_micros)}</td>
            </tr>
            <tr class="total">
                <td colspan="8">"Total so far"</td>
                <td class="num" data-testid="total">{format_micros(report.cost_micros)}</td>
            </tr>
        </Table>
    }
    .into_any()
}

/// One bar per day of the month up to today, errors in red.
#[component]
fn DailyChart(days: Vec<DayLine>, month: String) -> impl IntoView {
    let start = parse_instant(&month).map(month_start).unwrap_or_default();
    let last_day = days.last().map_or(start, |d| d.day);
    let n = ((next_month(start).min(last_day + DAY_MS) - start) / DAY_MS).max(1);
    let bars = (0..n)
        .map(|i| {
            let day = start + i * DAY_MS;
            let line = days.iter().find(|d| d.day == day);
            let (_, _, dom) = civil_from_days(day / DAY_MS);
            let requests = line.map_or(0, |d| d.requests);
            Bar {
                label: dom.to_string(),
                value: requests as f64,
                text: count(requests),
                alarm: line.map_or(0, |d| d.errors) as f64,
            }
        })
        .collect();
    view! { <BarChart title="Requests per day, errors in red".into() unit="req" bars /> }
}

#[component]
fn Statements(statements: Vec<Statement>) -> impl IntoView {
    if statements.is_empty() {
        return view! { <p class="muted">"No earlier months with usage."</p> }.into_any();
    }
    view! {
        <Table testid="statements" columns=&["Month", "Requests", "GB-seconds", "List price", "Free tier", "Total", ""]>
            {statements.into_iter().map(|s| view! {
                <tr>
                    <td>{s.month.clone()}</td>
                    <td class="num">{count(s.requests)}</td>
                    <td class="num">{format!("{:.3}", s.gb_seconds)}</td>
                    <td class="num">{format_micros(s.gross_micros)}</td>
                    <td class="num">{format_micros(-s.free_tier_micros)}</td>
                    <td class="num">{format_micros(s.cost_micros)}</td>
                    <td class="actions"><a href=format!("/api/v1/usage.csv?month={}", s.month) download="">"CSV"</a></td>
                </tr>
            }).collect_view()}
        </Table>
    }
    .into_any()
}
