//! Teaching: courses, their members and assignments, and the checks run on
//! every deploy of a student's assignment function.
//!
//! Who may do what: the instructor changes the course (members, invite
//! code, assignments); TAs see what the instructor sees (every student's
//! results, the grid, the grades) and change nothing; students see the
//! course, its assignments (hidden checks by name only) and their own
//! results. Anyone else finds nothing: every course or assignment id of a
//! course the actor is not in is not found.
//!
//! The checks of an assignment are HTTP requests sent to the version just
//! deployed, through the sandbox directly (not its public URL), with the
//! function's own limits and environment; they are not metered or billed.

use std::time::Instant;

use bytes::Bytes;
use fnlab_courses::checks::{self, Answer};
pub use fnlab_courses::model::{
    CourseView, FunctionAssignment, Grid, GridRow, Roster, Started, WorkVersion,
};
use fnlab_courses::{
    Assignment, Check, CheckRun, Course, CourseCaps, CourseError, CourseUsage, Member,
    NewAssignment, Role, Submission, Work,
};
use fnlab_functions::LiveFunction;
use fnlab_functions::{Language, NewFork, Source};
use fnlab_sandbox::Invocation;
use http_body_util::BodyExt;
use serde::Serialize;

use crate::catalog::PricedInvocation;
use crate::{Actor, Error, Fnlab};

/// One student's work on an assignment, as staff (or the student) open
/// it: every version with its source, the changes from the version
/// before, its checks' results, and the function's latest invocations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkView {
    /// The student.
    pub username: String,
    /// Their function for the assignment, once started.
    pub function: Option<String>,
    /// Its public URL, once started.
    pub url: Option<String>,
    /// Its versions, newest first.
    pub versions: Vec<WorkVersion>,
    /// Its latest invocations (at most 50), newest first.
    pub invocations: Vec<PricedInvocation>,
}

impl From<CourseError> for Error {
    fn from(e: CourseError) -> Self {
        match e {
            CourseError::NotFound(message) => Self::Missing(message),
            CourseError::Invalid(message) => Self::invalid("course", "invalid_course", message),
            CourseError::Database(e) => Self::Internal(e.to_string()),
        }
    }
}

/// How long a student's usage against a course's caps is trusted before
/// it is read again.
pub const CAPS_REFRESH: std::time::Duration = std::time::Duration::from_secs(2);

/// MB-milliseconds in one GB-second.
const MB_MS_PER_GB_SECOND: i64 = 1_024_000;

/// A change to a course: what is given changes.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseChange {
    /// Its new name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its new first day, `YYYY-MM-DD`.
    #[serde(default)]
    pub starts_on: Option<String>,
    /// Its new last day, `YYYY-MM-DD`: after it, students' assignment
    /// functions stop answering.
    #[serde(default)]
    pub ends_on: Option<String>,
    /// Its new caps per student (all three; a missing one is no cap).
    #[serde(default)]
    pub caps: Option<CourseCaps>,
}

/// A new assignment, as the API sends it.
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignmentRequest {
    /// Its title.
    pub title: String,
    /// What to do, in Markdown.
    #[serde(default)]
    pub instructions: String,
    /// `rust`, `javascript` or `python`.
    pub language: String,
    /// The starter code (empty: the language's first template).
    #[serde(default)]
    pub starter: String,
    /// Instead of `starter`: the saved source of one of the caller's
    /// functions, in the assignment's language.
    #[serde(default)]
    pub starter_from: Option<String>,
    /// When it is due, ms since the Unix epoch.
    pub due_at: i64,
    /// The checks run on every deploy.
    #[serde(default)]
    pub checks: Vec<Check>,
}

impl Fnlab {
    /// Creates a course with the actor as its instructor.
    pub async fn create_course(
        &self,
        actor: &Actor,
        name: &str,
        starts_on: &str,
        ends_on: &str,
    ) -> Result<CourseView, Error> {
        let course = self
            .inner
            .courses
            .create(actor.id, name, starts_on, ends_on)
            .await?;
        Ok(self.course_view(course))
    }

    /// The courses the actor is in, with their role.
    pub async fn my_courses(&self, actor: &Actor) -> Result<Vec<CourseView>, Error> {
        let courses = self.inner.courses.mine(actor.id).await?;
        Ok(courses.into_iter().map(|c| self.course_view(c)).collect())
    }

    /// Course `id`, to one of its members.
    pub async fn course(&self, actor: &Actor, id: i64) -> Result<CourseView, Error> {
        Ok(self.course_view(self.inner.courses.course(id, actor.id).await?))
    }

    /// Joins the actor to the course whose invite code is `code`.
    pub async fn join_course(&self, actor: &Actor, code: &str) -> Result<CourseView, Error> {
        Ok(self.course_view(self.inner.courses.join(actor.id, code).await?))
    }

    /// Changes course `id`'s name or dates (its instructor only); each
    /// field left out stays. Moving the last day later reopens the
    /// students' assignment functions (within a second on every node).
    pub async fn update_course(
        &self,
        actor: &Actor,
        id: i64,
        change: CourseChange,
    ) -> Result<CourseView, Error> {
        self.require_role(actor, id, Role::Instructor).await?;
        let course = self.inner.courses.course(id, actor.id).await?;
        let (name, starts_on, ends_on) = (
            change.name.as_deref().unwrap_or(&course.name),
            change.starts_on.as_deref().unwrap_or(&course.starts_on),
            change.ends_on.as_deref().unwrap_or(&course.ends_on),
        );
        let caps = change.caps.unwrap_or(course.caps);
        (self.inner.courses)
            .update(id, (name, starts_on, ends_on), caps)
            .await?;
        self.course(actor, id).await
    }

    /// Lifts the course's caps for student `username` (or, with
    /// `uncapped` false, puts them back); its instructor only.
    pub async fn set_uncapped(
        &self,
        actor: &Actor,
        id: i64,
        username: &str,
        uncapped: bool,
    ) -> Result<Vec<Member>, Error> {
        self.require_role(actor, id, Role::Instructor).await?;
        let courses = &self.inner.courses;
        courses.set_uncapped(id, username, uncapped).await?;
        Ok(courses.members(id).await?)
    }

    /// What the actor's assignment functions of course `id` used, against
    /// its caps.
    pub async fn course_usage(&self, actor: &Actor, id: i64) -> Result<CourseUsage, Error> {
        self.require_member(actor, id).await?;
        let courses = &self.inner.courses;
        let (requests, mb_ms) = courses.student_usage(id, actor.id).await?;
        let (_, uncapped) = courses.caps_for(id, actor.id).await?;
        let stored_bytes = self.inner.functions.course_bytes(actor.id, id).await?;
        Ok(CourseUsage {
            requests,
            mb_ms,
            stored_bytes,
            uncapped,
        })
    }

    /// [`Error::Closed`] when `function` is a student's assignment
    /// function whose course ended, or whose student used up a cap of
    /// the course (read at most every [`CAPS_REFRESH`]).
    pub(crate) async fn check_course(&self, function: &LiveFunction) -> Result<(), Error> {
        let Some(course) = &function.course else {
            return Ok(());
        };
        let ended_at =
            fnlab_billing::calendar::parse_instant(&course.ends_on).map(|day| day + 86_400_000);
        if ended_at.is_some_and(|ended_at| fnlab_db::now_ms() >= ended_at) {
            return Err(Error::Closed {
                code: "course_ended",
                message: format!(
                    "{} is an assignment of a course that ended on {}: its instructor can extend the course",
                    function.name, course.ends_on
                ),
            });
        }
        let key = (course.course_id, function.user_id);
        let (caps, requests, mb_ms) = match self.inner.course_caps.get(&key) {
            Some(known) => known,
            None => {
                let courses = &self.inner.courses;
                let (caps, _) = courses.caps_for(key.0, key.1).await?;
                let (requests, mb_ms) = if caps.requests.is_some() || caps.gb_seconds.is_some() {
                    courses.student_usage(key.0, key.1).await?
                } else {
                    (0, 0)
                };
                self.inner.course_caps.insert(key, (caps, requests, mb_ms));
                (caps, requests, mb_ms)
            }
        };
        let over = if caps.requests.is_some_and(|cap| requests >= cap) {
            Some(format!(
                "{requests} of the {} requests",
                caps.requests.unwrap_or(0)
            ))
        } else if caps
            .gb_seconds
            .is_some_and(|cap| mb_ms >= cap * MB_MS_PER_GB_SECOND)
        {
            Some(format!("the {} GB-seconds", caps.gb_seconds.unwrap_or(0)))
        } else {
            None
        };
        match over {
            Some(what) => Err(Error::Closed {
                code: "course_cap_reached",
                message: format!(
                    "{} used {what} its course allows each student: ask the instructor to lift your cap",
                    function.name
                ),
            }),
            None => Ok(()),
        }
    }

    /// [`Error::StorageFull`] when `version` would take a student past
    /// the storage cap of the course `function_id`'s assignment is in.
    pub(crate) async fn check_course_storage(
        &self,
        user_id: i64,
        function_id: i64,
        version: &fnlab_functions::NewVersion<'_>,
    ) -> Result<(), Error> {
        let courses = &self.inner.courses;
        let Some(assignment) = courses.assignment_of(function_id).await? else {
            return Ok(());
        };
        let (caps, _) = courses.caps_for(assignment.course_id, user_id).await?;
        let Some(cap_mb) = caps.storage_mb else {
            return Ok(());
        };
        let functions = &self.inner.functions;
        let used = functions
            .course_bytes(user_id, assignment.course_id)
            .await?;
        let adding = version.added_bytes(false);
        let quota = cap_mb.saturating_mul(1 << 20);
        if used + adding > quota {
            return Err(Error::StorageFull {
                what: "this version",
                whose: "the course's per-student",
                used,
                adding,
                quota,
            });
        }
        Ok(())
    }

    /// A new invite code for course `id` (its instructor only).
    pub async fn rotate_invite(&self, actor: &Actor, id: i64) -> Result<CourseView, Error> {
        self.require_role(actor, id, Role::Instructor).await?;
        self.inner.courses.rotate_invite(id).await?;
        self.course(actor, id).await
    }

    /// The members of course `id` (staff only).
    pub async fn members(&self, actor: &Actor, id: i64) -> Result<Vec<Member>, Error> {
        self.require_staff(actor, id).await?;
        Ok(self.inner.courses.members(id).await?)
    }

    /// Adds `username` to course `id` as `role` (a roster import adds
    /// students one by one), or changes their role (its instructor only).
    pub async fn set_member(
        &self,
        actor: &Actor,
        id: i64,
        username: &str,
        role: Role,
    ) -> Result<Vec<Member>, Error> {
        self.require_role(actor, id, Role::Instructor).await?;
        if username == actor.username && role != Role::Instructor {
            return Err(Error::invalid(
                "role",
                "invalid_course",
                "an instructor cannot step down from their own course",
            ));
        }
        self.inner.courses.set_member(id, username, role).await?;
        Ok(self.inner.courses.members(id).await?)
    }

    /// Adds every user of `usernames` (a roster: a list, or CSV whose
    /// first column is the username, header optional) to course `id` as a
    /// student (its instructor only; members keep their role); who was not
    /// found.
    pub async fn import_roster(
        &self,
        actor: &Actor,
        id: i64,
        roster: &str,
    ) -> Result<Roster, Error> {
        self.require_role(actor, id, Role::Instructor).await?;
        let courses = &self.inner.courses;
        let mut unknown = Vec::new();
        let names = roster.lines().filter_map(|line| {
            let first = line
                .split([',', ';', '\t'])
                .next()?
                .trim()
                .trim_matches('"');
            (!first.is_empty() && !first.eq_ignore_ascii_case("username")).then_some(first)
        });
        let members = courses.members(id).await?;
        for username in names {
            // Members keep their role: a roster never demotes a TA.
            if members.iter().any(|m| m.username == username) {
                continue;
            }
            match courses.set_member(id, username, Role::Student).await {
                Ok(()) => {}
                Err(CourseError::NotFound(_)) => unknown.push(username.to_owned()),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Roster {
            members: courses.members(id).await?,
            unknown,
        })
    }

    /// Removes `username` from course `id` (its instructor only): they
    /// lose access to it at once.
    pub async fn remove_member(&self, actor: &Actor, id: i64, username: &str) -> Result<(), Error> {
        self.require_role(actor, id, Role::Instructor).await?;
        if username == actor.username {
            return Err(Error::invalid(
                "username",
                "invalid_course",
                "an instructor cannot leave their own course",
            ));
        }
        Ok(self.inner.courses.remove_member(id, username).await?)
    }

    /// Adds an assignment to course `id` (its instructor only).
    pub async fn add_assignment(
        &self,
        actor: &Actor,
        id: i64,
        new: AssignmentRequest,
    ) -> Result<Assignment, Error> {
        self.require_role(actor, id, Role::Instructor).await?;
        let new = new_assignment(self.with_starter(actor, new).await?)?;
        Ok(self.inner.courses.add_assignment(id, &new).await?)
    }

    /// `request` with its starter taken from the actor's function
    /// `starter_from`, when it names one: its saved source, which must be
    /// in the assignment's language.
    async fn with_starter(
        &self,
        actor: &Actor,
        mut request: AssignmentRequest,
    ) -> Result<AssignmentRequest, Error> {
        let Some(name) = request.starter_from.take().filter(|n| !n.trim().is_empty()) else {
            return Ok(request);
        };
        let draft = (self.inner.functions.draft(actor.id, &name).await?).ok_or_else(|| {
            Error::invalid(
                "starter_from",
                "no_source",
                format!("{name} has no saved source to start from"),
            )
        })?;
        if draft.source.language.as_str() != request.language {
            return Err(Error::invalid(
                "starter_from",
                "invalid_course",
                format!(
                    "{name} is written in {}, not {}",
                    draft.source.language.as_str(),
                    request.language
                ),
            ));
        }
        request.starter = draft.source.source;
        Ok(request)
    }

    /// Changes assignment `id` (its course's instructor only; not its
    /// language), then runs its checks again on every student's
    /// submission and latest version, so that results and grades follow
    /// the new checks.
    pub async fn update_assignment(
        &self,
        actor: &Actor,
        id: i64,
        new: AssignmentRequest,
    ) -> Result<Assignment, Error> {
        let current = self.inner.courses.assignment(id).await?;
        self.require_role(actor, current.course_id, Role::Instructor)
            .await?;
        let new = new_assignment(self.with_starter(actor, new).await?)?;
        if new.language != current.language {
            return Err(Error::invalid(
                "language",
                "language_fixed",
                format!(
                    "an assignment's language stays {}: students write their functions in it",
                    current.language
                ),
            ));
        }
        let updated = self.inner.courses.update_assignment(id, &new).await?;
        for student in self.inner.courses.students_work(updated.course_id).await? {
            let work = student.started.iter().filter(|w| w.assignment_id == id);
            for work in work {
                let runs = self
                    .inner
                    .courses
                    .runs(work.function_id, updated.due_at)
                    .await?;
                let submitted = CheckRun::submission(&runs);
                let mut versions: Vec<i64> = submitted
                    .into_iter()
                    .chain(runs.first())
                    .map(|r| r.version)
                    .collect();
                versions.dedup();
                for version in versions {
                    self.run_checks(&student.username, &work.function, work.function_id, version)
                        .await?;
                }
            }
        }
        Ok(updated)
    }

    /// The assignments of course `id`, to one of its members (students:
    /// hidden checks by name only).
    pub async fn assignments(&self, actor: &Actor, id: i64) -> Result<Vec<Assignment>, Error> {
        let role = self.require_member(actor, id).await?;
        let list = self.inner.courses.assignments(id).await?;
        Ok(list.into_iter().map(|a| shown_to(a, role)).collect())
    }

    /// Assignment `id`, to a member of its course.
    pub async fn assignment(&self, actor: &Actor, id: i64) -> Result<Assignment, Error> {
        let assignment = self.inner.courses.assignment(id).await?;
        let role = self.require_member(actor, assignment.course_id).await?;
        Ok(shown_to(assignment, role))
    }

    /// Starts assignment `id` for the actor: its starter code becomes a
    /// function of theirs tied to it, ready to deploy.
    pub async fn start_assignment(&self, actor: &Actor, id: i64) -> Result<Started, Error> {
        let assignment = self.inner.courses.assignment(id).await?;
        self.require_member(actor, assignment.course_id).await?;
        let courses = &self.inner.courses;
        if let Some(function) = courses.started(actor.id, id).await? {
            return Ok(Started {
                url: self.function_url(&actor.username, &function),
                function,
                created: false,
            });
        }
        let language: Language = (assignment.language.parse())
            .map_err(|e: fnlab_functions::UnknownLanguage| Error::Internal(e.to_string()))?;
        let source = Source {
            language,
            source: assignment.starter.clone(),
        };
        let name = function_name(&assignment);
        let fork = NewFork {
            name: &name,
            source: &source,
            description: &assignment.title,
            from: None,
        };
        let ceilings = self.inner.settings.ceilings;
        let functions = &self.inner.functions;
        let function_id = (functions.create_fork(actor.id, &fork, ceilings).await?).ok_or_else(|| {
            Error::Conflict {
                code: "function_exists",
                message: format!("you already have a function called {name}: rename or delete it, then start again"),
            }
        })?;
        courses.tie(function_id, id).await?;
        Ok(Started {
            url: self.function_url(&actor.username, &name),
            function: name,
            created: true,
        })
    }

    /// The submissions to assignment `id`: a student's own, or (staff)
    /// every student's.
    pub async fn results(&self, actor: &Actor, id: i64) -> Result<Vec<Submission>, Error> {
        let assignment = self.inner.courses.assignment(id).await?;
        let role = self.require_member(actor, assignment.course_id).await?;
        let students = self
            .inner
            .courses
            .students_work(assignment.course_id)
            .await?;
        let mut list = Vec::new();
        for student in students {
            if !role.staff() && student.username != actor.username {
                continue;
            }
            let work = student.started.into_iter().find(|w| w.assignment_id == id);
            list.push((self.submission(&assignment, student.username, work, role)).await?);
        }
        Ok(list)
    }

    /// Students × assignments of course `id` (staff only).
    pub async fn grid(&self, actor: &Actor, id: i64) -> Result<Grid, Error> {
        let role = self.require_staff(actor, id).await?;
        let assignments = self.inner.courses.assignments(id).await?;
        let mut rows = Vec::new();
        for student in self.inner.courses.students_work(id).await? {
            let mut cells = Vec::new();
            for assignment in &assignments {
                let work = (student.started.iter()).find(|w| w.assignment_id == assignment.id);
                let username = student.username.clone();
                cells.push((self.submission(assignment, username, work.cloned(), role)).await?);
            }
            rows.push(GridRow {
                username: student.username,
                cells,
            });
        }
        Ok(Grid { assignments, rows })
    }

    /// The grid of course `id` as CSV (staff only): a row per student,
    /// with each assignment's checks passed, out of how many, and whether
    /// it was late.
    pub async fn grades_csv(&self, actor: &Actor, id: i64) -> Result<String, Error> {
        let grid = self.grid(actor, id).await?;
        let mut csv = String::from("username");
        for a in &grid.assignments {
            let title = csv_field(&a.title);
            csv.push_str(&format!(
                ",{title} passed,{title} total,{title} version,{title} late"
            ));
        }
        csv.push('\n');
        for row in &grid.rows {
            csv.push_str(&csv_field(&row.username));
            for cell in &row.cells {
                let version = cell.version.map(|v| v.to_string()).unwrap_or_default();
                csv.push_str(&format!(
                    ",{},{},{version},{}",
                    cell.passed, cell.total, cell.late
                ));
            }
            csv.push('\n');
        }
        Ok(csv)
    }

    /// Student `username`'s work on assignment `id`: to staff of its
    /// course, or to that student.
    pub async fn student_work(
        &self,
        actor: &Actor,
        id: i64,
        username: &str,
    ) -> Result<WorkView, Error> {
        let assignment = self.inner.courses.assignment(id).await?;
        let role = self.require_member(actor, assignment.course_id).await?;
        if !role.staff() && actor.username != username {
            return Err(Error::Forbidden);
        }
        let courses = &self.inner.courses;
        let student = (courses.students_work(assignment.course_id).await?)
            .into_iter()
            .find(|s| s.username == username)
            .ok_or_else(|| Error::Missing(format!("{username} is no student of this course")))?;
        let Some(work) = student.started.into_iter().find(|w| w.assignment_id == id) else {
            return Ok(WorkView {
                username: student.username,
                function: None,
                url: None,
                versions: Vec::new(),
                invocations: Vec::new(),
            });
        };
        let functions = &self.inner.functions;
        let detail = functions.get(student.user_id, &work.function).await?;
        let runs = courses.runs(work.function_id, assignment.due_at).await?;
        let submitted = CheckRun::submission(&runs).map(|r| r.version);
        let mut versions = Vec::new();
        let mut previous: Option<String> = None;
        for info in detail.versions.iter().rev() {
            let source = (functions
                .version_source(student.user_id, &work.function, info.version)
                .await?)
                .map(|s| s.source);
            let diff = previous
                .as_deref()
                .zip(source.as_deref())
                .map(|(before, after)| {
                    similar::TextDiff::from_lines(before, after)
                        .unified_diff()
                        .header(
                            &format!("version {}", info.version - 1),
                            &format!("version {}", info.version),
                        )
                        .to_string()
                });
            let checks = (runs.iter().find(|r| r.version == info.version)).cloned();
            let checks = checks.map(|run| run.shown_to(role));
            previous.clone_from(&source);
            versions.push(WorkVersion {
                version: info.version,
                deployed_at: info.created_at,
                source,
                diff,
                checks,
                submitted: submitted == Some(info.version),
            });
        }
        versions.reverse();
        let owner = (self.inner.accounts.user(student.user_id).await?)
            .ok_or_else(|| Error::Missing(format!("{username} is no user any more")))?;
        let search = fnlab_metering::query::Search::default();
        let invocations = self
            .invocations(&owner, &work.function, &search, None)
            .await?;
        Ok(WorkView {
            url: Some(self.function_url(username, &work.function)),
            username: student.username,
            function: Some(work.function),
            versions,
            invocations,
        })
    }

    /// The assignment the actor's function `name` was started for, with
    /// its checks' results; not found for a function of no assignment.
    pub async fn function_assignment(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<FunctionAssignment, Error> {
        let function_id = self.inner.functions.id_of(actor.id, name).await?;
        let courses = &self.inner.courses;
        let assignment = (courses.assignment_of(function_id).await?)
            .ok_or_else(|| Error::Missing(format!("{name} is no assignment's function")))?;
        let course = self.course(actor, assignment.course_id).await?;
        let role = course.course.role;
        let runs = courses.runs(function_id, assignment.due_at).await?;
        let runs = runs.into_iter().map(|run| run.shown_to(role)).collect();
        Ok(FunctionAssignment {
            assignment: shown_to(assignment, role),
            course: course.course.name,
            runs,
        })
    }

    /// The checks' results on version `version` of `user_id`'s `name`,
    /// as its owner sees them, when it is an assignment's function and
    /// they ran.
    pub(crate) async fn version_checks(
        &self,
        user_id: i64,
        name: &str,
        version: i64,
    ) -> Result<Option<CheckRun>, Error> {
        let function_id = self.inner.functions.id_of(user_id, name).await?;
        let courses = &self.inner.courses;
        let Some(assignment) = courses.assignment_of(function_id).await? else {
            return Ok(None);
        };
        let runs = courses.runs(function_id, assignment.due_at).await?;
        Ok((runs.into_iter())
            .find(|r| r.version == version)
            .map(CheckRun::for_student))
    }

    /// Runs the checks of the assignment `function_id` is tied to (if any)
    /// against its version `version`, just deployed, and keeps the
    /// results.
    pub(crate) async fn run_checks(
        &self,
        username: &str,
        name: &str,
        function_id: i64,
        version: i64,
    ) -> Result<Option<CheckRun>, Error> {
        let Some(assignment) = self.inner.courses.assignment_of(function_id).await? else {
            return Ok(None);
        };
        let function =
            (self.function_at(username, name, Some(version)).await?).ok_or_else(|| {
                Error::Internal(format!("{username}/{name} has no version {version}"))
            })?;
        let prepared = self.prepared(&function).await?;
        let (program, invocation) = (prepared.program, prepared.invocation);
        let mut results = Vec::new();
        for check in &assignment.checks {
            let answer = self
                .send_check(&program, invocation, &function, check)
                .await;
            results.push(checks::evaluate(
                check,
                answer.as_ref().map_err(String::as_str),
            ));
        }
        let run = CheckRun {
            version,
            passed: results.iter().filter(|r| r.passed).count() as i64,
            total: results.len() as i64,
            deployed_at: fnlab_db::now_ms(),
            late: fnlab_db::now_ms() > assignment.due_at,
            results,
        };
        self.inner.courses.record_run(function_id, &run).await?;
        Ok(Some(run))
    }

    /// Sends one check's request to `program`, as `function`'s limits
    /// allow; what came back.
    async fn send_check(
        &self,
        program: &std::sync::Arc<fnlab_sandbox::Program>,
        invocation: Invocation,
        function: &fnlab_functions::LiveFunction,
        check: &Check,
    ) -> Result<Answer, String> {
        let mut request = http::Request::builder()
            .method(check.method.as_str())
            .uri(format!("http://fnlab.check{}", check.path))
            .header(crate::invoke::FUNCTION_HEADER, function.name.as_str())
            .header(crate::invoke::TRIGGER_HEADER, "check");
        for (header, value) in &check.headers {
            request = request.header(header.as_str(), value.as_str());
        }
        let body = check.body.clone().unwrap_or_default();
        let request = request
            .body(http_body_util::Full::new(Bytes::from(body)))
            .map_err(|e| format!("the check's request is not valid: {e}"))?;
        let started = Instant::now();
        let (response, report) = self
            .inner
            .sandbox
            .invoke(program, invocation, request)
            .await;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let report = report
            .await
            .map_err(|_| "the function ended without a report".to_owned())?;
        match &report.outcome {
            fnlab_sandbox::Outcome::Ok => {}
            fnlab_sandbox::Outcome::Trap(why) | fnlab_sandbox::Outcome::NoResponse(why) => {
                return Err(format!(
                    "the function failed ({}): {why}",
                    report.outcome.code()
                ));
            }
            other => return Err(format!("the function failed: {}", other.code())),
        }
        Ok(Answer {
            status,
            body: body.to_vec(),
            ms,
        })
    }

    /// One student's submission to `assignment`, from their function's
    /// check runs, as `role` may see it.
    async fn submission(
        &self,
        assignment: &Assignment,
        username: String,
        work: Option<Work>,
        role: Role,
    ) -> Result<Submission, Error> {
        let total = assignment.checks.len() as i64;
        let Some(Work {
            function_id,
            function: name,
            ..
        }) = work
        else {
            return Ok(Submission {
                username,
                function: None,
                version: None,
                passed: 0,
                total,
                submitted_at: None,
                late: false,
                deploys: 0,
                invocations: 0,
                errors: 0,
                checks: Vec::new(),
            });
        };
        let runs = self
            .inner
            .courses
            .runs(function_id, assignment.due_at)
            .await?;
        let deploys = runs.len() as i64;
        let (invocations, errors) = self.inner.courses.function_usage(function_id).await?;
        let submitted = CheckRun::submission(&runs).cloned();
        let submitted = submitted.map(|run| run.shown_to(role));
        Ok(Submission {
            username,
            function: Some(name),
            version: submitted.as_ref().map(|r| r.version),
            passed: submitted.as_ref().map_or(0, |r| r.passed),
            total,
            submitted_at: submitted.as_ref().map(|r| r.deployed_at),
            late: submitted.as_ref().is_some_and(|r| r.late),
            deploys,
            invocations,
            errors,
            checks: submitted.map(|r| r.results).unwrap_or_default(),
        })
    }

    fn course_view(&self, course: Course) -> CourseView {
        let invite_url = course
            .invite_code
            .as_ref()
            .map(|code| format!("{}/join/{code}", self.inner.settings.public_url));
        CourseView { course, invite_url }
    }

    /// The actor's role in course `id`; not found unless they are in it.
    async fn require_member(&self, actor: &Actor, id: i64) -> Result<Role, Error> {
        (self.inner.courses.role(id, actor.id).await?)
            .ok_or_else(|| Error::Missing(format!("you are in no course {id}")))
    }

    /// The actor's role in course `id` when it is staff's; not found for
    /// anyone else (a student learns nothing of what staff see).
    async fn require_staff(&self, actor: &Actor, id: i64) -> Result<Role, Error> {
        let role = self.require_member(actor, id).await?;
        if !role.staff() {
            return Err(Error::Forbidden);
        }
        Ok(role)
    }

    async fn require_role(&self, actor: &Actor, id: i64, wanted: Role) -> Result<(), Error> {
        let role = self.require_member(actor, id).await?;
        if role != wanted {
            return Err(Error::Forbidden);
        }
        Ok(())
    }
}

/// `request` as an assignment to store: its language known, and the
/// language's first template as the starter when it has none.
fn new_assignment(request: AssignmentRequest) -> Result<NewAssignment, Error> {
    let language: Language =
        (request.language.parse()).map_err(|e: fnlab_functions::UnknownLanguage| {
            Error::invalid("language", "unsupported_language", e.to_string())
        })?;
    let starter = if request.starter.trim().is_empty() {
        (fnlab_builds::templates::TEMPLATES.iter())
            .find(|t| t.language == language)
            .map(|t| t.source.to_owned())
            .unwrap_or_default()
    } else {
        request.starter
    };
    Ok(NewAssignment {
        title: request.title,
        instructions: request.instructions,
        language: language.as_str().to_owned(),
        starter,
        due_at: request.due_at,
        checks: request.checks,
    })
}

/// `assignment` as `role` may see it: a student sees hidden checks by
/// name only.
fn shown_to(mut assignment: Assignment, role: Role) -> Assignment {
    if !role.staff() {
        for check in assignment.checks.iter_mut().filter(|c| c.hidden) {
            *check = Check {
                name: check.name.clone(),
                method: String::new(),
                path: String::new(),
                headers: Default::default(),
                body: None,
                expect: Default::default(),
                hidden: true,
            };
        }
    }
    assignment
}

/// The name of a student's function for `assignment`: its title as a
/// function name, after its id.
fn function_name(assignment: &Assignment) -> String {
    let mut slug = String::new();
    for c in assignment.title.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    let name = format!("a{}-{slug}", assignment.id);
    name.chars()
        .take(40)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

/// `text` as one CSV field.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}
