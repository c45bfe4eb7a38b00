//! The hashing threads: a fixed set of plain OS threads, owned by one [`PasswordHasher`] and its
//! clones, that run every argon2 computation.
//!
//! Why not `tokio::task::spawn_blocking` and argon2's own allocation, as before: measured, 64
//! OWASP logins raised peak RSS from 31 MiB to 630–850 MiB, although at most two hashes ran at
//! once and the process never had more than 14 threads. `MALLOC_ARENA_MAX=2` did not help, so
//! it was not per-thread arenas alone but glibc keeping, and fragmenting around, the 19 MiB
//! block argon2 allocates and frees on every hash. Here the number of threads is fixed and each
//! thread allocates its argon2 memory block ([`Scratch`]) once and reuses it, so memory is
//! `threads × m_cost`, plus a one-off block while verifying a stored hash with a larger `m`.
//!
//! The threads start at the first job, not in [`PasswordHasher::new`], so a repository that
//! never hashes (and test suites that make hundreds of them) starts none. Dropping the last
//! clone closes the queue and joins them; jobs whose caller has gone are skipped, so the join
//! waits for at most the job each thread is running.
//!
//! [`PasswordHasher`]: super::PasswordHasher
//! [`PasswordHasher::new`]: super::PasswordHasher::new

use std::num::NonZeroUsize;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use argon2::Block;

/// A unit of work for a hashing thread; it sends its own reply.
pub(super) type Job = Box<dyn FnOnce(&mut Scratch) + Send>;

/// Why a job got no answer from the hashing threads.
#[derive(Debug, thiserror::Error)]
pub(super) enum PoolError {
    /// The operating system refused to start a hashing thread.
    #[error("could not start a password hashing thread")]
    Spawn(#[source] std::io::Error),
    /// The job panicked (the thread caught it and goes on with the next job).
    #[error("password hashing panicked")]
    Panicked,
    /// Every thread has ended; only a bug outside the jobs could cause it.
    #[error("password hashing threads stopped")]
    Stopped,
    /// argon2 needs more memory than could be allocated.
    #[error("not enough memory for password hashing")]
    OutOfMemory,
}

/// How the pool's threads are started.
#[derive(Clone, Copy, Debug)]
pub(super) struct PoolConfig {
    /// Number of threads.
    pub threads: NonZeroUsize,
    /// Added to each thread's nice value (Linux); 0 leaves it.
    pub niceness: u8,
    /// argon2 blocks each thread keeps between jobs (the configured `m_cost`, rounded).
    pub kept_blocks: usize,
}

/// One thread's argon2 memory, reused from job to job.
pub(super) struct Scratch {
    kept: Vec<Block>,
    kept_blocks: usize,
}

impl Scratch {
    /// Runs `f` with at least `blocks` argon2 blocks: the thread's own block when it is big
    /// enough, else a one-off allocation freed afterwards (a stored hash with a larger `m`;
    /// keeping it would pin up to 1 GiB per thread after one hostile import).
    pub(super) fn with_blocks<T>(
        &mut self,
        blocks: usize,
        f: impl FnOnce(&mut [Block]) -> T,
    ) -> Result<T, PoolError> {
        if blocks <= self.kept_blocks {
            if self.kept.len() < self.kept_blocks {
                self.kept = zeroed_blocks(self.kept_blocks)?;
            }
            return Ok(f(&mut self.kept[..blocks]));
        }
        let mut one_off = zeroed_blocks(blocks)?;
        Ok(f(&mut one_off))
    }
}

/// `len` zeroed blocks, or an error instead of aborting when the allocation fails.
fn zeroed_blocks(len: usize) -> Result<Vec<Block>, PoolError> {
    let mut blocks = Vec::new();
    blocks
        .try_reserve_exact(len)
        .map_err(|_| PoolError::OutOfMemory)?;
    blocks.resize(len, Block::default());
    Ok(blocks)
}

/// The queue and the threads behind it.
pub(super) struct Pool {
    config: PoolConfig,
    /// `None` until the first job starts the threads.
    running: Mutex<Option<Running>>,
}

struct Running {
    queue: Sender<Job>,
    threads: Vec<JoinHandle<()>>,
}

impl Pool {
    /// A pool that will start `config.threads` threads at its first job.
    pub(super) fn new(config: PoolConfig) -> Self {
        Self {
            config,
            running: Mutex::new(None),
        }
    }

    /// Queues `job` for the next free thread, starting the threads if need be.
    pub(super) fn submit(&self, job: Job) -> Result<(), PoolError> {
        // The lock guards only the start and the send, never a hash; a poisoned lock still
        // holds a consistent `Option`.
        let mut guard = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let running = match guard.take() {
            Some(running) => guard.insert(running),
            None => guard.insert(self.start()?),
        };
        running.queue.send(job).map_err(|_| PoolError::Stopped)
    }

    fn start(&self) -> Result<Running, PoolError> {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        let mut threads = Vec::with_capacity(self.config.threads.get());
        for index in 0..self.config.threads.get() {
            let jobs = Arc::clone(&jobs);
            let config = self.config;
            let spawned = std::thread::Builder::new()
                .name(format!("tenantry-hash-{index}"))
                .spawn(move || work(&jobs, config));
            match spawned {
                Ok(thread) => threads.push(thread),
                Err(e) => {
                    // Dropping `queue` ends the threads already started; join them.
                    drop(queue);
                    join_all(threads);
                    return Err(PoolError::Spawn(e));
                }
            }
        }
        Ok(Running { queue, threads })
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let running = self
            .running
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(Running { queue, threads }) = running {
            // Closing the queue makes each thread's `recv` fail once the queue is empty.
            drop(queue);
            join_all(threads);
        }
    }
}

fn join_all(threads: Vec<JoinHandle<()>>) {
    for thread in threads {
        // A thread never panics (jobs are caught), so there is nothing to report.
        let _ = thread.join();
    }
}

/// A hashing thread's life: take jobs until the queue closes.
fn work(jobs: &Mutex<Receiver<Job>>, config: PoolConfig) {
    lower_priority(config.niceness);
    let mut scratch = Scratch {
        kept: Vec::new(),
        kept_blocks: config.kept_blocks,
    };
    loop {
        let job = {
            let jobs = jobs.lock().unwrap_or_else(PoisonError::into_inner);
            jobs.recv()
        };
        let Ok(job) = job else {
            return;
        };
        // A panicking job drops its reply sender while unwinding, so its caller gets an error;
        // the thread and its memory carry on.
        let _ = catch_unwind(AssertUnwindSafe(|| job(&mut scratch)));
    }
}

/// Raises the calling thread's nice value by `niceness`, so argon2 yields the CPU to the async
/// runtime's threads. On Linux the nice value is per thread; elsewhere `setpriority` would
/// change the whole process, so it is left alone there.
#[cfg(target_os = "linux")]
fn lower_priority(niceness: u8) {
    use rustix::process::{getpriority_process, setpriority_process};
    if niceness == 0 {
        return;
    }
    let me = Some(rustix::thread::gettid());
    // Best effort: a failure (a sandbox refusing the call) only costs latency, never a hash.
    if let Ok(current) = getpriority_process(me) {
        let _ = setpriority_process(me, (current + i32::from(niceness)).min(19));
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority(_niceness: u8) {}
