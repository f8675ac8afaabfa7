//! What a course, its members, its assignments and their checks are, as
//! the API and the pages show them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A member's role in a course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Made the course: everything, including its members and assignments.
    Instructor,
    /// Sees what the instructor sees (every student's work); changes
    /// nothing.
    Ta,
    /// Does the assignments, and sees only their own work.
    Student,
}

impl Role {
    /// `instructor`, `ta` or `student`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Instructor => "instructor",
            Self::Ta => "ta",
            Self::Student => "student",
        }
    }

    /// The role named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Instructor, Self::Ta, Self::Student]
            .into_iter()
            .find(|r| r.as_str() == name)
    }

    /// Whether this role sees every student's work.
    pub fn staff(self) -> bool {
        matches!(self, Self::Instructor | Self::Ta)
    }
}

/// A course, as one of its members sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Course {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its first day, `YYYY-MM-DD`.
    pub starts_on: String,
    /// Its last day, `YYYY-MM-DD`.
    pub ends_on: String,
    /// The caller's role in it.
    pub role: Role,
    /// The code students join with (staff only; `None` for students).
    pub invite_code: Option<String>,
    /// What each student's assignment functions may use in all.
    pub caps: CourseCaps,
}

/// A course's caps per student, over the functions of its assignments
/// (`None`: no cap). A student past one gets 403 `course_cap_reached`
/// from their functions (requests, GB-seconds) or their deploys
/// (storage), until the instructor lifts their cap or raises it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseCaps {
    /// Requests, over the whole course.
    #[serde(default)]
    pub requests: Option<i64>,
    /// GB-seconds (memory limit × wall-clock time), over the whole course.
    #[serde(default)]
    pub gb_seconds: Option<i64>,
    /// MiB of stored versions (sources, and components built from Rust).
    #[serde(default)]
    pub storage_mb: Option<i64>,
}

/// What a student's assignment functions of one course used, against
/// its caps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseUsage {
    /// Requests so far.
    pub requests: i64,
    /// MB-milliseconds so far (1 GB-second is 1,024,000).
    pub mb_ms: i64,
    /// Bytes stored.
    pub stored_bytes: i64,
    /// Whether the instructor lifted this student's caps.
    pub uncapped: bool,
}

/// A member of a course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    /// Their username.
    pub username: String,
    /// Their role.
    pub role: Role,
    /// When they joined, ms since the Unix epoch.
    pub joined_at: i64,
    /// Whether the instructor lifted the course's caps for them.
    pub uncapped: bool,
}

/// One HTTP request an assignment's checks send, and what its answer
/// must be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Check {
    /// What it checks, for people.
    pub name: String,
    /// The method (`GET` by default).
    #[serde(default = "get")]
    pub method: String,
    /// The path and query (`/` by default).
    #[serde(default = "root")]
    pub path: String,
    /// Request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The request body.
    #[serde(default)]
    pub body: Option<String>,
    /// What the answer must be.
    #[serde(default)]
    pub expect: Expect,
    /// Whether students see only its name (not its request, expectation
    /// or the answer received).
    #[serde(default)]
    pub hidden: bool,
}

fn get() -> String {
    "GET".into()
}

fn root() -> String {
    "/".into()
}

/// What a check's answer must be; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Expect {
    /// The status.
    #[serde(default)]
    pub status: Option<u16>,
    /// The whole body.
    #[serde(default)]
    pub body_equals: Option<String>,
    /// Text the body contains.
    #[serde(default)]
    pub body_contains: Option<String>,
    /// A regular expression the body matches.
    #[serde(default)]
    pub body_regex: Option<String>,
    /// Values at JSON paths of the body (`a.b[0]` or `/a/b/0`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub json: Option<BTreeMap<String, serde_json::Value>>,
    /// The most milliseconds the answer may take.
    #[serde(default)]
    pub max_ms: Option<u64>,
}

/// An assignment, as the course's members see it (students: hidden
/// checks by name only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    /// Its id.
    pub id: i64,
    /// Its course.
    pub course_id: i64,
    /// Its title.
    pub title: String,
    /// What to do, in Markdown.
    pub instructions: String,
    /// The language of its functions: `rust`, `javascript` or `python`.
    pub language: String,
    /// The code a student starts from.
    pub starter: String,
    /// When it is due, ms since the Unix epoch: the last version deployed
    /// before it is the submission.
    pub due_at: i64,
    /// The checks run on every deploy.
    pub checks: Vec<Check>,
}

/// How one check went on one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckResult {
    /// The check's name.
    pub name: String,
    /// Whether every condition held.
    pub passed: bool,
    /// What did not hold, for people (empty when it passed; for a hidden
    /// check, shown to staff only).
    pub failures: Vec<String>,
    /// The status received (`None` for a hidden check, to a student).
    pub status: Option<u16>,
    /// The body received, at most 2 KiB (`None` for a hidden check, to a
    /// student).
    pub body: Option<String>,
    /// How long the answer took, ms.
    pub ms: Option<u64>,
    /// Whether the check is hidden from students.
    pub hidden: bool,
}

/// The checks' results on one deployed version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckRun {
    /// The version checked.
    pub version: i64,
    /// How many checks passed.
    pub passed: i64,
    /// How many there are.
    pub total: i64,
    /// When the version was deployed, ms since the Unix epoch.
    pub deployed_at: i64,
    /// Whether it was deployed after the due date.
    pub late: bool,
    /// Each check's result.
    pub results: Vec<CheckResult>,
}

impl CheckRun {
    /// The submission among `runs` (newest version first): the last
    /// version deployed before the due date, else the last one, late.
    pub fn submission(runs: &[CheckRun]) -> Option<&CheckRun> {
        runs.iter().find(|r| !r.late).or(runs.first())
    }

    /// This run as `role` may see it: whole to staff, as
    /// [`CheckRun::for_student`] to a student.
    pub fn shown_to(self, role: Role) -> Self {
        if role.staff() {
            self
        } else {
            self.for_student()
        }
    }

    /// This run as a student may see it: hidden checks by name and
    /// verdict only.
    pub fn for_student(mut self) -> Self {
        for result in self.results.iter_mut().filter(|r| r.hidden) {
            result.failures.clear();
            result.status = None;
            result.body = None;
        }
        self
    }
}

/// One student's work on one assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Submission {
    /// The student.
    pub username: String,
    /// Their function for the assignment, once started.
    pub function: Option<String>,
    /// The submitted version: the last deployed before the due date (or
    /// the last one, marked late, when none was).
    pub version: Option<i64>,
    /// Checks passed by it.
    pub passed: i64,
    /// Checks in all.
    pub total: i64,
    /// When it was deployed, ms since the Unix epoch.
    pub submitted_at: Option<i64>,
    /// Whether it was deployed after the due date.
    pub late: bool,
    /// How many versions they deployed.
    pub deploys: i64,
    /// How many times their function was called (checks not counted).
    pub invocations: i64,
    /// How many of those failed (a trap, a timeout, a 5xx).
    pub errors: i64,
    /// The submitted version's check results.
    pub checks: Vec<CheckResult>,
}

/// A course as its creator hears of it: the course and where students
/// join it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseView {
    /// The course.
    #[serde(flatten)]
    pub course: Course,
    /// The page that joins it, to share with students (staff only).
    pub invite_url: Option<String>,
}

/// What starting an assignment answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Started {
    /// The student's function for it.
    pub function: String,
    /// Its URL (it answers once deployed).
    pub url: String,
    /// Whether this call made it (false: it was started before).
    pub created: bool,
}

/// What importing a roster did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Roster {
    /// The course's members now.
    pub members: Vec<Member>,
    /// Usernames of the roster that are no user of Fnlab's (they were
    /// not added: ask them to sign up, then import again).
    pub unknown: Vec<String>,
}

/// The instructor's grid: students × assignments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grid {
    /// The columns.
    pub assignments: Vec<Assignment>,
    /// One row per student, one cell per assignment, in the columns' order.
    pub rows: Vec<GridRow>,
}

/// One student's row of the grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GridRow {
    /// The student.
    pub username: String,
    /// Their work on each assignment.
    pub cells: Vec<Submission>,
}

/// One deployed version of a student's assignment function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkVersion {
    /// 1, 2, 3…
    pub version: i64,
    /// When it was deployed, ms since the Unix epoch.
    pub deployed_at: i64,
    /// The source it was built from (`None` for an uploaded component).
    pub source: Option<String>,
    /// The changes from the version before, as a unified diff (`None`
    /// for the first version, or when either has no source).
    pub diff: Option<String>,
    /// Its checks' results, once they ran.
    pub checks: Option<CheckRun>,
    /// Whether it is the submission.
    pub submitted: bool,
}

/// The assignment a function was started for, with its checks' results
/// on each of its versions: what the function's editor page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionAssignment {
    /// The assignment (hidden checks by name only, to a student).
    pub assignment: Assignment,
    /// Its course's name.
    pub course: String,
    /// The checks' results, newest version first.
    pub runs: Vec<CheckRun>,
}
