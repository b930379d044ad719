//! [`QueryFuture`]: the future an async executor returns.
//!
//! `Executor::Output` must be a type stable Rust can name, so the work of a
//! query (its state machine, holding the driver's own future of about
//! 1.1 KB) cannot be returned as it is. As a `Box`, every query would
//! allocate and free about 1.3 KB, past glibc's per-thread cache (1,032
//! bytes): about 800 instructions a query in its slower bins. `stackfuture`
//! keeps it inline instead, in a buffer of [`INLINE_BYTES`] that lives where
//! the caller keeps the future (its own `async` state, or its stack); a
//! larger future still goes in a `Box`.

use std::future::Future;

use stackfuture::StackFuture;

/// Room for the futures of every executor: about 1.3 KB with the driver's,
/// a span more with the feature `tracing`.
pub const INLINE_BYTES: usize = 2048;

/// The future of a query on an async executor (`fetch_all(&conn)` and the
/// others): `.await` it for the result.
pub type QueryFuture<'e, T> = StackFuture<'e, T, INLINE_BYTES>;

/// `future` as a [`QueryFuture`]: inline when it fits, else boxed.
pub(super) fn query_future<'e, T, F>(future: F) -> QueryFuture<'e, T>
where
    F: Future<Output = T> + Send + 'e,
{
    StackFuture::from_or_box(future)
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll, Wake};

    use super::*;

    struct Noop;

    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    /// Counts its drops.
    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn run<T>(future: QueryFuture<'_, T>) -> T {
        let waker = Arc::new(Noop).into();
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
                return value;
            }
        }
    }

    #[test]
    fn every_future_runs_and_is_dropped_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        for n in 0..3_u64 {
            let counted = Counted(Arc::clone(&drops));
            let big = [n; 100];
            let future = query_future(async move {
                let _counted = counted;
                std::future::ready(()).await;
                big.iter().sum::<u64>()
            });
            assert_eq!(run(future), 100 * n);
        }
        assert_eq!(drops.load(Ordering::SeqCst), 3);
        // Dropped before it ran: its future is dropped all the same.
        let counted = Counted(Arc::clone(&drops));
        drop(query_future(async move {
            let _counted = counted;
        }));
        assert_eq!(drops.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn a_future_larger_than_the_buffer_still_runs() {
        let big = [7_u8; 4 * INLINE_BYTES];
        let future = query_future(async move { big.iter().map(|&b| u64::from(b)).sum::<u64>() });
        assert_eq!(run(future), 7 * 4 * INLINE_BYTES as u64);
    }
}
