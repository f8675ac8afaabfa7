//! Hands the heap memory glibc's malloc keeps after a burst back to the
//! system. glibc holds freed pages (request and upload bodies, builds'
//! output, program loads) in its arenas for reuse and returns only what
//! sits at the top of a heap: after ten thousand deploys that was over a
//! third of an idle node's resident memory (.ci/bench-many). The `fnlab`
//! binary allocates with mimalloc, which gives its pages back by itself;
//! SQLite still allocates from glibc, and so does every other program
//! built on this library unless it chooses another allocator.

use std::time::Duration;

/// How often freed heap memory is handed back.
const EVERY: Duration = Duration::from_secs(30);

/// Starts the background task that hands freed heap memory back to the
/// system every [`EVERY`] (a few milliseconds each time, on a blocking
/// thread).
pub fn spawn_trimmer() {
    tokio::spawn(async {
        let mut ticker = tokio::time::interval(EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let _ = tokio::task::spawn_blocking(trim).await;
        }
    });
}

/// Releases the free pages of every glibc arena.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn trim() {
    // SAFETY: malloc_trim takes no pointers; it walks glibc's own arenas
    // under their locks and madvises away the pages no allocation uses.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators give memory back by themselves.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
