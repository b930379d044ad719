//! [`QueryFuture`]: the future an async executor returns, in a heap block
//! each thread keeps for its next query.
//!
//! `Executor::Output` must be a type stable Rust can name, so the work of a
//! query (its state machine, holding the driver's own future of about
//! 1.1 KB) goes behind a pointer. As a `Box`, every query would allocate and
//! free about 1.3 KB, past glibc's per-thread cache (1,032 bytes): about
//! 800 instructions a query in its slower bins, a twentieth of what the
//! whole query costs the client. Here the block goes back to a short list
//! of the thread that drops it, and the next query on that thread takes it.

use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

/// The size and alignment of a kept block: room for the futures of every
/// executor (about 1.3 KB with the driver's; with the feature `tracing`, a
/// span more). A larger future goes in a `Box` of its own.
const BLOCK: Layout = match Layout::from_size_align(2048, 16) {
    Ok(layout) => layout,
    Err(_) => panic!("a valid layout"),
};

/// How many free blocks a thread keeps: as many queries as it has in
/// flight at once, or so; more go back to the allocator.
const KEPT: usize = 16;

/// A thread's free blocks, handed back to the allocator when it ends.
struct Kept(Vec<NonNull<u8>>);

impl Drop for Kept {
    fn drop(&mut self) {
        for block in self.0.drain(..) {
            // SAFETY: every kept block was allocated with `BLOCK` and is no
            // longer in use.
            unsafe { dealloc(block.as_ptr(), BLOCK) };
        }
    }
}

thread_local! {
    static KEPT_BLOCKS: RefCell<Kept> = const { RefCell::new(Kept(Vec::new())) };
}

/// A free block: one the thread kept, or a new one.
fn take_block() -> NonNull<u8> {
    let kept = KEPT_BLOCKS
        .try_with(|kept| kept.borrow_mut().0.pop())
        .ok()
        .flatten();
    if let Some(block) = kept {
        return block;
    }
    // SAFETY: `BLOCK` has a non-zero size.
    let block = unsafe { alloc(BLOCK) };
    NonNull::new(block).unwrap_or_else(|| handle_alloc_error(BLOCK))
}

/// Keeps `block` for the thread's next query, or frees it.
///
/// # Safety
///
/// `block` was allocated with `BLOCK` and nothing uses it any more.
unsafe fn give_block(block: NonNull<u8>) {
    let kept = KEPT_BLOCKS.try_with(|kept| {
        let mut kept = kept.borrow_mut();
        if kept.0.len() >= KEPT {
            return false;
        }
        if kept.0.capacity() == 0 {
            kept.0.reserve_exact(KEPT);
        }
        kept.0.push(block);
        true
    });
    if kept != Ok(true) {
        // SAFETY: the caller's word.
        unsafe { dealloc(block.as_ptr(), BLOCK) };
    }
}

/// The future of a query on an async executor (`fetch_all(&conn)` and the
/// others): `.await` it for the result.
#[must_use = "a future does nothing until it is awaited"]
pub struct QueryFuture<'e, T> {
    /// The query's own future, pinned where it is until dropped.
    future: NonNull<dyn Future<Output = T> + Send + 'e>,
    /// Whether it lives in a kept block (else in a `Box`).
    in_block: bool,
    /// Owns the future, for the drop check and auto traits.
    owns: PhantomData<Box<dyn Future<Output = T> + Send + 'e>>,
}

// SAFETY: the future it owns is `Send`.
unsafe impl<T> Send for QueryFuture<'_, T> {}

impl<'e, T> QueryFuture<'e, T> {
    pub(super) fn new<F: Future<Output = T> + Send + 'e>(future: F) -> Self {
        if size_of::<F>() > BLOCK.size() || align_of::<F>() > BLOCK.align() {
            let future: Box<dyn Future<Output = T> + Send + 'e> = Box::new(future);
            return Self {
                future: NonNull::from(Box::leak(future)),
                in_block: false,
                owns: PhantomData,
            };
        }
        let block = take_block().cast::<F>();
        // SAFETY: the block is free, and large and aligned enough for `F`.
        unsafe { block.as_ptr().write(future) };
        let future: NonNull<dyn Future<Output = T> + Send + 'e> = block;
        Self {
            future,
            in_block: true,
            owns: PhantomData,
        }
    }
}

impl<T> Future for QueryFuture<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: the future is valid until `self` is dropped and never moves
        // out of its block or box; `&mut self` is the only way to it.
        unsafe { Pin::new_unchecked(&mut *self.future.as_ptr()) }.poll(cx)
    }
}

impl<T> Drop for QueryFuture<'_, T> {
    fn drop(&mut self) {
        if !self.in_block {
            // SAFETY: it came from `Box::leak` in `new`, and is dropped once.
            drop(unsafe { Box::from_raw(self.future.as_ptr()) });
            return;
        }
        // SAFETY: the future was written in `new` and is dropped once, here;
        // then its block, allocated with `BLOCK`, is free.
        unsafe {
            std::ptr::drop_in_place(self.future.as_ptr());
            give_block(self.future.cast::<u8>());
        }
    }
}

impl<T> std::fmt::Debug for QueryFuture<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryFuture").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

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

    fn run<T>(mut future: QueryFuture<'_, T>) -> T {
        let waker = Arc::new(Noop).into();
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(value) = Pin::new(&mut future).poll(&mut cx) {
                return value;
            }
        }
    }

    #[test]
    fn a_block_is_kept_and_taken_again_and_every_future_dropped_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut addresses = Vec::new();
        for n in 0..3_u64 {
            let counted = Counted(Arc::clone(&drops));
            let big = [n; 100];
            let future = QueryFuture::new(async move {
                let _counted = counted;
                std::future::ready(()).await;
                big.iter().sum::<u64>()
            });
            assert!(future.in_block);
            addresses.push(future.future.cast::<u8>().as_ptr() as usize);
            assert_eq!(run(future), 100 * n);
        }
        assert_eq!(drops.load(Ordering::SeqCst), 3);
        assert!(addresses.iter().all(|&address| address == addresses[0]));
        // Dropped before it ran: its future is dropped all the same.
        let counted = Counted(Arc::clone(&drops));
        drop(QueryFuture::new(async move {
            let _counted = counted;
        }));
        assert_eq!(drops.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn a_future_larger_than_a_block_goes_in_a_box() {
        let big = [7_u8; 4096];
        let future =
            QueryFuture::new(async move { big.iter().map(|&b| u64::from(b)).sum::<u64>() });
        assert!(!future.in_block);
        assert_eq!(run(future), 7 * 4096);
    }
}
