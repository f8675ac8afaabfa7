//! `/admin?sort=…`: every user's month so far, sortable by any column, with
//! their plan (changeable here). Only for the admins granted on the server
//! with `fnlab admin grant` (an instructor watching a class); everyone else
//! gets "not found".

use fnlab_billing::money::format_micros;
use fnlab_billing::report::UserSort;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::RequireUser;
use crate::billing::{AdminView, SetUserPlan, admin_usage};
use crate::format::{bytes, count};

/// The admin page.
#[component]
pub fn AdminPage() -> impl IntoView {
    let query = use_query_map();
    let sort = move || query.read().get("sort").unwrap_or_else(|| "cost".into());
    let set_plan = ServerAction::<SetUserPlan>::new();
    let view_data = Resource::new(
        move || (sort(), set_plan.version().get()),
        |(sort, _)| admin_usage(sort),
    );
    view! {
        <Title text="Admin" />
        <RequireUser>
            <h1>"Usage of every user"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match view_data.await {
                        Ok(data) => view! { <Users data sort=sort() set_plan /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </RequireUser>
    }
}

/// The column headings: each links to sorting by it.
const COLUMNS: [(&str, Option<UserSort>); 9] = [
    ("User", Some(UserSort::Username)),
    ("Plan", None),
    ("Requests", Some(UserSort::Requests)),
    ("Errors", Some(UserSort::Errors)),
    ("GB-seconds", Some(UserSort::GbSeconds)),
    ("CPU ms", None),
    ("Sent", None),
    ("Cost", Some(UserSort::Cost)),
    ("Quota", None),
];

#[component]
fn Users(data: AdminView, sort: String, set_plan: ServerAction<SetUserPlan>) -> impl IntoView {
    let AdminView {
        month,
        plans,
        users,
    } = data;
    view! {
        <p class="muted">{format!("{month}, month to date, sorted by {}.", sort.replace('_', " "))}</p>
        <table class="table" data-testid="admin-users">
            <thead>
                <tr>
                    {COLUMNS.into_iter().map(|(name, key)| view! {
                        <th>
                            {match key {
                                Some(key) => view! {
                                    <a href=format!("/admin?sort={}", key.as_str()) class:current=key.as_str() == sort>{name}</a>
                                }.into_any(),
                                None => name.into_any(),
                            }}
                        </th>
                    }).collect_view()}
                </tr>
            </thead>
            <tbody>
                {users.into_iter().map(|u| {
                    let plans = plans.clone();
                    view! {
                        <tr>
                            <td>{u.username.clone()}</td>
                            <td>
                                <ActionForm action=set_plan attr:class="inline-form">
                                    <input type="hidden" name="username" value=u.username.clone() />
                                    <select name="plan" aria-label=format!("Plan of {}", u.username)>
                                        {plans.into_iter().map(|p| {
                                            let selected = p == u.plan;
                                            view! { <option value=p.clone() selected=selected>{p.clone()}</option> }
                                        }).collect_view()}
                                    </select>
                                    <button type="submit" class="secondary">"Set"</button>
                                </ActionForm>
                            </td>
                            <td class="num">{count(u.requests)}</td>
                            <td class="num">{count(u.errors)}</td>
                            <td class="num">{format!("{:.3}", u.gb_seconds)}</td>
                            <td class="num">{count(u.cpu_ms)}</td>
                            <td class="num">{bytes(u.bytes_out)}</td>
                            <td class="num">{format_micros(u.cost_micros)}</td>
                            <td>{match u.alert_level {
                                0 => "".to_owned(),
                                level => format!("{level}% used"),
                            }}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
