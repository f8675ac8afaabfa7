//! Teaching in the dashboard: courses, joining one, its members and
//! assignments, the grid, a student's work, and an assignment function's
//! checks. The same use cases as `/api/v1/courses/…` and
//! `/api/v1/assignments/…`; what a role may see is decided there.

// A server function takes one argument per field of its form, and the
// new assignment's form has eight (#[server] hides where to allow it).
#![allow(clippy::too_many_arguments)]

use fnlab_courses::model::{
    self, Assignment, CourseView, Grid, Member, Started, Submission, WorkVersion,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::ctx::ServerCtx;
use crate::error::AppError;
use crate::functions::InvocationRow;

/// Everything a course's page shows: staff get members and the grid,
/// students their own work on each assignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseOverview {
    /// The course.
    pub course: CourseView,
    /// Its assignments, by due date.
    pub assignments: Vec<Assignment>,
    /// Its members (staff only).
    pub members: Vec<Member>,
    /// Students × assignments (staff only).
    pub grid: Option<Grid>,
    /// The student's own work, one per assignment (students only).
    pub mine: Vec<Submission>,
    /// What the student's functions of the course used (students only).
    pub usage: Option<model::CourseUsage>,
}

/// Everything an assignment's page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentOverview {
    /// The assignment (hidden checks by name only, to a student).
    pub assignment: Assignment,
    /// Its course.
    pub course: CourseView,
    /// Its instructions as safe HTML.
    pub instructions_html: String,
    /// The submissions the viewer may see: their own, or everyone's.
    pub results: Vec<Submission>,
}

/// One student's work on an assignment, as staff open a grid cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkOverview {
    /// The student.
    pub username: String,
    /// Their function, once started.
    pub function: Option<String>,
    /// Its URL, once started.
    pub url: Option<String>,
    /// Its versions, newest first.
    pub versions: Vec<WorkVersion>,
    /// Its latest invocations, newest first.
    pub invocations: Vec<InvocationRow>,
}

/// The signed-in user's courses.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "my_courses")]
pub async fn my_courses() -> Result<Vec<CourseView>, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    Ok(ctx.fnlab.my_courses(&actor).await?)
}

/// Creates a course with the signed-in user as its instructor.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "create_course")]
pub async fn create_course(
    name: String,
    starts_on: String,
    ends_on: String,
) -> Result<CourseView, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let course = ctx.fnlab.create_course(&actor, &name, &starts_on, &ends_on);
    Ok(course.await?)
}

/// Joins the course of invite `code` (or of an invite link).
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "join_course")]
pub async fn join_course(code: String) -> Result<CourseView, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let code = code.trim().trim_end_matches('/');
    let code = code.rsplit('/').next().unwrap_or(code);
    Ok(ctx.fnlab.join_course(&actor, code).await?)
}

/// Course `id`'s page.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "course_page")]
pub async fn course_page(id: i64) -> Result<CourseOverview, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let fnlab = &ctx.fnlab;
    let course = fnlab.course(&actor, id).await?;
    let assignments = fnlab.assignments(&actor, id).await?;
    let (mut members, mut grid, mut mine, mut usage) = (Vec::new(), None, Vec::new(), None);
    if course.course.role.staff() {
        members = fnlab.members(&actor, id).await?;
        grid = Some(fnlab.grid(&actor, id).await?);
    } else {
        for assignment in &assignments {
            mine.extend(fnlab.results(&actor, assignment.id).await?);
        }
        usage = Some(fnlab.course_usage(&actor, id).await?);
    }
    Ok(CourseOverview {
        course,
        assignments,
        members,
        grid,
        mine,
        usage,
    })
}

/// Renames course `id` or moves its dates (a later last day reopens the
/// students' assignment functions).
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "update_course")]
pub async fn update_course(
    id: i64,
    name: String,
    starts_on: String,
    ends_on: String,
    requests: String,
    gb_seconds: String,
    storage_mb: String,
) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let cap = |what: &str, text: &str| -> Result<Option<i64>, AppError> {
        let text = text.trim().replace([',', '_'], "");
        if text.is_empty() {
            return Ok(None);
        }
        text.parse().map(Some).map_err(|_| {
            AppError::Invalid(format!(
                "the {what} cap is a whole number, or empty for none"
            ))
        })
    };
    let caps = model::CourseCaps {
        requests: cap("requests", &requests)?,
        gb_seconds: cap("GB-seconds", &gb_seconds)?,
        storage_mb: cap("storage", &storage_mb)?,
    };
    let change = fnlab_usecases::courses::CourseChange {
        name: Some(name),
        starts_on: Some(starts_on),
        ends_on: Some(ends_on),
        caps: Some(caps),
    };
    ctx.fnlab.update_course(&actor, id, change).await?;
    Ok(())
}

/// A new invite code for course `id` (the old one stops working).
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "rotate_invite")]
pub async fn rotate_invite(id: i64) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    ctx.fnlab.rotate_invite(&actor, id).await?;
    Ok(())
}

/// Adds the usernames of `roster` (one per line, or CSV with them first)
/// to course `id` as students; answers the ones that are no user.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "import_roster")]
pub async fn import_roster(id: i64, roster: String) -> Result<Vec<String>, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    Ok(ctx.fnlab.import_roster(&actor, id, &roster).await?.unknown)
}

/// Gives `username` the role `role` (`ta` or `student`) in course `id`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "set_member")]
pub async fn set_member(id: i64, username: String, role: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let role = fnlab_courses::Role::parse(&role)
        .ok_or_else(|| AppError::Invalid(format!("no role {role:?}: ta or student")))?;
    ctx.fnlab.set_member(&actor, id, &username, role).await?;
    Ok(())
}

/// Lifts the course's caps for student `username` (`uncapped` is
/// `"true"`), or puts them back.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "set_uncapped")]
pub async fn set_uncapped(id: i64, username: String, uncapped: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let uncapped = uncapped == "true";
    ctx.fnlab
        .set_uncapped(&actor, id, &username, uncapped)
        .await?;
    Ok(())
}

/// Removes `username` from course `id`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "remove_member")]
pub async fn remove_member(id: i64, username: String) -> Result<(), AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    ctx.fnlab.remove_member(&actor, id, &username).await?;
    Ok(())
}

/// Adds an assignment to course `id`: `due` as a `datetime-local` input
/// sends it (UTC), `checks` as JSON.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "add_assignment")]
pub async fn add_assignment(
    id: i64,
    title: String,
    instructions: String,
    language: String,
    starter: String,
    #[server(default)] starter_from: String,
    due: String,
    checks: String,
) -> Result<Assignment, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let due_at = fnlab_billing::calendar::parse_instant(&format!("{}Z", due.trim()))
        .ok_or_else(|| AppError::Invalid(format!("the due date {due:?} is not a date and time")))?;
    let checks = if checks.trim().is_empty() {
        Vec::new()
    } else {
        serde_json::from_str(&checks)
            .map_err(|e| AppError::Invalid(format!("the checks are not valid JSON: {e}")))?
    };
    let request = fnlab_usecases::courses::AssignmentRequest {
        title,
        instructions,
        language,
        starter,
        starter_from: Some(starter_from),
        due_at,
        checks,
    };
    Ok(ctx.fnlab.add_assignment(&actor, id, request).await?)
}

/// Assignment `id`'s page.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "assignment_page")]
pub async fn assignment_page(id: i64) -> Result<AssignmentOverview, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let assignment = ctx.fnlab.assignment(&actor, id).await?;
    let course = ctx.fnlab.course(&actor, assignment.course_id).await?;
    Ok(AssignmentOverview {
        instructions_html: fnlab_courses::markdown::to_html(&assignment.instructions),
        results: ctx.fnlab.results(&actor, id).await?,
        assignment,
        course,
    })
}

/// Starts assignment `id` for the signed-in user (or finds the function
/// they started before).
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "start_assignment")]
pub async fn start_assignment(id: i64) -> Result<Started, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    Ok(ctx.fnlab.start_assignment(&actor, id).await?)
}

/// Student `username`'s work on assignment `id`.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "student_work")]
pub async fn student_work(id: i64, username: String) -> Result<WorkOverview, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    let work = ctx.fnlab.student_work(&actor, id, &username).await?;
    Ok(WorkOverview {
        username: work.username,
        function: work.function,
        url: work.url,
        versions: work.versions,
        invocations: (work.invocations.into_iter())
            .map(crate::functions::invocation_row)
            .collect(),
    })
}

/// The assignment the signed-in user's function `name` is for, with its
/// checks' results; `None` for any other function.
#[allow(missing_docs)] // the arguments struct that #[server] generates
#[server(prefix = "/_app", endpoint = "function_assignment")]
pub async fn assignment_of_function(
    name: String,
) -> Result<Option<model::FunctionAssignment>, AppError> {
    let ctx = ServerCtx::get().await?;
    let actor = ctx.require_actor().await?;
    match ctx.fnlab.function_assignment(&actor, &name).await {
        Ok(found) => Ok(Some(found)),
        Err(fnlab_usecases::Error::Missing(_) | fnlab_usecases::Error::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
