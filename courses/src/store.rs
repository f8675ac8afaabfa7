//! Courses, members, assignments and check runs in the database. Methods
//! take ids the caller has authorized (the use-case layer checks roles);
//! each query is scoped by the course, so an id of another course's finds
//! nothing.

use fnlab_db::{Pool, now_ms, random_hex};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::model::{Assignment, Check, CheckRun, Course, CourseCaps, Member, Role};

/// Longest course or assignment title, characters.
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest instructions, bytes.
pub const MAX_INSTRUCTIONS_BYTES: usize = 64 << 10;

/// What can go wrong with a course.
#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    /// No such course, member, assignment or invite code (for this user).
    #[error("{0}")]
    NotFound(String),
    /// Something asked that breaks a rule; the message says which.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// A new assignment.
#[derive(Debug, Clone)]
pub struct NewAssignment {
    /// Its title.
    pub title: String,
    /// What to do, Markdown.
    pub instructions: String,
    /// `rust`, `javascript` or `python`.
    pub language: String,
    /// The starter code.
    pub starter: String,
    /// When it is due, ms since the Unix epoch.
    pub due_at: i64,
    /// Its checks (validated by the caller).
    pub checks: Vec<Check>,
}

/// A student's functions for a course's assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudentWork {
    /// The student's user id.
    pub user_id: i64,
    /// The student.
    pub username: String,
    /// Their function for each assignment they started.
    pub started: Vec<Work>,
}

/// A student's function for one assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Work {
    /// The assignment.
    pub assignment_id: i64,
    /// The function's id.
    pub function_id: i64,
    /// Its name.
    pub function: String,
}

/// The courses service, cheap to clone.
#[derive(Clone)]
pub struct Courses {
    pool: Pool,
}

fn invite_code() -> String {
    random_hex(8)
}

/// `new`'s checks as stored, once its title, instructions and checks
/// are within the rules.
fn validated(new: &NewAssignment) -> Result<String, CourseError> {
    check_title("an assignment title", &new.title)?;
    if new.instructions.len() > MAX_INSTRUCTIONS_BYTES {
        return Err(CourseError::Invalid(format!(
            "instructions are at most {} KiB",
            MAX_INSTRUCTIONS_BYTES >> 10
        )));
    }
    crate::checks::validate(&new.checks).map_err(CourseError::Invalid)?;
    Ok(serde_json::to_string(&new.checks).unwrap_or_default())
}

fn check_title(what: &str, title: &str) -> Result<(), CourseError> {
    let chars = title.trim().chars().count();
    if chars == 0 || chars > MAX_TITLE_CHARS {
        return Err(CourseError::Invalid(format!(
            "{what} is 1 to {MAX_TITLE_CHARS} characters"
        )));
    }
    Ok(())
}

/// `YYYY-MM-DD`, as a date input sends it.
fn check_day(what: &str, day: &str) -> Result<(), CourseError> {
    let b = day.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(CourseError::Invalid(format!(
            "{what} is a date, YYYY-MM-DD; not {day:?}"
        )));
    }
    Ok(())
}

impl Courses {
    /// Courses kept in `pool`.
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    /// Creates a course, with `user_id` its instructor.
    pub async fn create(
        &self,
        user_id: i64,
        name: &str,
        starts_on: &str,
        ends_on: &str,
    ) -> Result<Course, CourseError> {
        check_title("a course name", name)?;
        check_day("starts_on", starts_on)?;
        check_day("ends_on", ends_on)?;
        if ends_on < starts_on {
            return Err(CourseError::Invalid("a course ends after it starts".into()));
        }
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "insert into courses (name, starts_on, ends_on, invite_code, created_at) \
             values ($1, $2, $3, $4, $5) returning course_id",
        )
        .bind(name.trim())
        .bind(starts_on)
        .bind(ends_on)
        .bind(invite_code())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "insert into course_members (course_id, user_id, role, joined_at) values ($1, $2, 'instructor', $3)",
        )
        .bind(id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.course(id, user_id).await
    }

    /// Renames course `id` and moves its dates (extending it reopens its
    /// students' assignment functions).
    pub async fn update(
        &self,
        id: i64,
        (name, starts_on, ends_on): (&str, &str, &str),
        caps: CourseCaps,
    ) -> Result<(), CourseError> {
        for (what, cap) in [
            ("requests", caps.requests),
            ("gb_seconds", caps.gb_seconds),
            ("storage_mb", caps.storage_mb),
        ] {
            if cap.is_some_and(|cap| cap < 0) {
                return Err(CourseError::Invalid(format!(
                    "the {what} cap is a number from 0 up, or none"
                )));
            }
        }
        check_title("a course name", name)?;
        check_day("starts_on", starts_on)?;
        check_day("ends_on", ends_on)?;
        if ends_on < starts_on {
            return Err(CourseError::Invalid("a course ends after it starts".into()));
        }
        sqlx::query(
            "update courses set name = $2, starts_on = $3, ends_on = $4, student_requests = $5, \
             student_gb_seconds = $6, student_storage_mb = $7 where course_id = $1",
        )
        .bind(id)
        .bind(name.trim())
        .bind(starts_on)
        .bind(ends_on)
        .bind(caps.requests)
        .bind(caps.gb_seconds)
        .bind(caps.storage_mb)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Lifts (or restores) the course's caps for student `username`.
    pub async fn set_uncapped(
        &self,
        id: i64,
        username: &str,
        uncapped: bool,
    ) -> Result<(), CourseError> {
        let done = sqlx::query(
            "update course_members set uncapped = $3 where course_id = $1 \
             and user_id = (select user_id from users where username = $2)",
        )
        .bind(id)
        .bind(username)
        .bind(i64::from(uncapped))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(CourseError::NotFound(format!(
                "{username} is not in this course"
            )));
        }
        Ok(())
    }

    /// The caps of course `id` that hold for student `user_id` (none once
    /// lifted for them), and whether they were lifted.
    pub async fn caps_for(&self, id: i64, user_id: i64) -> Result<(CourseCaps, bool), CourseError> {
        let row = sqlx::query(
            "select c.student_requests, c.student_gb_seconds, c.student_storage_mb, \
             coalesce(m.uncapped, 0) from courses c left join course_members m \
             on m.course_id = c.course_id and m.user_id = $2 where c.course_id = $1",
        )
        .bind(id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok((CourseCaps::default(), false));
        };
        if row.try_get::<i64, _>(3)? != 0 {
            return Ok((CourseCaps::default(), true));
        }
        let caps = CourseCaps {
            requests: row.try_get(0)?,
            gb_seconds: row.try_get(1)?,
            storage_mb: row.try_get(2)?,
        };
        Ok((caps, false))
    }

    /// How many times function `function_id` was called, and how many of
    /// those failed.
    pub async fn function_usage(&self, function_id: i64) -> Result<(i64, i64), CourseError> {
        let row = sqlx::query(
            "select cast(coalesce(sum(requests), 0) as bigint), \
             cast(coalesce(sum(errors), 0) as bigint) from usage_hourly where function_id = $1",
        )
        .bind(function_id)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Requests and MB-ms that student `user_id`'s functions of course
    /// `id`'s assignments used, in all.
    pub async fn student_usage(&self, id: i64, user_id: i64) -> Result<(i64, i64), CourseError> {
        let row = sqlx::query(
            "select cast(coalesce(sum(h.requests), 0) as bigint), \
             cast(coalesce(sum(h.mb_ms), 0) as bigint) \
             from usage_hourly h join functions f on f.function_id = h.function_id \
             join assignments a on a.assignment_id = f.assignment_id \
             where f.user_id = $1 and a.course_id = $2",
        )
        .bind(user_id)
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Course `id` as member `user_id` sees it.
    pub async fn course(&self, id: i64, user_id: i64) -> Result<Course, CourseError> {
        let rows = sqlx::query(&format!(
            "{COURSE_SELECT} where c.course_id = $1 and m.user_id = $2"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.first()
            .map(course)
            .transpose()?
            .ok_or_else(|| CourseError::NotFound(format!("you are in no course {id}")))
    }

    /// The courses `user_id` is a member of, newest first.
    pub async fn mine(&self, user_id: i64) -> Result<Vec<Course>, CourseError> {
        let rows = sqlx::query(&format!(
            "{COURSE_SELECT} where m.user_id = $1 order by c.course_id desc"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(course).collect::<Result<_, _>>()?)
    }

    /// `user_id`'s role in course `id`, if they are a member.
    pub async fn role(&self, id: i64, user_id: i64) -> Result<Option<Role>, CourseError> {
        let role: Option<String> = sqlx::query_scalar(
            "select role from course_members where course_id = $1 and user_id = $2",
        )
        .bind(id)
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?
        .pop();
        Ok(role.as_deref().and_then(Role::parse))
    }

    /// Joins `user_id` to the course whose invite code is `code`, as a
    /// student (a member keeps their role); the course.
    pub async fn join(&self, user_id: i64, code: &str) -> Result<Course, CourseError> {
        let id: Option<i64> =
            sqlx::query_scalar("select course_id from courses where invite_code = $1")
                .bind(code.trim())
                .fetch_all(&self.pool)
                .await?
                .pop();
        let id = id.ok_or_else(|| {
            CourseError::NotFound(
                "no course has this invite code (it may have been rotated)".into(),
            )
        })?;
        sqlx::query(
            "insert into course_members (course_id, user_id, role, joined_at) \
             values ($1, $2, 'student', $3) on conflict (course_id, user_id) do nothing",
        )
        .bind(id)
        .bind(user_id)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        self.course(id, user_id).await
    }

    /// Gives course `id` a new invite code (the old one stops working);
    /// the code.
    pub async fn rotate_invite(&self, id: i64) -> Result<String, CourseError> {
        let code = invite_code();
        sqlx::query("update courses set invite_code = $2 where course_id = $1")
            .bind(id)
            .bind(&code)
            .execute(&self.pool)
            .await?;
        Ok(code)
    }

    /// The members of course `id`, staff first, then by username.
    pub async fn members(&self, id: i64) -> Result<Vec<Member>, CourseError> {
        let rows = sqlx::query(
            "select u.username, m.role, m.joined_at, m.uncapped from course_members m \
             join users u on u.user_id = m.user_id where m.course_id = $1 \
             order by case m.role when 'instructor' then 0 when 'ta' then 1 else 2 end, u.username",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get(1)?;
                Ok(Member {
                    username: row.try_get(0)?,
                    role: Role::parse(&role).unwrap_or(Role::Student),
                    joined_at: row.try_get(2)?,
                    uncapped: row.try_get::<i64, _>(3)? != 0,
                })
            })
            .collect()
    }

    /// Adds `username` to course `id` as `role`, or changes their role;
    /// not found when there is no such user.
    pub async fn set_member(&self, id: i64, username: &str, role: Role) -> Result<(), CourseError> {
        let user: Option<i64> = sqlx::query_scalar("select user_id from users where username = $1")
            .bind(username)
            .fetch_all(&self.pool)
            .await?
            .pop();
        let user =
            user.ok_or_else(|| CourseError::NotFound(format!("there is no user {username}")))?;
        sqlx::query(
            "insert into course_members (course_id, user_id, role, joined_at) values ($1, $2, $3, $4) \
             on conflict (course_id, user_id) do update set role = excluded.role",
        )
        .bind(id)
        .bind(user)
        .bind(role.as_str())
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes `username` from course `id`.
    pub async fn remove_member(&self, id: i64, username: &str) -> Result<(), CourseError> {
        let removed = sqlx::query(
            "delete from course_members where course_id = $1 and user_id = \
             (select user_id from users where username = $2)",
        )
        .bind(id)
        .bind(username)
        .execute(&self.pool)
        .await?;
        if removed.rows_affected() == 0 {
            return Err(CourseError::NotFound(format!(
                "{username} is not in this course"
            )));
        }
        Ok(())
    }

    /// Adds an assignment to course `id`.
    pub async fn add_assignment(
        &self,
        id: i64,
        new: &NewAssignment,
    ) -> Result<Assignment, CourseError> {
        let checks = validated(new)?;
        let now = now_ms();
        let assignment_id: i64 = sqlx::query_scalar(
            "insert into assignments (course_id, title, instructions, language, starter, due_at, \
             checks, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             returning assignment_id",
        )
        .bind(id)
        .bind(new.title.trim())
        .bind(&new.instructions)
        .bind(&new.language)
        .bind(&new.starter)
        .bind(new.due_at)
        .bind(checks)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        self.assignment(assignment_id).await
    }

    /// Replaces assignment `id`'s title, instructions, starter, due date
    /// and checks (its language stays: students' functions are written
    /// in it).
    pub async fn update_assignment(
        &self,
        id: i64,
        new: &NewAssignment,
    ) -> Result<Assignment, CourseError> {
        let checks = validated(new)?;
        sqlx::query(
            "update assignments set title = $2, instructions = $3, starter = $4, due_at = $5, \
             checks = $6, updated_at = $7 where assignment_id = $1",
        )
        .bind(id)
        .bind(new.title.trim())
        .bind(&new.instructions)
        .bind(&new.starter)
        .bind(new.due_at)
        .bind(checks)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        self.assignment(id).await
    }

    /// The assignments of course `id`, by due date.
    pub async fn assignments(&self, id: i64) -> Result<Vec<Assignment>, CourseError> {
        let rows = sqlx::query(&format!(
            "select {ASSIGNMENT_COLUMNS} from assignments where course_id = $1 order by due_at, assignment_id"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(assignment).collect::<Result<_, _>>()?)
    }

    /// Assignment `id`, whichever course it is in (the caller checks the
    /// caller's role in [`Assignment::course_id`]).
    pub async fn assignment(&self, id: i64) -> Result<Assignment, CourseError> {
        let rows = sqlx::query(&format!(
            "select {ASSIGNMENT_COLUMNS} from assignments where assignment_id = $1"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.first()
            .map(assignment)
            .transpose()?
            .ok_or_else(|| CourseError::NotFound(format!("there is no assignment {id}")))
    }

    /// Ties function `function_id` to assignment `assignment_id`.
    pub async fn tie(&self, function_id: i64, assignment_id: i64) -> Result<(), CourseError> {
        sqlx::query("update functions set assignment_id = $2 where function_id = $1")
            .bind(function_id)
            .bind(assignment_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The assignment function `function_id` is tied to, if any.
    pub async fn assignment_of(&self, function_id: i64) -> Result<Option<Assignment>, CourseError> {
        let id: Option<Option<i64>> =
            sqlx::query_scalar("select assignment_id from functions where function_id = $1")
                .bind(function_id)
                .fetch_all(&self.pool)
                .await?
                .pop();
        match id.flatten() {
            Some(id) => Ok(Some(self.assignment(id).await?)),
            None => Ok(None),
        }
    }

    /// The name of `user_id`'s function for assignment `assignment_id`, if
    /// they started it.
    pub async fn started(
        &self,
        user_id: i64,
        assignment_id: i64,
    ) -> Result<Option<String>, CourseError> {
        Ok(sqlx::query_scalar(
            "select name from functions where user_id = $1 and assignment_id = $2 order by function_id",
        )
        .bind(user_id)
        .bind(assignment_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .next())
    }

    /// Records the checks' results on version `run.version` of function
    /// `function_id` (replacing an earlier run of that version's).
    pub async fn record_run(&self, function_id: i64, run: &CheckRun) -> Result<(), CourseError> {
        let results = serde_json::to_string(&run.results).unwrap_or_default();
        sqlx::query(
            "insert into check_runs (function_id, version, passed, total, results, deployed_at) \
             values ($1, $2, $3, $4, $5, $6) on conflict (function_id, version) do update set \
             passed = excluded.passed, total = excluded.total, results = excluded.results",
        )
        .bind(function_id)
        .bind(run.version)
        .bind(run.passed)
        .bind(run.total)
        .bind(results)
        .bind(run.deployed_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The check runs of function `function_id`, newest version first,
    /// marked late after `due_at`.
    pub async fn runs(&self, function_id: i64, due_at: i64) -> Result<Vec<CheckRun>, CourseError> {
        let rows = sqlx::query(
            "select version, passed, total, results, deployed_at from check_runs \
             where function_id = $1 order by version desc",
        )
        .bind(function_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let results: String = row.try_get(3)?;
                let deployed_at: i64 = row.try_get(4)?;
                Ok(CheckRun {
                    version: row.try_get(0)?,
                    passed: row.try_get(1)?,
                    total: row.try_get(2)?,
                    deployed_at,
                    late: deployed_at > due_at,
                    results: serde_json::from_str(&results).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Each student of course `id`, by username, with their functions for
    /// its assignments (none for one they never started).
    pub async fn students_work(&self, id: i64) -> Result<Vec<StudentWork>, CourseError> {
        let rows = sqlx::query(
            "select u.username, f.assignment_id, f.function_id, f.name, u.user_id from course_members m \
             join users u on u.user_id = m.user_id \
             left join functions f on f.user_id = m.user_id and f.assignment_id in \
                 (select assignment_id from assignments where course_id = $1) \
             where m.course_id = $1 and m.role = 'student' order by u.username, f.function_id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut students: Vec<StudentWork> = Vec::new();
        for row in &rows {
            let username: String = row.try_get(0)?;
            if students.last().is_none_or(|last| last.username != username) {
                students.push(StudentWork {
                    user_id: row.try_get(4)?,
                    username,
                    started: Vec::new(),
                });
            }
            let work: (Option<i64>, Option<i64>, Option<String>) =
                (row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
            if let ((Some(assignment_id), Some(function_id), Some(function)), Some(student)) =
                (work, students.last_mut())
            {
                student.started.push(Work {
                    assignment_id,
                    function_id,
                    function,
                });
            }
        }
        Ok(students)
    }
}

/// A course with the member's role, as [`course`] reads it.
const COURSE_SELECT: &str = "select c.course_id, c.name, c.starts_on, c.ends_on, c.invite_code, m.role, \
    c.student_requests, c.student_gb_seconds, c.student_storage_mb \
    from courses c join course_members m on m.course_id = c.course_id";

fn course(row: &AnyRow) -> Result<Course, sqlx::Error> {
    let role: String = row.try_get(5)?;
    let role = Role::parse(&role).unwrap_or(Role::Student);
    Ok(Course {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        starts_on: row.try_get(2)?,
        ends_on: row.try_get(3)?,
        invite_code: role.staff().then(|| row.try_get(4)).transpose()?,
        role,
        caps: CourseCaps {
            requests: row.try_get(6)?,
            gb_seconds: row.try_get(7)?,
            storage_mb: row.try_get(8)?,
        },
    })
}

const ASSIGNMENT_COLUMNS: &str =
    "assignment_id, course_id, title, instructions, language, starter, due_at, checks";

fn assignment(row: &AnyRow) -> Result<Assignment, sqlx::Error> {
    let checks: String = row.try_get(7)?;
    Ok(Assignment {
        id: row.try_get(0)?,
        course_id: row.try_get(1)?,
        title: row.try_get(2)?,
        instructions: row.try_get(3)?,
        language: row.try_get(4)?,
        starter: row.try_get(5)?,
        due_at: row.try_get(6)?,
        checks: serde_json::from_str(&checks).unwrap_or_default(),
    })
}
