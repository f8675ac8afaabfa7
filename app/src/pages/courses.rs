//! Courses: `/courses` (the user's courses, a new one, joining by code),
//! `/join/{code}` (where an invite link lands) and `/courses/{id}` (staff:
//! the invite link, members, a new assignment and the grid; students:
//! each assignment with their own result).

use fnlab_courses::model::{Assignment, CourseView, Grid, Member, Submission};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::not_found::NotFound;
use super::{RequireUser, Table};
use crate::auth::Auth;
use crate::courses::{
    AddAssignment, CourseOverview as CourseData, CreateCourse, ImportRoster, JoinCourse,
    RemoveMember, RotateInvite, SetMember, SetUncapped, UpdateCourse, course_page, my_courses,
};
use crate::format::utc_time;

/// Opens `/courses/{id}` once `action` answers a course.
fn open_course_on_success<A>(action: ServerAction<A>)
where
    A: leptos::server_fn::ServerFn<Output = CourseView> + Clone + Send + Sync + 'static,
    A::Error: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(course)) = action.value().get() {
            use_navigate()(
                &format!("/courses/{}", course.course.id),
                Default::default(),
            );
        }
    });
}

/// `/courses`.
#[component]
pub fn CoursesPage() -> impl IntoView {
    let create = ServerAction::<CreateCourse>::new();
    let join = ServerAction::<JoinCourse>::new();
    open_course_on_success(create);
    open_course_on_success(join);
    let courses = Resource::new(|| (), |()| my_courses());
    let failed = move || {
        (create.value().get().and_then(Result::err)).or(join.value().get().and_then(Result::err))
    };
    view! {
        <Title text="Courses" />
        <RequireUser>
            <div class="page-head"><h1>"Courses"</h1></div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match courses.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty">"You are in no course yet: join one with the code or link your instructor gave you, or create one to teach."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <Table testid="courses" columns=&["Course", "Dates", "Your role"]>
                                {list.into_iter().map(|c| view! {
                                    <tr>
                                        <td><a href=format!("/courses/{}", c.course.id)>{c.course.name.clone()}</a></td>
                                        <td>{format!("{} – {}", c.course.starts_on, c.course.ends_on)}</td>
                                        <td>{c.course.role.as_str()}</td>
                                    </tr>
                                }).collect_view()}
                            </Table>
                        }.into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <h2>"Join a course"</h2>
            <ActionForm action=join>
                <div class="inline-form">
                    <input name="code" required placeholder="Invite code or link" aria-label="Invite code" class="mono" />
                    <button type="submit" class="primary">"Join"</button>
                </div>
            </ActionForm>
            <h2>"Teach a course"</h2>
            <ActionForm action=create>
                <div class="inline-form">
                    <input name="name" required maxlength="120" placeholder="Course name" aria-label="Course name" />
                    <label>"From " <input type="date" name="starts_on" required aria-label="First day" /></label>
                    <label>"to " <input type="date" name="ends_on" required aria-label="Last day" /></label>
                    <button type="submit" class="primary">"Create course"</button>
                </div>
            </ActionForm>
            {move || failed().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        </RequireUser>
    }
}

/// `/join/{code}`: where an invite link lands.
#[component]
pub fn JoinPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.read().get("code").unwrap_or_default();
    let auth = Auth::get();
    let join = ServerAction::<JoinCourse>::new();
    open_course_on_success(join);
    let failed = move || join.value().get().and_then(Result::err);
    view! {
        <Title text="Join a course" />
        <div class="page-head"><h1>"Join a course"</h1></div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) => view! {
                        <p>{format!("Join as {} with the invite code ", user.username)} <code>{code()}</code> "?"</p>
                        <ActionForm action=join>
                            <input type="hidden" name="code" value=code() />
                            <button type="submit" class="primary">"Join the course"</button>
                        </ActionForm>
                    }.into_any(),
                    _ => view! {
                        <p>"To join, " <a href="/signup">"sign up"</a> " or " <a href="/login">"log in"</a>
                        ", then open this link again."</p>
                    }.into_any(),
                }
            })}
        </Transition>
        {move || failed().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
    }
}

/// `/courses/{id}`.
#[component]
pub fn CoursePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let rotate = ServerAction::<RotateInvite>::new();
    let roster = ServerAction::<ImportRoster>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let set_role = ServerAction::<SetMember>::new();
    let add = ServerAction::<AddAssignment>::new();
    let update = ServerAction::<UpdateCourse>::new();
    let uncap = ServerAction::<SetUncapped>::new();
    let page = Resource::new(
        move || {
            let changes = (
                rotate.version().get(),
                roster.version().get(),
                remove.version().get(),
            );
            let more = (
                set_role.version().get(),
                add.version().get(),
                update.version().get(),
                uncap.version().get(),
            );
            (id(), changes, more)
        },
        |(id, ..)| course_page(id),
    );
    let actions = Actions {
        rotate,
        roster,
        remove,
        set_role,
        add,
        update,
        uncap,
    };
    view! {
        <Title text="Course" />
        <RequireUser>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <Course page actions /> }.into_any(),
                        Err(_) => view! { <NotFound /> }.into_any(),
                    }
                })}
            </Transition>
        </RequireUser>
    }
}

/// What staff change on a course's page.
#[derive(Clone, Copy)]
struct Actions {
    rotate: ServerAction<RotateInvite>,
    roster: ServerAction<ImportRoster>,
    remove: ServerAction<RemoveMember>,
    set_role: ServerAction<SetMember>,
    add: ServerAction<AddAssignment>,
    update: ServerAction<UpdateCourse>,
    uncap: ServerAction<SetUncapped>,
}

#[component]
fn Course(page: CourseData, actions: Actions) -> impl IntoView {
    let CourseData {
        course,
        assignments,
        members,
        grid,
        mine,
        usage,
    } = page;
    let id = course.course.id;
    let staff = course.course.role.staff();
    let instructor = course.course.role == fnlab_courses::Role::Instructor;
    view! {
        <div class="page-head">
            <h1 data-testid="course-name">{course.course.name.clone()}</h1>
            <span class="badge">{course.course.role.as_str()}</span>
        </div>
        <p class="muted">{format!("{} – {}", course.course.starts_on, course.course.ends_on)}
            " · after its last day, students' assignment functions stop answering (their code stays readable)."</p>
        <p class="muted" data-testid="course-caps">{caps_text(&course.course.caps, usage.as_ref())}</p>
        {instructor.then(|| view! { <Dates course=course.course.clone() update=actions.update /> })}
        {course.invite_url.clone().map(|url| view! { <Invite id url code=course.course.invite_code.clone().unwrap_or_default() rotate=actions.rotate editable=instructor /> })}
        <h2>"Assignments"</h2>
        {if staff {
            view! { <StaffAssignments id assignments grid /> }.into_any()
        } else {
            view! { <StudentAssignments assignments mine /> }.into_any()
        }}
        {instructor.then(|| view! { <NewAssignment id add=actions.add /> })}
        {staff.then(|| view! { <Members id members actions editable=instructor /> })}
    }
}

/// The course's caps per student, with the student's own use of them.
fn caps_text(
    caps: &fnlab_courses::CourseCaps,
    usage: Option<&fnlab_courses::CourseUsage>,
) -> String {
    use crate::format::count;
    let mut parts = Vec::new();
    let used = |n: i64| {
        usage
            .map(|_| format!("{} of ", count(n)))
            .unwrap_or_default()
    };
    if let Some(cap) = caps.requests {
        parts.push(format!(
            "{}{} requests",
            used(usage.map_or(0, |u| u.requests)),
            count(cap)
        ));
    }
    if let Some(cap) = caps.gb_seconds {
        let gbs = usage.map_or(0, |u| u.mb_ms / 1_024_000);
        parts.push(format!("{}{} GB-seconds", used(gbs), count(cap)));
    }
    if let Some(cap) = caps.storage_mb {
        let mb = usage.map_or(0, |u| u.stored_bytes >> 20);
        parts.push(format!("{}{} MiB stored", used(mb), count(cap)));
    }
    match (parts.is_empty(), usage.is_some_and(|u| u.uncapped)) {
        (_, true) => "Your instructor lifted the course's caps for you.".to_owned(),
        (true, _) => "No caps per student on the assignments' functions.".to_owned(),
        (false, _) => format!(
            "Caps per student, over all the assignments: {}.",
            parts.join(", ")
        ),
    }
}

/// The instructor's form to rename the course, move its dates or set
/// its caps per student.
#[component]
fn Dates(course: fnlab_courses::Course, update: ServerAction<UpdateCourse>) -> impl IntoView {
    let failed = move || update.value().get().and_then(Result::err);
    view! {
        <details class="course-dates">
            <summary>"Rename, extend or cap the course"</summary>
            <ActionForm action=update>
                <div class="inline-form">
                    <input type="hidden" name="id" value=course.id />
                    <input name="name" required maxlength="120" value=course.name aria-label="Course name" />
                    <label>"From " <input type="date" name="starts_on" required value=course.starts_on aria-label="First day" /></label>
                    <label>"to " <input type="date" name="ends_on" required value=course.ends_on aria-label="Last day" /></label>
                </div>
                <div class="inline-form">
                    <label>"Requests per student " <input name="requests" inputmode="numeric" value=course.caps.requests.map(|n| n.to_string()) placeholder="no cap" aria-label="Requests per student" /></label>
                    <label>"GB-seconds " <input name="gb_seconds" inputmode="numeric" value=course.caps.gb_seconds.map(|n| n.to_string()) placeholder="no cap" aria-label="GB-seconds per student" /></label>
                    <label>"MiB stored " <input name="storage_mb" inputmode="numeric" value=course.caps.storage_mb.map(|n| n.to_string()) placeholder="no cap" aria-label="MiB stored per student" /></label>
                    <button type="submit" class="secondary">"Save"</button>
                </div>
            </ActionForm>
            {move || failed().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        </details>
    }
}

#[component]
fn Invite(
    id: i64,
    url: String,
    code: String,
    rotate: ServerAction<RotateInvite>,
    editable: bool,
) -> impl IntoView {
    view! {
        <section class="invite">
            <p>
                "Students join with this link: " <a class="mono" href=url.clone() data-testid="invite-url">{url.clone()}</a>
                " (or the code " <code data-testid="invite-code">{code}</code> " on the Courses page)."
            </p>
            {editable.then(|| view! {
                <ActionForm action=rotate>
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="secondary" title="The old link stops working">"New invite link"</button>
                </ActionForm>
            })}
        </section>
    }
}

/// `s` after a count other than one.
fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A submission's score, `2/2`, with `late` when it is.
fn score(cell: &Submission) -> String {
    match cell.version {
        None if cell.function.is_some() => "started".to_owned(),
        None => "—".to_owned(),
        Some(_) => format!(
            "{}/{}{}",
            cell.passed,
            cell.total,
            if cell.late { " late" } else { "" }
        ),
    }
}

#[component]
fn StaffAssignments(id: i64, assignments: Vec<Assignment>, grid: Option<Grid>) -> impl IntoView {
    if assignments.is_empty() {
        return view! { <p class="empty">"No assignments yet."</p> }.into_any();
    }
    let grid = grid.unwrap_or(Grid {
        assignments: Vec::new(),
        rows: Vec::new(),
    });
    let ids: Vec<i64> = grid.assignments.iter().map(|a| a.id).collect();
    view! {
        <ul class="assignments">
            {assignments.into_iter().map(|a| view! {
                <li>
                    <a href=format!("/assignments/{}", a.id)>{a.title.clone()}</a>
                    {format!(" · {} · due {} · {} checks", a.language, utc_time(a.due_at), a.checks.len())}
                </li>
            }).collect_view()}
        </ul>
        <h3>"Grid"</h3>
        {if grid.rows.is_empty() {
            view! { <p class="empty">"No students yet: share the invite link."</p> }.into_any()
        } else {
            view! {
                <table class="table grid" data-testid="grid">
                    <thead><tr>
                        <th>"Student"</th>
                        {grid.assignments.iter().map(|a| view! { <th>{a.title.clone()}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {grid.rows.into_iter().map(|row| {
                            let username = row.username.clone();
                            let ids = ids.clone();
                            view! {
                                <tr>
                                    <td>{row.username.clone()}</td>
                                    {row.cells.iter().zip(ids).map(|(cell, id)| view! {
                                        <td class:late=cell.late>
                                            <a href=format!("/assignments/{id}/work/{username}") data-testid="grid-cell">{score(cell)}</a>
                                            <span class="muted small">{format!(
                                                " {} deploy{} · {} call{} · {} error{}",
                                                cell.deploys, plural(cell.deploys),
                                                cell.invocations, plural(cell.invocations),
                                                cell.errors, plural(cell.errors),
                                            )}</span>
                                        </td>
                                    }).collect_view()}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <p><a href=format!("/api/v1/courses/{id}/grades.csv") rel="external" download="grades.csv" data-testid="grades-csv">"Download grades (CSV)"</a></p>
    }.into_any()
}

#[component]
fn StudentAssignments(assignments: Vec<Assignment>, mine: Vec<Submission>) -> impl IntoView {
    if assignments.is_empty() {
        return view! { <p class="empty">"No assignments yet."</p> }.into_any();
    }
    view! {
        <Table testid="my-assignments" columns=&["Assignment", "Due", "Your result"]>
            {assignments.into_iter().zip(mine.into_iter().map(Some).chain(std::iter::repeat(None))).map(|(a, work)| view! {
                <tr>
                    <td><a href=format!("/assignments/{}", a.id)>{a.title.clone()}</a></td>
                    <td>{utc_time(a.due_at)}</td>
                    <td>{work.as_ref().map(score).unwrap_or_default()}</td>
                </tr>
            }).collect_view()}
        </Table>
    }.into_any()
}

/// A sample of the checks' JSON, to start from.
const SAMPLE_CHECKS: &str = r#"[
  {"name": "answers hello", "method": "GET", "path": "/",
   "expect": {"status": 200, "body_contains": "hello"}},
  {"name": "greets by name", "path": "/?name=Ann", "hidden": true,
   "expect": {"json": {"greeting": "Hi Ann"}, "max_ms": 500}}
]"#;

#[component]
fn NewAssignment(id: i64, add: ServerAction<AddAssignment>) -> impl IntoView {
    let failed = move || add.value().get().and_then(Result::err);
    view! {
        <details class="new-assignment">
            <summary>"New assignment"</summary>
            <ActionForm action=add>
                <input type="hidden" name="id" value=id />
                <label>"Title" <input name="title" required maxlength="120" /></label>
                <label>"Instructions (Markdown)" <textarea name="instructions" rows="6"></textarea></label>
                <label>"Language"
                    <select name="language" aria-label="Language">
                        <option value="javascript">"JavaScript"</option>
                        <option value="python">"Python"</option>
                        <option value="rust">"Rust"</option>
                    </select>
                </label>
                <label>"Starter code (empty: the language's Hello template)" <textarea name="starter" rows="6" class="mono"></textarea></label>
                <label>"Or start from one of your functions (its saved source)" <input name="starter_from" class="mono" placeholder="function name" /></label>
                <label>"Due (UTC)" <input type="datetime-local" name="due" required /></label>
                <label>"Checks (JSON: each a request and what its answer must be)"
                    <textarea name="checks" rows="8" class="mono">{SAMPLE_CHECKS}</textarea>
                </label>
                <button type="submit" class="primary">"Add assignment"</button>
            </ActionForm>
            {move || failed().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        </details>
    }
}

#[component]
fn Members(id: i64, members: Vec<Member>, actions: Actions, editable: bool) -> impl IntoView {
    let unknown = move || match actions.roster.value().get() {
        Some(Ok(unknown)) if !unknown.is_empty() => Some(format!(
            "Not users of Fnlab yet (ask them to sign up, then import again): {}",
            unknown.join(", ")
        )),
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    view! {
        <h2>"Members"</h2>
        <Table testid="members" columns=&["User", "Role", "Joined", ""]>
            {members.into_iter().map(|m| {
                let student = m.role == fnlab_courses::Role::Student;
                let (who, who_too) = (m.username.clone(), m.username.clone());
                let who_three = m.username.clone();
                view! {
                    <tr>
                        <td>{m.username.clone()}</td>
                        <td>{m.role.as_str()}{m.uncapped.then_some(" (caps lifted)")}</td>
                        <td>{utc_time(m.joined_at)}</td>
                        <td class="actions">
                            {(editable && m.role != fnlab_courses::Role::Instructor).then(move || view! {
                                <ActionForm action=actions.set_role>
                                    <input type="hidden" name="id" value=id />
                                    <input type="hidden" name="username" value=who />
                                    <input type="hidden" name="role" value=if student { "ta" } else { "student" } />
                                    <button type="submit" class="secondary">{if student { "Make TA" } else { "Make student" }}</button>
                                </ActionForm>
                                {student.then(|| view! {
                                    <ActionForm action=actions.uncap>
                                        <input type="hidden" name="id" value=id />
                                        <input type="hidden" name="username" value=who_three.clone() />
                                        <input type="hidden" name="uncapped" value=(!m.uncapped).to_string() />
                                        <button type="submit" class="secondary">{if m.uncapped { "Restore caps" } else { "Lift caps" }}</button>
                                    </ActionForm>
                                })}
                                <ActionForm action=actions.remove>
                                    <input type="hidden" name="id" value=id />
                                    <button type="submit" class="danger" aria-label=format!("Remove {who_too}")>"Remove"</button>
                                    <input type="hidden" name="username" value=who_too.clone() />
                                </ActionForm>
                            })}
                        </td>
                    </tr>
                }
            }).collect_view()}
        </Table>
        {editable.then(|| view! {
            <ActionForm action=actions.roster>
                <input type="hidden" name="id" value=id />
                <label>"Import a roster: usernames, one per line (or a CSV with them first)"
                    <textarea name="roster" rows="3" class="mono"></textarea>
                </label>
                <button type="submit" class="secondary">"Import"</button>
            </ActionForm>
        })}
        {move || unknown().map(|text| view! { <p class="notice" role="status">{text}</p> })}
    }
}
