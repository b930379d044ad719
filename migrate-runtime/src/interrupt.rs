//! Stopping a run from another thread (a signal handler's) without leaving
//! anything half done: see [`Interrupt`].

use std::sync::{Mutex, PoisonError};

/// A request to stop a run, made from another thread while the run's
/// thread waits for the server (give it to [`crate::Runner::interrupt`]).
///
/// [`Interrupt::interrupt`] marks the run as interrupted; when a
/// migration's statement is running on the server at that moment, it also
/// calls the `cancel` it is given, which should send the client's cancel
/// token (`client.cancel_token()`, taken before the run). The call happens
/// under the interrupt's lock, so the run cannot start another statement
/// meanwhile. The run then stops at the next step: the cancelled statement
/// fails, a transactional migration rolls back whole, a non-transactional
/// one is recorded as failed at the statement it reached, no further
/// migration starts, and the migration lock is released. The run returns
/// [`crate::Error::Interrupted`].
///
/// ```no_run
/// # static MIGRATIONS: migrate_runtime::Migrations = migrate_runtime::Migrations::new(&[], "{}");
/// use std::sync::Arc;
/// let mut client = migrate_runtime::connect("postgres://app@localhost/app")?;
/// let token = client.cancel_token();
/// let interrupt = Arc::new(migrate_runtime::Interrupt::new());
/// let handle = Arc::clone(&interrupt);
/// std::thread::spawn(move || {
///     // ... on SIGTERM:
///     handle.interrupt(|| {
///         let _ = token.cancel_query(postgres::NoTls);
///     });
/// });
/// MIGRATIONS.runner().interrupt(&interrupt).run(&mut client)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct Interrupt {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    requested: bool,
    /// A migration's statement is on its way to the server or running there.
    running: bool,
}

impl Interrupt {
    /// No interruption requested yet.
    pub const fn new() -> Self {
        Self {
            state: Mutex::new(State {
                requested: false,
                running: false,
            }),
        }
    }

    /// Asks the run to stop, calling `cancel` when a migration's statement
    /// is running. Returns false when an interruption was requested before
    /// (then `cancel` is not called).
    pub fn interrupt(&self, cancel: impl FnOnce()) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.requested {
            return false;
        }
        state.requested = true;
        if state.running {
            cancel();
        }
        true
    }

    /// Whether an interruption was requested.
    pub fn is_interrupted(&self) -> bool {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .requested
    }

    /// Marks a statement as running, unless an interruption was requested
    /// (then returns false and the statement must not be sent).
    pub(crate) fn begin(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.requested {
            return false;
        }
        state.running = true;
        true
    }

    /// The statement marked by [`Interrupt::begin`] came back.
    pub(crate) fn end(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .running = false;
    }
}
