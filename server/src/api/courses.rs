//! Courses over REST: create one, join with the invite code, manage its
//! members (a roster import adds many), its assignments with their checks;
//! a student starts an assignment and reads their results; staff read
//! everyone's, the grid and the grades as CSV. Another course's ids are
//! 404.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use fnlab_courses::{Assignment, CourseUsage, Member, Role, Submission};
use fnlab_usecases::courses::{
    AssignmentRequest, CourseChange, CourseView, FunctionAssignment, Grid, Roster, Started,
    WorkView,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ErrorBody;
use super::{ApiError, ApiJson, AuthUser};
use crate::AppState;

/// The `/api/v1` routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_courses, create_course))
        .routes(routes!(join))
        .routes(routes!(course, update_course))
        .routes(routes!(course_usage))
        .routes(routes!(rotate_invite))
        .routes(routes!(members, import_roster))
        .routes(routes!(set_member, remove_member))
        .routes(routes!(assignments, add_assignment))
        .routes(routes!(assignment, update_assignment))
        .routes(routes!(start))
        .routes(routes!(results))
        .routes(routes!(student_work))
        .routes(routes!(function_assignment))
        .routes(routes!(grid))
        .routes(routes!(grades))
}

/// A new course.
#[derive(Deserialize, ToSchema)]
struct NewCourse {
    /// Its name.
    name: String,
    /// Its first day, `YYYY-MM-DD`.
    starts_on: String,
    /// Its last day, `YYYY-MM-DD`.
    ends_on: String,
}

/// Creates a course, with the caller as its instructor.
#[utoipa::path(
    post,
    path = "/courses",
    operation_id = "create_course",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    request_body = NewCourse,
    responses(
        (status = 201, description = "The course, with its invite code and link.", body = CourseView),
        (status = 422, description = "A bad name or dates (`invalid_course`).", body = ErrorBody),
    ),
)]
async fn create_course(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiJson(body): ApiJson<NewCourse>,
) -> Result<(StatusCode, ApiJson<CourseView>), ApiError> {
    let course = state
        .fnlab
        .create_course(&actor, &body.name, &body.starts_on, &body.ends_on);
    Ok((StatusCode::CREATED, ApiJson(course.await?)))
}

/// The courses the caller is in, with their role in each.
#[utoipa::path(
    get,
    path = "/courses",
    operation_id = "list_courses",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The caller's courses, newest first.", body = [CourseView])),
)]
async fn my_courses(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
) -> Result<ApiJson<Vec<CourseView>>, ApiError> {
    Ok(ApiJson(state.fnlab.my_courses(&actor).await?))
}

/// An invite code.
#[derive(Deserialize, ToSchema)]
struct JoinRequest {
    /// The code the instructor shared.
    code: String,
}

/// Whom joining made the caller.
#[derive(Serialize, ToSchema)]
struct Joined {
    /// The course.
    course_id: i64,
    /// The caller's role in it (`student`, unless they were in it).
    role: Role,
    /// Its name.
    name: String,
}

/// Joins the course whose invite code this is, as a student.
#[utoipa::path(
    post,
    path = "/courses/join",
    operation_id = "join_course",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    request_body = JoinRequest,
    responses(
        (status = 200, description = "The caller is in the course.", body = Joined),
        (status = 404, description = "No course has this code (`not_found`).", body = ErrorBody),
    ),
)]
async fn join(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiJson(body): ApiJson<JoinRequest>,
) -> Result<ApiJson<Joined>, ApiError> {
    let view = state.fnlab.join_course(&actor, &body.code).await?;
    Ok(ApiJson(Joined {
        course_id: view.course.id,
        role: view.course.role,
        name: view.course.name,
    }))
}

/// One of the caller's courses.
#[utoipa::path(
    get,
    path = "/courses/{id}",
    operation_id = "get_course",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The course.")),
    responses(
        (status = 200, description = "The course, with the caller's role.", body = CourseView),
        (status = 404, description = "The caller is in no such course, or their role may not do this (`not_found`).", body = ErrorBody),
    ),
)]
async fn course(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<CourseView>, ApiError> {
    Ok(ApiJson(state.fnlab.course(&actor, id).await?))
}

/// Renames a course or moves its dates (its instructor only). After its
/// last day, students' assignment functions answer 403 `course_ended`;
/// a later last day reopens them.
#[utoipa::path(
    patch,
    path = "/courses/{id}",
    operation_id = "update_course",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The course.")),
    request_body = CourseChange,
    responses(
        (status = 200, description = "The course as it is now.", body = CourseView),
        (status = 404, description = "The caller teaches no such course (`not_found`).", body = ErrorBody),
        (status = 422, description = "A bad name or dates (`invalid_course`).", body = ErrorBody),
    ),
)]
async fn update_course(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CourseChange>,
) -> Result<ApiJson<CourseView>, ApiError> {
    Ok(ApiJson(state.fnlab.update_course(&actor, id, body).await?))
}

/// What the caller's assignment functions of the course used, against
/// its caps per student.
#[utoipa::path(
    get,
    path = "/courses/{id}/usage",
    operation_id = "course_usage",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The course.")),
    responses(
        (status = 200, description = "Requests, MB-ms and bytes stored so far, and whether the caller's caps were lifted.", body = CourseUsage),
        (status = 404, description = "The caller is in no such course (`not_found`).", body = ErrorBody),
    ),
)]
async fn course_usage(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<CourseUsage>, ApiError> {
    Ok(ApiJson(state.fnlab.course_usage(&actor, id).await?))
}

/// Replaces the course's invite code: the old link stops working.
#[utoipa::path(
    post,
    path = "/courses/{id}/invite",
    operation_id = "rotate_invite",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The course.")),
    responses(
        (status = 200, description = "The course with its new code.", body = CourseView),
        (status = 404, description = "The caller is in no such course, or their role may not do this (`not_found`).", body = ErrorBody),
    ),
)]
async fn rotate_invite(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<CourseView>, ApiError> {
    Ok(ApiJson(state.fnlab.rotate_invite(&actor, id).await?))
}

/// The course's members (staff only).
#[utoipa::path(
    get,
    path = "/courses/{id}/members",
    operation_id = "list_members",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The course.")),
    responses(
        (status = 200, description = "Staff first, then students, by username.", body = [Member]),
        (status = 404, description = "The caller is in no such course, or their role may not do this (`not_found`).", body = ErrorBody),
    ),
)]
async fn members(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<Vec<Member>>, ApiError> {
    Ok(ApiJson(state.fnlab.members(&actor, id).await?))
}

/// A roster.
#[derive(Deserialize, ToSchema)]
struct RosterRequest {
    /// Usernames, one per line, or CSV whose first column is the
    /// username (a `username` header is skipped).
    roster: String,
}

/// Adds a roster's users as students (the instructor only); members keep
/// their role.
#[utoipa::path(
    put,
    path = "/courses/{id}/members",
    operation_id = "import_roster",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The course.")),
    request_body = RosterRequest,
    responses(
        (status = 200, description = "The members now, and the usernames that are nobody's.", body = Roster),
        (status = 404, description = "The caller is in no such course, or their role may not do this (`not_found`).", body = ErrorBody),
    ),
)]
async fn import_roster(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RosterRequest>,
) -> Result<ApiJson<Roster>, ApiError> {
    Ok(ApiJson(
        state.fnlab.import_roster(&actor, id, &body.roster).await?,
    ))
}

/// A member's role, and whether the course's caps hold for them.
#[derive(Deserialize, ToSchema)]
struct RoleRequest {
    /// `instructor`, `ta` or `student` (left out: unchanged, for a
    /// member).
    #[serde(default)]
    role: Option<Role>,
    /// `true` lifts the course's caps for this student; `false` puts
    /// them back.
    #[serde(default)]
    uncapped: Option<bool>,
}

/// Adds a user to the course with a role, or changes theirs; lifts a
/// student's caps (the instructor only).
#[utoipa::path(
    put,
    path = "/courses/{id}/members/{username}",
    operation_id = "set_member",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(
        ("id" = i64, Path, description = "The course."),
        ("username" = String, Path, description = "The user."),
    ),
    request_body = RoleRequest,
    responses(
        (status = 200, description = "The members now.", body = [Member]),
        (status = 404, description = "No such course of the caller's, or no such user (`not_found`).", body = ErrorBody),
        (status = 422, description = "Neither a role nor uncapped (`invalid_body`).", body = ErrorBody),
    ),
)]
async fn set_member(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((id, username)): Path<(i64, String)>,
    ApiJson(body): ApiJson<RoleRequest>,
) -> Result<ApiJson<Vec<Member>>, ApiError> {
    let fnlab = &state.fnlab;
    let mut members = None;
    if let Some(role) = body.role {
        members = Some(fnlab.set_member(&actor, id, &username, role).await?);
    }
    if let Some(uncapped) = body.uncapped {
        members = Some(fnlab.set_uncapped(&actor, id, &username, uncapped).await?);
    }
    match members {
        Some(members) => Ok(ApiJson(members)),
        None => Err(ApiError::InvalidBody(
            "send a role, uncapped, or both".into(),
        )),
    }
}

/// Removes a member (the instructor only): they lose access at once.
#[utoipa::path(
    delete,
    path = "/courses/{id}/members/{username}",
    operation_id = "remove_member",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(
        ("id" = i64, Path, description = "The course."),
        ("username" = String, Path, description = "The member."),
    ),
    responses(
        (status = 204, description = "Removed."),
        (status = 404, description = "No such course of the caller's, or no such member (`not_found`).", body = ErrorBody),
    ),
)]
async fn remove_member(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((id, username)): Path<(i64, String)>,
) -> Result<StatusCode, ApiError> {
    state.fnlab.remove_member(&actor, id, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The course's assignments, by due date (students see hidden checks by
/// name only).
#[utoipa::path(
    get,
    path = "/courses/{id}/assignments",
    operation_id = "list_assignments",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The course.")),
    responses(
        (status = 200, description = "Its assignments.", body = [Assignment]),
        (status = 404, description = "The caller is in no such course, or their role may not do this (`not_found`).", body = ErrorBody),
    ),
)]
async fn assignments(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<Vec<Assignment>>, ApiError> {
    Ok(ApiJson(state.fnlab.assignments(&actor, id).await?))
}

/// Adds an assignment (the instructor only).
#[utoipa::path(
    post,
    path = "/courses/{id}/assignments",
    operation_id = "add_assignment",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The course.")),
    request_body = AssignmentRequest,
    responses(
        (status = 201, description = "The assignment.", body = Assignment),
        (status = 404, description = "The caller is in no such course, or their role may not do this (`not_found`).", body = ErrorBody),
        (status = 422, description = "A bad title, language or check (`invalid_course`, `unsupported_language`).", body = ErrorBody),
    ),
)]
async fn add_assignment(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AssignmentRequest>,
) -> Result<(StatusCode, ApiJson<Assignment>), ApiError> {
    let assignment = state.fnlab.add_assignment(&actor, id, body).await?;
    Ok((StatusCode::CREATED, ApiJson(assignment)))
}

/// One assignment, to a member of its course.
#[utoipa::path(
    get,
    path = "/assignments/{id}",
    operation_id = "get_assignment",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The assignment.")),
    responses(
        (status = 200, description = "The assignment.", body = Assignment),
        (status = 404, description = "No such assignment in a course of the caller's (`not_found`).", body = ErrorBody),
    ),
)]
async fn assignment(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<Assignment>, ApiError> {
    Ok(ApiJson(state.fnlab.assignment(&actor, id).await?))
}

/// Changes an assignment (its course's instructor only; not its
/// language), then runs its checks again on every student's submission
/// and latest version.
#[utoipa::path(
    put,
    path = "/assignments/{id}",
    operation_id = "update_assignment",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The assignment.")),
    request_body = AssignmentRequest,
    responses(
        (status = 200, description = "The assignment as it is now; results follow the new checks.", body = Assignment),
        (status = 404, description = "No such assignment in a course the caller teaches (`not_found`).", body = ErrorBody),
        (status = 422, description = "A bad title, instructions or check (`invalid_course`), or another language (`language_fixed`).", body = ErrorBody),
    ),
)]
async fn update_assignment(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AssignmentRequest>,
) -> Result<ApiJson<Assignment>, ApiError> {
    Ok(ApiJson(
        state.fnlab.update_assignment(&actor, id, body).await?,
    ))
}

/// One student's work on an assignment: each version's source, the diff
/// from the version before and the checks' results, and the function's
/// latest invocations. To staff of the course, or to that student.
#[utoipa::path(
    get,
    path = "/assignments/{id}/work/{username}",
    operation_id = "student_work",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(
        ("id" = i64, Path, description = "The assignment."),
        ("username" = String, Path, description = "The student."),
    ),
    responses(
        (status = 200, description = "Their work (no versions before they start).", body = WorkView),
        (status = 404, description = "No such assignment or student in a course of the caller's, or another student's work (`not_found`).", body = ErrorBody),
    ),
)]
async fn student_work(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path((id, username)): Path<(i64, String)>,
) -> Result<ApiJson<WorkView>, ApiError> {
    Ok(ApiJson(
        state.fnlab.student_work(&actor, id, &username).await?,
    ))
}

/// The assignment one of the caller's functions was started for, with
/// the checks' results on each version.
#[utoipa::path(
    get,
    path = "/functions/{name}/assignment",
    operation_id = "function_assignment",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("name" = String, Path, description = "The caller's function.")),
    responses(
        (status = 200, description = "Its assignment, course and check runs, newest first.", body = FunctionAssignment),
        (status = 404, description = "No such function, or it is no assignment's (`not_found`).", body = ErrorBody),
    ),
)]
async fn function_assignment(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(name): Path<String>,
) -> Result<ApiJson<FunctionAssignment>, ApiError> {
    Ok(ApiJson(
        state.fnlab.function_assignment(&actor, &name).await?,
    ))
}

/// Starts an assignment: its starter code becomes a function of the
/// caller's, tied to it; every deploy of it runs the checks.
#[utoipa::path(
    post,
    path = "/assignments/{id}/start",
    operation_id = "start_assignment",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The assignment.")),
    responses(
        (status = 201, description = "The caller's function for it.", body = Started),
        (status = 200, description = "It was started before: that function.", body = Started),
        (status = 404, description = "No such assignment in a course of the caller's (`not_found`).", body = ErrorBody),
        (status = 409, description = "The caller has another function of its name (`function_exists`).", body = ErrorBody),
    ),
)]
async fn start(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<(StatusCode, ApiJson<Started>), ApiError> {
    let started = state.fnlab.start_assignment(&actor, id).await?;
    let status = if started.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, ApiJson(started)))
}

/// The submissions: a student's own; everyone's to staff. The submission
/// is the last version deployed before the due date (else the last one,
/// marked late).
#[utoipa::path(
    get,
    path = "/assignments/{id}/results",
    operation_id = "assignment_results",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The assignment.")),
    responses(
        (status = 200, description = "One submission per student the caller may see.", body = [Submission]),
        (status = 404, description = "No such assignment in a course of the caller's (`not_found`).", body = ErrorBody),
    ),
)]
async fn results(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<Vec<Submission>>, ApiError> {
    Ok(ApiJson(state.fnlab.results(&actor, id).await?))
}

/// Students × assignments (staff only).
#[utoipa::path(
    get,
    path = "/courses/{id}/grid",
    operation_id = "course_grid",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The course.")),
    responses(
        (status = 200, description = "The grid.", body = Grid),
        (status = 404, description = "The caller is in no such course, or their role may not do this (`not_found`).", body = ErrorBody),
    ),
)]
async fn grid(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<ApiJson<Grid>, ApiError> {
    Ok(ApiJson(state.fnlab.grid(&actor, id).await?))
}

/// The grades as CSV (staff only): per student, each assignment's checks
/// passed and total, the submitted version and whether it was late.
#[utoipa::path(
    get,
    path = "/courses/{id}/grades.csv",
    operation_id = "course_grades",
    tag = "courses",
    security(("token" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The course.")),
    responses(
        (status = 200, description = "The grades.", content_type = "text/csv", body = String),
        (status = 404, description = "The caller is in no such course, or their role may not do this (`not_found`).", body = ErrorBody),
    ),
)]
async fn grades(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let csv = state.fnlab.grades_csv(&actor, id).await?;
    let disposition = format!("attachment; filename=\"course-{id}-grades.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    ))
}
