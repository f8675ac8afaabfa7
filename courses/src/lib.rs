//! Fnlab for teaching: courses with an instructor, TAs and students who
//! join by invite code; assignments with Markdown instructions, starter
//! code and HTTP checks; and the checks' results on every version a
//! student deploys, from which the grid and the grades come.
//!
//! No HTTP and no sandbox here: the use-case layer decides who may see
//! what (by role), sends the checks' requests to the sandbox, and calls
//! this crate to keep the results.
//!
//! - [`model`]: what the API and the pages show (always compiled, for the
//!   browser too).
//! - `checks`: whether checks are well formed, and whether an answer
//!   passes one.
//! - `markdown`: an assignment's instructions as HTML safe to show.
//! - `store`: courses, members, assignments and check runs in the
//!   database.

#![deny(missing_docs)]

#[cfg(feature = "store")]
pub mod checks;
#[cfg(feature = "store")]
pub mod markdown;
pub mod model;
#[cfg(feature = "store")]
pub mod store;

pub use model::{
    Assignment, Check, CheckResult, CheckRun, Course, CourseCaps, CourseUsage, Expect, Member,
    Role, Submission,
};
#[cfg(feature = "store")]
pub use store::{CourseError, Courses, NewAssignment, StudentWork, Work};
