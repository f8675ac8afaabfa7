//! A build's progress, queued → compiling → storing → live, on standard
//! error: a bar with the build's latest log line when a person watches it,
//! one line per step when a script or a file reads it.

use std::io::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use fnlab_builds::BuildState;

use crate::api::StateChange;

/// The progress of one build.
pub struct Progress {
    /// `None` when writing plain lines.
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar when `terminal`, else plain lines.
    pub fn new(terminal: bool) -> Self {
        let bar = terminal.then(|| {
            let style = ProgressStyle::with_template("{spinner} [{bar:12}] {prefix:10} {wide_msg}")
                .expect("a valid template")
                .progress_chars("=> ");
            let bar = ProgressBar::new(3).with_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self { bar }
    }

    /// Shows the build's new state.
    pub fn state(&self, change: &StateChange, stderr: &mut dyn Write) {
        let step = match change.state {
            BuildState::Queued => 0,
            BuildState::Compiling => 1,
            BuildState::Storing => 2,
            BuildState::Live | BuildState::Failed => 3,
        };
        let name = change.state.as_str();
        let waiting = match change.queue_position {
            Some(ahead) if change.state == BuildState::Queued && ahead > 0 => {
                format!(" ({ahead} ahead)")
            }
            _ => String::new(),
        };
        match &self.bar {
            Some(bar) => {
                bar.set_position(step);
                bar.set_prefix(name);
                bar.set_message(waiting);
            }
            None => {
                let _ = writeln!(stderr, "build: {name}{waiting}");
            }
        }
    }

    /// Shows what the build printed last (on the bar only: the full log
    /// is noise beside the diagnostics).
    pub fn log(&self, text: &str) {
        if let Some(bar) = &self.bar
            && let Some(last) = text.lines().rev().find(|line| !line.trim().is_empty())
        {
            bar.set_message(last.trim().to_owned());
        }
    }
}

impl Drop for Progress {
    /// Removes the bar, however the build ended, so that what follows
    /// starts on a clean line.
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
