//! Password hashing: argon2id PHC strings, run off the async threads, failing closed.
//!
//! [`PasswordHasher`] hashes with argon2id v0x13 and the configured parameters (OWASP's by
//! default: m = 19456 KiB, t = 2, p = 1), a 16-byte salt from the operating system, and an
//! optional [`Pepper`] (argon2's secret input, kept out of the database). It hashes the NFKC
//! form of the password ([`crate::password_policy::normalized`]).
//!
//! Every argon2 computation runs on the hasher's own threads (see [`HashingConfig::threads`]),
//! never on the async runtime's: a login storm queues for those threads instead of starving
//! other tasks. Each thread keeps one argon2 memory block (`memory_kib`) and reuses it, so the
//! hasher's memory is bounded by `threads × memory_kib` however many logins arrive at once.
//! The threads start at the first hash and end when the last clone of the hasher is dropped.
//!
//! The threads run at a lower CPU priority (nice + [`HashingConfig::thread_niceness`], 10 by
//! default, on Linux) so that the async runtime's threads, which serve every other request, get
//! the CPU first: in the `storm` bench (64 OWASP logins with `get_by_id` calls beside them, on a
//! 2-core machine shared with other builds) it gave the lookups a lower p99 than nice 0 (see
//! BENCHMARKS.md). Giving up a core instead (one thread fewer) would halve the hashing
//! throughput even on an idle machine; a nice value costs nothing when the runtime is idle. The
//! price: other CPU-bound work at normal priority on the same host also comes before logins.
//!
//! [`PasswordHasher::verify`] does the same work whatever it is given: with no stored hash, an
//! empty, corrupt or non-argon2 one, or a password over [`MAX_PASSWORD_BYTES`], it verifies
//! against a dummy hash with the current parameters and answers [`Verification::Mismatch`]. A
//! caller that verifies exactly once per login attempt, user or no user, therefore spends the
//! same time on every failure. [`PasswordHasher::hasher_runs`] counts the computations so tests
//! can check that.
//!
//! Stored hashes made by other argon2 implementations verify with their own parameters:
//! argon2id, argon2i and argon2d, versions 0x13 and 0x10 (a PHC string without `v=` is 0x10, as
//! in the reference implementation). Their parameters are bounded (m ≤ 1 GiB, t ≤ 64, p ≤ 64, or
//! the configured values if higher) so a hostile import cannot make one verify allocate
//! terabytes. Use [`parse_imported_hash`] to check such hashes on the way in.
//!
//! # Legacy hashes
//!
//! Hashes imported from other systems — argon2 (stored as `argon2$…`), Django's PBKDF2
//! (SHA-256, SHA-1), bcrypt and scrypt forms, modular-crypt bcrypt (`$2a$`/`$2b$`/`$2y$`) and
//! passlib's scrypt; see
//! [`parse_imported_hash`] for the formats and their bounds — verify on the same threads, as
//! one run, and always answer `needs_rehash`: the first successful login replaces them with
//! argon2id of the current parameters (with the pepper; they were made without it and verify
//! without it). They verify the password's bytes as typed, not its NFKC form, because the
//! other system hashed those.
//!
//! Timing: a legacy verify costs what its own work factor costs, not what argon2 does. A verify
//! that finishes sooner than an argon2 verify of the current parameters waits on its thread
//! until it has taken as long (the reference is a running average of this hasher's own argon2
//! verifies; before the first one, the legacy verify runs a dummy argon2 verify instead, which
//! sets it), so a cheap legacy hash is neither faster to attack online nor distinguishable from
//! a missing user. What remains (RELIABILITY.md, "Timing of legacy hashes"): a legacy verify
//! that costs *more* than argon2 — Django's PBKDF2 at 10^6 iterations costs several times
//! OWASP's argon2id — takes longer, so until its user logs in once, timing can tell that an
//! account exists and still holds such a hash. Padding every login up to the slowest legacy
//! hash would make every login that slow; hosts that mind can reset those passwords instead.
//!
//! The PBKDF2, bcrypt and scrypt verifiers are behind the `legacy-hashes` feature (off by
//! default; the `tenantry` CLI turns it on). Without it, [`parse_imported_hash`] refuses those
//! formats with [`Rule::HashFormatNotEnabled`] naming the format, and a login against one
//! already stored fails as a wrong password would, with a `tracing` warning. Imported argon2
//! hashes need no feature.

// The verifiers of PBKDF2, bcrypt and scrypt hashes (feature `legacy-hashes`); without it,
// `legacy_disabled` refuses them by name.
#[cfg(feature = "legacy-hashes")]
mod legacy;
#[cfg(not(feature = "legacy-hashes"))]
mod legacy_disabled;
#[cfg(not(feature = "legacy-hashes"))]
use legacy_disabled as legacy;
mod legacy_format;
mod pool;

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Params, Version};
use tenantry_entity::SecretHash;
use tokio::sync::oneshot;

use self::legacy::LegacyHash;
use self::pool::{Pool, PoolConfig, PoolError, Scratch};

use crate::password_policy::{MAX_PASSWORD_BYTES, Password, normalized};
pub use crate::validation::HashFormat;
use crate::validation::Rule;

/// Longer PHC strings are refused before parsing; real argon2 strings are under 200 bytes.
const MAX_PHC_LEN: usize = 512;

/// See the [module docs](self) for why the hashing threads yield to the runtime by default.
const DEFAULT_THREAD_NICENESS: u8 = 10;

/// Bounds on the parameters of a stored or imported hash, so a hostile hash cannot make one
/// verify allocate or spin without limit.
const MAX_STORED_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_STORED_ITERATIONS: u32 = 64;
const MAX_STORED_PARALLELISM: u32 = 64;

crate::redacted::redacted_secret! {
    /// A secret mixed into every hash (argon2's "secret" input), kept in the host's configuration
    /// rather than the database, so a leaked database alone cannot be cracked.
    ///
    /// Its `Debug` prints `[redacted]`, it does not serialize, and its memory is zeroed on drop.
    /// Changing the pepper makes every existing hash fail to verify.
    #[derive(Clone)]
    pub struct Pepper(Vec<u8>);
}

impl Pepper {
    /// Wraps the secret bytes; at least 16 random bytes are advisable, and
    /// [`PasswordHasher::new`] refuses an empty pepper.
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self(secret.into())
    }
}

/// argon2id parameters for new hashes, and the pepper.
#[derive(Clone, Debug)]
pub struct HashingConfig {
    /// Memory per hash, in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
    /// Optional secret mixed into every hash.
    pub pepper: Option<Pepper>,
    /// Threads that run argon2: how many hashes run at once, and how many argon2 memory
    /// blocks (`memory_kib` each) stay allocated. `None`: as many as the machine has cores.
    pub threads: Option<NonZeroUsize>,
    /// How much the hashing threads' nice value is raised (Linux only; 0 to 19), so the async
    /// runtime's threads get the CPU first when both want it. 0 leaves the priority alone.
    pub thread_niceness: u8,
}

impl HashingConfig {
    /// OWASP's recommended argon2id parameters: m = 19456 KiB (19 MiB), t = 2, p = 1, and no
    /// pepper. These are also the `argon2` crate's defaults.
    pub fn owasp() -> Self {
        Self {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
            parallelism: Params::DEFAULT_P_COST,
            pepper: None,
            threads: None,
            thread_niceness: DEFAULT_THREAD_NICENESS,
        }
    }

    /// The cheapest parameters argon2 allows (m = 8 KiB, t = 1, p = 1), so test suites that
    /// create many users stay fast.
    ///
    /// NEVER USE THIS IN PRODUCTION: HASHES MADE WITH IT CAN BE CRACKED AT BILLIONS OF GUESSES
    /// PER SECOND.
    pub fn insecure_fast_for_tests() -> Self {
        Self {
            memory_kib: Params::MIN_M_COST,
            iterations: Params::MIN_T_COST,
            parallelism: Params::MIN_P_COST,
            pepper: None,
            threads: None,
            thread_niceness: DEFAULT_THREAD_NICENESS,
        }
    }
}

impl Default for HashingConfig {
    /// [`HashingConfig::owasp`].
    fn default() -> Self {
        Self::owasp()
    }
}

/// The outcome of [`PasswordHasher::verify`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verification {
    /// The password matches the stored hash.
    Match {
        /// The stored hash uses another algorithm, version or parameters than the current
        /// configuration: the caller should store a fresh [`PasswordHasher::hash`] of the
        /// password now that it knows the password is right.
        needs_rehash: bool,
    },
    /// The password does not match, or there was no usable hash to match it against.
    Mismatch,
}

/// Why hashing failed. Its `Display` never contains a password, hash or pepper.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HashError {
    /// The [`HashingConfig`] has parameters argon2 refuses, or an empty pepper.
    #[error("invalid password hashing configuration")]
    InvalidConfig,
    /// The password is longer than [`MAX_PASSWORD_BYTES`]; it was not hashed.
    #[error("password longer than {MAX_PASSWORD_BYTES} bytes")]
    PasswordTooLong,
    /// argon2, the random number generator or the blocking task failed.
    #[error("password hashing failed")]
    Failed(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl HashError {
    fn failed(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Failed(Box::new(error))
    }
}

/// Hashes and verifies passwords. Cloning is cheap and clones share the hashing threads, the
/// dummy hash and the run counter.
#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<Inner>,
}

/// What the clones share. The jobs hold only [`Shared`], never this, so the pool is dropped
/// (and its threads joined) by a caller's thread, never by one of its own.
struct Inner {
    shared: Arc<Shared>,
    pool: Pool,
}

/// What a hashing job needs.
struct Shared {
    params: Params,
    pepper: Option<Pepper>,
    /// Verified against when there is no usable stored hash; see [`dummy_hash`].
    dummy: StoredHash,
    runs: AtomicU64,
    /// A running average of this hasher's argon2 verifies with the current parameters, in
    /// nanoseconds (0 until the first): what a legacy verify is padded up to.
    argon2_verify_nanos: AtomicU64,
}

/// A stored hash tenantry can verify.
enum Target {
    Argon2(Box<StoredHash>),
    Legacy(LegacyHash),
}

/// A stored hash that passed [`parse_argon2`].
struct StoredHash {
    phc: PasswordHash,
    algorithm: Algorithm,
    version: Version,
    params: Params,
    /// Made by this hasher, with its pepper; `false` for an argon2 hash imported from another
    /// system (stored as `argon2$…`, Django's form), which never had it.
    peppered: bool,
}

/// Upper bounds for the parameters of a stored hash.
#[derive(Clone, Copy)]
struct Limits {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

const IMPORT_LIMITS: Limits = Limits {
    memory_kib: MAX_STORED_MEMORY_KIB,
    iterations: MAX_STORED_ITERATIONS,
    parallelism: MAX_STORED_PARALLELISM,
};

impl PasswordHasher {
    /// A hasher for `config`.
    ///
    /// # Errors
    ///
    /// [`HashError::InvalidConfig`] if argon2 refuses the parameters (memory below 8 KiB per
    /// lane, zero iterations or lanes, …) or the pepper is empty; [`HashError::Failed`] if the
    /// operating system's random number generator fails.
    pub fn new(config: HashingConfig) -> Result<Self, HashError> {
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            None,
        )
        .map_err(|_| HashError::InvalidConfig)?;
        if config.pepper.as_ref().is_some_and(|p| p.0.is_empty()) {
            return Err(HashError::InvalidConfig);
        }
        let threads = config
            .threads
            .or_else(|| std::thread::available_parallelism().ok())
            .unwrap_or(NonZeroUsize::MIN);
        let pool = Pool::new(PoolConfig {
            threads,
            niceness: config.thread_niceness,
            kept_blocks: params.block_count(),
        });
        let shared = Shared {
            dummy: dummy_hash(&params)?,
            params,
            pepper: config.pepper,
            runs: AtomicU64::new(0),
            argon2_verify_nanos: AtomicU64::new(0),
        };
        // Fail now, not at the first login, if argon2 refuses the pepper.
        shared
            .argon2(
                Algorithm::Argon2id,
                Version::V0x13,
                shared.params.clone(),
                true,
            )
            .map_err(|_| HashError::InvalidConfig)?;
        Ok(Self {
            inner: Arc::new(Inner {
                shared: Arc::new(shared),
                pool,
            }),
        })
    }

    /// Hashes `password` (its NFKC form) into an argon2id PHC string with a fresh random salt.
    ///
    /// # Errors
    ///
    /// [`HashError::PasswordTooLong`] if the password is over
    /// [`MAX_PASSWORD_BYTES`] (nothing is hashed); [`HashError::Failed`] if argon2, the random
    /// number generator or the blocking task fails.
    pub async fn hash(&self, password: &Password) -> Result<SecretHash, HashError> {
        if password.expose().len() > MAX_PASSWORD_BYTES {
            return Err(HashError::PasswordTooLong);
        }
        let input = normalized(password);
        self.run(move |shared, scratch| shared.hash_new(input.expose().as_bytes(), scratch))
            .await?
    }

    /// Verifies `password` against `stored`, running argon2 exactly once whatever the input.
    ///
    /// With no stored hash, an unusable one (empty, corrupt, not argon2, parameters beyond the
    /// bounds in the [module docs](self)) or a password over [`MAX_PASSWORD_BYTES`], it verifies
    /// against a dummy hash with the current parameters and returns
    /// [`Verification::Mismatch`]. An over-long password is never normalized or hashed: the
    /// dummy run uses an empty input instead.
    ///
    /// # Errors
    ///
    /// [`HashError::Failed`] if argon2 or the blocking task fails; a wrong password is
    /// `Ok(Verification::Mismatch)`, not an error.
    pub async fn verify(
        &self,
        password: &Password,
        stored: Option<&SecretHash>,
    ) -> Result<Verification, HashError> {
        let too_long = password.expose().len() > MAX_PASSWORD_BYTES;
        let limits = self.stored_limits();
        let target = stored
            .filter(|_| !too_long)
            .and_then(|hash| parse_stored(hash.expose(), limits));
        let input = match &target {
            _ if too_long => Password::new(""),
            // What the other system hashed: the bytes as typed.
            Some(Target::Legacy(_)) => password.clone(),
            Some(Target::Argon2(target)) if !target.peppered => password.clone(),
            _ => normalized(password),
        };
        self.run(move |shared, scratch| {
            let pwd = input.expose().as_bytes();
            match target {
                None => {
                    // The outcome is irrelevant: this run only makes the failure cost the same.
                    let _ = shared.timed_matches(pwd, &shared.dummy, scratch);
                    Ok(Verification::Mismatch)
                }
                Some(Target::Argon2(target)) => {
                    if shared.timed_matches(pwd, &target, scratch)? {
                        Ok(Verification::Match {
                            needs_rehash: shared.needs_rehash(&target),
                        })
                    } else {
                        Ok(Verification::Mismatch)
                    }
                }
                Some(Target::Legacy(target)) => {
                    let started = Instant::now();
                    let matched = target.matches(pwd);
                    shared.pad_to_argon2(started, scratch);
                    Ok(if matched {
                        Verification::Match { needs_rehash: true }
                    } else {
                        Verification::Mismatch
                    })
                }
            }
        })
        .await?
    }

    /// How many argon2 computations (hashes and verifies, dummy ones included) this hasher and
    /// its clones have run.
    pub fn hasher_runs(&self) -> u64 {
        self.inner.shared.runs.load(Ordering::Relaxed)
    }

    /// The bounds for stored hashes: the fixed ones, raised to the configured parameters so a
    /// host configured above them can still verify its own hashes.
    fn stored_limits(&self) -> Limits {
        let params = &self.inner.shared.params;
        Limits {
            memory_kib: MAX_STORED_MEMORY_KIB.max(params.m_cost()),
            iterations: MAX_STORED_ITERATIONS.max(params.t_cost()),
            parallelism: MAX_STORED_PARALLELISM.max(params.p_cost()),
        }
    }

    /// Runs `job` on the next free hashing thread, counting it as one hasher run, and awaits
    /// its answer without blocking the runtime.
    async fn run<T, F>(&self, job: F) -> Result<T, HashError>
    where
        T: Send + 'static,
        F: FnOnce(&Shared, &mut Scratch) -> T + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let shared = Arc::clone(&self.inner.shared);
        self.inner
            .pool
            .submit(Box::new(move |scratch| {
                // The caller's future was dropped while queued: nobody wants the answer.
                if reply.is_closed() {
                    return;
                }
                shared.runs.fetch_add(1, Ordering::Relaxed);
                let _ = reply.send(job(&shared, scratch));
            }))
            .map_err(HashError::failed)?;
        // The reply is only ever dropped unsent when the job panicked.
        answer
            .await
            .map_err(|_| HashError::failed(PoolError::Panicked))
    }
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params = &self.inner.shared.params;
        f.debug_struct("PasswordHasher")
            .field("memory_kib", &params.m_cost())
            .field("iterations", &params.t_cost())
            .field("parallelism", &params.p_cost())
            .field("pepper", &self.inner.shared.pepper)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// An argon2 context with this hasher's pepper. New hashes use the configured algorithm,
    /// version and parameters; verifying uses the stored hash's.
    fn argon2(
        &self,
        algorithm: Algorithm,
        version: Version,
        params: Params,
        peppered: bool,
    ) -> Result<Argon2<'_>, argon2::Error> {
        match self.pepper.as_ref().filter(|_| peppered) {
            Some(pepper) => Argon2::new_with_secret(&pepper.0, algorithm, version, params),
            None => Ok(Argon2::new(algorithm, version, params)),
        }
    }

    /// Runs argon2 into `out` on the thread's reused memory (`argon2`'s own `hash_password`
    /// would allocate and free `m_cost` KiB on every call).
    #[allow(clippy::too_many_arguments)]
    fn compute(
        &self,
        algorithm: Algorithm,
        version: Version,
        params: &Params,
        peppered: bool,
        pwd: &[u8],
        salt: &[u8],
        out: &mut [u8],
        scratch: &mut Scratch,
    ) -> Result<(), HashError> {
        let context = self
            .argon2(algorithm, version, params.clone(), peppered)
            .map_err(HashError::failed)?;
        scratch
            .with_blocks(params.block_count(), |blocks| {
                context.hash_password_into_with_memory(pwd, salt, out, blocks)
            })
            .map_err(HashError::failed)?
            .map_err(HashError::failed)
    }

    /// A new argon2id PHC string of `pwd` with a fresh random salt.
    fn hash_new(&self, pwd: &[u8], scratch: &mut Scratch) -> Result<SecretHash, HashError> {
        let mut salt = [0u8; Salt::RECOMMENDED_LENGTH];
        getrandom::getrandom(&mut salt).map_err(HashError::failed)?;
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        let (algorithm, version) = (Algorithm::Argon2id, Version::V0x13);
        self.compute(
            algorithm,
            version,
            &self.params,
            true,
            pwd,
            &salt,
            &mut out,
            scratch,
        )?;
        let phc = PasswordHash {
            algorithm: algorithm.ident(),
            version: Some(version.into()),
            params: ParamsString::try_from(&self.params).map_err(HashError::failed)?,
            salt: Some(Salt::new(&salt).map_err(HashError::failed)?),
            hash: Some(Output::new(&out).map_err(HashError::failed)?),
        };
        Ok(SecretHash::new(phc.to_string()))
    }

    /// Whether `pwd` hashes to `stored`'s output with `stored`'s salt, algorithm, version and
    /// parameters, compared in constant time.
    fn matches(
        &self,
        pwd: &[u8],
        stored: &StoredHash,
        scratch: &mut Scratch,
    ) -> Result<bool, HashError> {
        // `parse_argon2` and `dummy_hash` guarantee both; without them there is nothing to
        // compare.
        let (Some(salt), Some(expected)) = (&stored.phc.salt, &stored.phc.hash) else {
            return Ok(false);
        };
        let mut buffer = [0u8; Output::MAX_LENGTH];
        let out = buffer
            .get_mut(..expected.len())
            .ok_or(HashError::failed(argon2::Error::OutputTooLong))?;
        self.compute(
            stored.algorithm,
            stored.version,
            &stored.params,
            stored.peppered,
            pwd,
            salt,
            out,
            scratch,
        )?;
        let computed = Output::new(out).map_err(HashError::failed)?;
        // `Output`'s equality is constant-time.
        Ok(computed == *expected)
    }

    /// [`Shared::matches`], keeping the running average of argon2 verifies with the current
    /// parameters (the dummy's are).
    fn timed_matches(
        &self,
        pwd: &[u8],
        stored: &StoredHash,
        scratch: &mut Scratch,
    ) -> Result<bool, HashError> {
        let started = Instant::now();
        let matched = self.matches(pwd, stored, scratch);
        if !self.needs_rehash(stored) {
            self.record_argon2_verify(started.elapsed());
        }
        matched
    }

    fn record_argon2_verify(&self, took: Duration) {
        let took = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        // An exponential average over about the last eight verifies; a lost race between two
        // threads only drops one sample.
        let average = self.argon2_verify_nanos.load(Ordering::Relaxed);
        let next = if average == 0 {
            took
        } else {
            average - average / 8 + took / 8
        };
        self.argon2_verify_nanos.store(next, Ordering::Relaxed);
    }

    /// Makes a legacy verify that began at `started` last at least as long as an argon2 verify
    /// of the current parameters: it sleeps the difference on this thread, which stays busy as
    /// it would have with argon2. With no argon2 verify measured yet, it runs a dummy one.
    fn pad_to_argon2(&self, started: Instant, scratch: &mut Scratch) {
        let average = self.argon2_verify_nanos.load(Ordering::Relaxed);
        if average == 0 {
            let _ = self.timed_matches(b"", &self.dummy, scratch);
            return;
        }
        let reference = Duration::from_nanos(average);
        if let Some(rest) = reference.checked_sub(started.elapsed()) {
            std::thread::sleep(rest);
        }
    }

    fn needs_rehash(&self, stored: &StoredHash) -> bool {
        let output_len = |p: &Params| p.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        !stored.peppered
            || stored.algorithm != Algorithm::Argon2id
            || stored.version != Version::V0x13
            || stored.params.m_cost() != self.params.m_cost()
            || stored.params.t_cost() != self.params.t_cost()
            || stored.params.p_cost() != self.params.p_cost()
            || output_len(&stored.params) != output_len(&self.params)
    }
}

/// A PHC string with the current parameters, a random salt and a random output.
///
/// Verifying against it costs exactly what verifying against a real hash does, and no password
/// matches it (that would take a 256-bit preimage). It is made without running argon2, so the
/// first failed login does not pay for it twice.
fn dummy_hash(params: &Params) -> Result<StoredHash, HashError> {
    let mut salt = [0u8; Salt::RECOMMENDED_LENGTH];
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    getrandom::getrandom(&mut salt).map_err(HashError::failed)?;
    getrandom::getrandom(&mut output).map_err(HashError::failed)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(HashError::failed)?,
        salt: Some(Salt::new(&salt).map_err(HashError::failed)?),
        hash: Some(Output::new(&output).map_err(HashError::failed)?),
    };
    Ok(StoredHash {
        // Carries the output length, as a parsed stored hash's parameters do.
        params: Params::try_from(&phc).map_err(HashError::failed)?,
        phc,
        algorithm: Algorithm::Argon2id,
        version: Version::V0x13,
        peppered: true,
    })
}

/// Parses a stored hash: argon2 within `limits`, or a legacy one within its bounds.
fn parse_stored(hash: &str, limits: Limits) -> Option<Target> {
    if let Some(imported) = hash
        .strip_prefix("argon2")
        .filter(|r| r.starts_with("$argon2"))
    {
        // Imported from another system: verified without the pepper, then rehashed.
        parse_argon2(imported, limits).map(|stored| {
            Target::Argon2(Box::new(StoredHash {
                peppered: false,
                ..stored
            }))
        })
    } else if hash.starts_with("$argon2") {
        parse_argon2(hash, limits).map(|stored| Target::Argon2(Box::new(stored)))
    } else {
        match LegacyHash::parse(hash, MAX_PHC_LEN) {
            Ok(legacy) => Some(Target::Legacy(legacy)),
            Err(Rule::HashFormatNotEnabled { format }) => {
                // Imported by a build with the verifiers; this one fails the login instead.
                tracing::warn!(
                    "a stored {format} hash cannot be verified: tenantry-service was built \
                     without its `legacy-hashes` feature"
                );
                None
            }
            Err(_) => None,
        }
    }
}

/// Parses a stored argon2 PHC string, or `None` if it is not one tenantry can verify: another
/// algorithm, an unknown version, parameters other than exactly `m`, `t` and `p`, parameters
/// beyond `limits`, a salt under 8 bytes, or no hash output.
fn parse_argon2(phc: &str, limits: Limits) -> Option<StoredHash> {
    if phc.len() > MAX_PHC_LEN {
        return None;
    }
    let mut hash = PasswordHash::new(phc).ok()?;
    let algorithm = Algorithm::new(hash.algorithm.as_str()).ok()?;
    // The reference implementation reads a missing version as 0x10; the argon2 crate would
    // read it as 0x13, so make it explicit before verifying.
    let version = match hash.version {
        None => Version::V0x10,
        Some(v) => Version::try_from(v).ok()?,
    };
    hash.version = Some(version.into());
    // Exactly m, t and p: a missing one would silently take the argon2 crate's default.
    let mut names: Vec<String> = hash
        .params
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    names.sort_unstable();
    if names != ["m", "p", "t"] {
        return None;
    }
    let params = Params::try_from(&hash).ok()?;
    if params.m_cost() > limits.memory_kib
        || params.t_cost() > limits.iterations
        || params.p_cost() > limits.parallelism
    {
        return None;
    }
    if hash.salt.as_ref()?.len() < argon2::MIN_SALT_LEN {
        return None;
    }
    hash.hash.as_ref()?;
    Some(StoredHash {
        phc: hash,
        algorithm,
        version,
        params,
        peppered: true,
    })
}

/// Checks a password hash imported from another system and returns it in the form tenantry
/// stores.
///
/// Accepted, each verified at login on the hashing threads and replaced by argon2id of the
/// current parameters at the user's first successful login (see the [module docs](self) for
/// the timing):
///
/// | format | example | bound |
/// |---|---|---|
/// | argon2id, argon2i, argon2d PHC (argon2-cffi, libsodium, the reference implementation, RustCrypto) | `$argon2id$v=19$m=19456,t=2,p=1$…` | m ≤ 1 GiB, t ≤ 64, p ≤ 64 |
/// | Django's `Argon2PasswordHasher` | `argon2$argon2id$v=19$…` | as above |
/// | Django's `PBKDF2PasswordHasher`, `PBKDF2SHA1PasswordHasher` | `pbkdf2_sha256$1000000$<salt>$<base64>` | ≤ 4 000 000 iterations |
/// | Django's `BCryptSHA256PasswordHasher`, `BCryptPasswordHasher` | `bcrypt_sha256$$2b$12$…`, `bcrypt$$2b$12$…` | cost ≤ 15 |
/// | bcrypt in modular crypt form (Devise, passlib, PHP, OpenBSD) | `$2b$12$…`, `$2a$`, `$2y$` | cost ≤ 15 |
/// | Django's `ScryptPasswordHasher` | `scrypt$16384$<salt>$8$5$<base64>` | 128·N·r ≤ 256 MiB, N·r·p ≤ 2^23, p ≤ 64 |
/// | passlib's `scrypt` | `$scrypt$ln=16,r=8,p=1$<salt>$<hash>` | as above |
///
/// Each must be exactly as the tool wrote it: no surrounding whitespace, canonical base64,
/// nothing after the hash. An argon2 hash is stored in Django's form, `argon2$<PHC>`, whatever
/// its origin: the mark of a hash made elsewhere, without tenantry's pepper, which verifies
/// without it (on the password as typed) and is rehashed at the first successful login; a PHC
/// string without `v=` is argon2 version 0x10 and is stored with an explicit `v=16`. The
/// others are stored as given. Not accepted: `$2x$` bcrypt (the variant
/// with the sign-extension bug), `$1$`/`$5$`/`$6$` crypt, unsalted digests (Django's
/// `unsalted_md5`, `sha1`), passlib's `$pbkdf2-sha256$`, Django's unusable `!…` marker.
///
/// ```
/// use tenantry_service::hashing::{parse_imported_hash, HashFormat};
/// use tenantry_service::validation::Rule;
///
/// let phc = "$argon2i$v=19$m=512,t=2,p=2$5VtWOO3cGWYQHEMaYGbsfQ$AcmqasQgW/wI6wAHAMk4aQ";
/// assert!(parse_imported_hash(phc).is_ok());
/// assert!(parse_imported_hash("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW").is_ok());
/// assert_eq!(
///     parse_imported_hash("$2b$31$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW").map(drop),
///     Err(Rule::HashOutOfBounds { format: HashFormat::Bcrypt })
/// );
/// assert_eq!(parse_imported_hash("md5$salt$hash").map(drop), Err(Rule::UnsupportedHash));
/// ```
///
/// # Errors
///
/// [`Rule::UnsupportedHash`] for a string in none of these formats (plain text, another
/// algorithm); [`Rule::MalformedHash`] naming the format a string claims by its prefix when it
/// is not a well-formed one (truncated, bad base64, whitespace, NUL bytes, over 512 bytes);
/// [`Rule::HashOutOfBounds`] naming the format when its work factor is beyond the bounds above;
/// [`Rule::HashFormatNotEnabled`] naming the format for a PBKDF2, bcrypt or scrypt hash when
/// the `legacy-hashes` feature is off. No error carries the hash.
pub fn parse_imported_hash(hash: &str) -> Result<SecretHash, Rule> {
    let argon2 = hash
        .strip_prefix("argon2")
        .filter(|rest| rest.starts_with("$argon2"))
        .or_else(|| hash.starts_with("$argon2").then_some(hash));
    let Some(phc) = argon2 else {
        return LegacyHash::parse(hash, MAX_PHC_LEN).map(|_| SecretHash::new(hash));
    };
    if let Some(stored) = parse_argon2(phc, IMPORT_LIMITS) {
        // Stored in Django's form, `argon2$…`: the mark of a hash made elsewhere, without the
        // pepper, verified as such and rehashed at the first successful login.
        return Ok(SecretHash::new(format!("argon2{}", stored.phc)));
    }
    let unbounded = Limits {
        memory_kib: u32::MAX,
        iterations: u32::MAX,
        parallelism: u32::MAX,
    };
    let format = HashFormat::Argon2;
    Err(if parse_argon2(phc, unbounded).is_some() {
        Rule::HashOutOfBounds { format }
    } else {
        Rule::MalformedHash { format }
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::HashSet;
    use std::sync::Barrier;
    use std::sync::atomic::AtomicUsize;
    use std::thread::ThreadId;

    use argon2::PasswordHasher as _;

    use super::*;

    /// A real argon2-cffi hash (argon2i, m=512, t=2, p=2, 16-byte output) of "s3kr3tp4ssw0rd",
    /// from its README.
    const CFFI_ARGON2I: &str =
        "$argon2i$v=19$m=512,t=2,p=2$5VtWOO3cGWYQHEMaYGbsfQ$AcmqasQgW/wI6wAHAMk4aQ";

    /// A real argon2-cffi hash with its default parameters of "correct horse battery staple",
    /// from its README.
    const CFFI_ARGON2ID: &str = "$argon2id$v=19$m=65536,t=3,p=4$MIIRqgvgQbgj220jfp0MPA$YfwJSVjtjSU0zzV/P3S9nnQ/USre2wvJMjfCIjrTQbg";

    /// PHP's documented `password_hash("rasmuslerdorf", PASSWORD_BCRYPT)` example.
    const PHP_BCRYPT: &str = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";

    /// passlib's documented scrypt example (of "password").
    const PASSLIB_SCRYPT: &str =
        "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E";

    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as STANDARD_B64;

    fn fast() -> PasswordHasher {
        PasswordHasher::new(HashingConfig::insecure_fast_for_tests())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn peppered(secret: &[u8]) -> PasswordHasher {
        PasswordHasher::new(HashingConfig {
            pepper: Some(Pepper::new(secret)),
            ..HashingConfig::insecure_fast_for_tests()
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn pw(s: &str) -> Password {
        Password::new(s)
    }

    fn with_threads(threads: usize) -> PasswordHasher {
        PasswordHasher::new(HashingConfig {
            threads: NonZeroUsize::new(threads),
            ..HashingConfig::insecure_fast_for_tests()
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Hashes a password on the hasher's threads and says which thread did it.
    async fn hash_on_thread(hasher: &PasswordHasher) -> ThreadId {
        hasher
            .run(|shared, scratch| {
                let hash = shared.hash_new(b"correct horse", scratch);
                hash.unwrap_or_else(|e| panic!("{e}"));
                std::thread::current().id()
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Counts, when a hashing thread ends, that its thread-locals were destroyed.
    struct ExitProbe(Arc<AtomicUsize>);

    impl Drop for ExitProbe {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    thread_local! {
        static PROBE: RefCell<Option<ExitProbe>> = const { RefCell::new(None) };
    }

    /// A PHC string made directly with the argon2 crate, as another system would.
    fn foreign_hash(algorithm: Algorithm, version: Version, m: u32, t: u32, p: u32) -> String {
        let params = Params::new(m, t, p, None).unwrap_or_else(|e| panic!("{e}"));
        Argon2::new(algorithm, version, params)
            .hash_password(b"correct horse")
            .unwrap_or_else(|e| panic!("{e}"))
            .to_string()
    }

    async fn verify(hasher: &PasswordHasher, password: &str, stored: &str) -> Verification {
        hasher
            .verify(&pw(password), Some(&SecretHash::new(stored)))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn hash_then_verify_roundtrip() {
        let hasher = fast();
        let hash = hasher
            .hash(&pw("correct horse"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(hash.expose().starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
        assert_eq!(
            verify(&hasher, "correct horse", hash.expose()).await,
            Verification::Match {
                needs_rehash: false
            }
        );
        assert_eq!(
            verify(&hasher, "correct horsE", hash.expose()).await,
            Verification::Mismatch
        );
        assert_eq!(
            verify(&hasher, "", hash.expose()).await,
            Verification::Mismatch
        );
        assert_eq!(hasher.hasher_runs(), 4);
    }

    #[tokio::test]
    async fn salts_are_random() {
        let hasher = fast();
        let a = hasher
            .hash(&pw("same"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let b = hasher
            .hash(&pw("same"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(a.expose(), b.expose());
    }

    #[tokio::test]
    async fn hashes_the_nfkc_form() {
        let hasher = fast();
        let hash = hasher
            .hash(&pw("ｐａｓｓ ｗｏｒｄ"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            verify(&hasher, "pass word", hash.expose()).await,
            Verification::Match { .. }
        ));
    }

    #[tokio::test]
    async fn unusable_stored_hashes_mismatch_after_exactly_one_run() {
        let hasher = fast();
        let real = hasher
            .hash(&pw("correct horse"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let truncated = &real.expose()[..real.expose().len() - 10];
        let cases = [
            "",
            " ",
            "\0",
            "correct horse",
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
            "pbkdf2_sha256$600000$salt$hash=",
            "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
            "$argon2id$",
            "$argon2id$v=19$m=8,t=1,p=1",
            "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ",
            truncated,
            "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=20$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=2000000000,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=8,t=1000,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=8,t=1,p=1,keyid=AAAA$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "argon2$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        ];
        for stored in cases {
            let before = hasher.hasher_runs();
            assert_eq!(
                verify(&hasher, "correct horse", stored).await,
                Verification::Mismatch,
                "stored {stored:?}"
            );
            assert_eq!(hasher.hasher_runs(), before + 1, "stored {stored:?}");
        }
        let huge = "$argon2id$".repeat(10_000);
        let before = hasher.hasher_runs();
        assert_eq!(verify(&hasher, "x", &huge).await, Verification::Mismatch);
        assert_eq!(hasher.hasher_runs(), before + 1);
    }

    #[tokio::test]
    async fn no_stored_hash_mismatches_after_exactly_one_run() {
        let hasher = fast();
        for _ in 0..3 {
            let before = hasher.hasher_runs();
            let outcome = hasher.verify(&pw("anything"), None).await;
            assert_eq!(outcome.ok(), Some(Verification::Mismatch));
            assert_eq!(hasher.hasher_runs(), before + 1);
        }
    }

    #[tokio::test]
    async fn over_long_password_is_refused_without_hashing_it() {
        let hasher = fast();
        let long = pw(&"x".repeat(MAX_PASSWORD_BYTES + 1));
        assert!(matches!(
            hasher.hash(&long).await,
            Err(HashError::PasswordTooLong)
        ));
        assert_eq!(hasher.hasher_runs(), 0);
        // Verify still costs one (dummy) run, and never matches, even the right hash.
        let real = hasher.hash(&pw(&"x".repeat(MAX_PASSWORD_BYTES))).await;
        let real = real.unwrap_or_else(|e| panic!("{e}"));
        let before = hasher.hasher_runs();
        let outcome = hasher.verify(&long, Some(&real)).await;
        assert_eq!(outcome.ok(), Some(Verification::Mismatch));
        assert_eq!(hasher.hasher_runs(), before + 1);
    }

    #[tokio::test]
    async fn needs_rehash_for_other_parameters() {
        let hasher = fast();
        let same = foreign_hash(Algorithm::Argon2id, Version::V0x13, 8, 1, 1);
        let cases = [
            (
                foreign_hash(Algorithm::Argon2id, Version::V0x13, 16, 1, 1),
                true,
            ),
            (
                foreign_hash(Algorithm::Argon2id, Version::V0x13, 8, 2, 1),
                true,
            ),
            (
                foreign_hash(Algorithm::Argon2id, Version::V0x13, 16, 1, 2),
                true,
            ),
            (
                foreign_hash(Algorithm::Argon2id, Version::V0x10, 8, 1, 1),
                true,
            ),
            (
                foreign_hash(Algorithm::Argon2i, Version::V0x13, 8, 1, 1),
                true,
            ),
            (
                foreign_hash(Algorithm::Argon2d, Version::V0x13, 8, 1, 1),
                true,
            ),
            (same, false),
        ];
        for (stored, needs_rehash) in cases {
            assert_eq!(
                verify(&hasher, "correct horse", &stored).await,
                Verification::Match { needs_rehash },
                "stored {stored}"
            );
            assert_eq!(
                verify(&hasher, "wrong horse", &stored).await,
                Verification::Mismatch,
                "stored {stored}"
            );
        }
    }

    #[tokio::test]
    async fn version_0x10_without_v_field_verifies() {
        let hasher = fast();
        let with_v = foreign_hash(Algorithm::Argon2i, Version::V0x10, 8, 1, 1);
        let without_v = with_v.replacen("$v=16", "", 1);
        assert_ne!(with_v, without_v);
        assert_eq!(
            verify(&hasher, "correct horse", &without_v).await,
            Verification::Match { needs_rehash: true }
        );
        let imported = parse_imported_hash(&without_v).unwrap_or_else(|r| panic!("{r}"));
        assert_eq!(imported.expose(), format!("argon2{with_v}"));
    }

    #[tokio::test]
    async fn argon2_cffi_hash_verifies() {
        let hasher = fast();
        let imported = parse_imported_hash(CFFI_ARGON2I).unwrap_or_else(|r| panic!("{r}"));
        assert_eq!(
            verify(&hasher, "s3kr3tp4ssw0rd", imported.expose()).await,
            Verification::Match { needs_rehash: true }
        );
        assert_eq!(
            verify(&hasher, "t0t411ywr0ng", imported.expose()).await,
            Verification::Mismatch
        );
        // argon2-cffi's current defaults (argon2id, m = 64 MiB, t = 3, p = 4).
        assert_eq!(
            verify(&hasher, "correct horse battery staple", CFFI_ARGON2ID).await,
            Verification::Match { needs_rehash: true }
        );
        assert_eq!(
            verify(&hasher, "Tr0ub4dor&3", CFFI_ARGON2ID).await,
            Verification::Mismatch
        );
    }

    #[tokio::test]
    async fn pepper_changes_the_outcome() {
        let plain = fast();
        let pepper_a = peppered(b"pepper number one");
        let pepper_b = peppered(b"pepper number two");
        let hash = pepper_a
            .hash(&pw("correct horse"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            verify(&pepper_a, "correct horse", hash.expose()).await,
            Verification::Match { .. }
        ));
        assert_eq!(
            verify(&plain, "correct horse", hash.expose()).await,
            Verification::Mismatch
        );
        assert_eq!(
            verify(&pepper_b, "correct horse", hash.expose()).await,
            Verification::Mismatch
        );
        let unpeppered = plain
            .hash(&pw("correct horse"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            verify(&pepper_a, "correct horse", unpeppered.expose()).await,
            Verification::Mismatch
        );
    }

    #[tokio::test]
    async fn owasp_defaults() {
        let config = HashingConfig::default();
        assert_eq!(
            (config.memory_kib, config.iterations, config.parallelism),
            (19456, 2, 1)
        );
        assert!(config.pepper.is_none());
        let hasher = PasswordHasher::new(config).unwrap_or_else(|e| panic!("{e}"));
        let hash = hasher
            .hash(&pw("correct horse"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(hash.expose().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(
            verify(&hasher, "correct horse", hash.expose()).await,
            Verification::Match {
                needs_rehash: false
            }
        );
        // A hash with the fast test parameters is upgraded on the next login.
        let weak = fast()
            .hash(&pw("correct horse"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            verify(&hasher, "correct horse", weak.expose()).await,
            Verification::Match { needs_rehash: true }
        );
    }

    #[test]
    fn insecure_fast_for_tests_is_argon2s_minimum() {
        let config = HashingConfig::insecure_fast_for_tests();
        assert_eq!(
            (config.memory_kib, config.iterations, config.parallelism),
            (8, 1, 1)
        );
    }

    #[test]
    fn invalid_configs_are_refused() {
        let base = HashingConfig::insecure_fast_for_tests;
        let cases = [
            HashingConfig {
                memory_kib: 7,
                ..base()
            },
            HashingConfig {
                memory_kib: 0,
                ..base()
            },
            HashingConfig {
                iterations: 0,
                ..base()
            },
            HashingConfig {
                parallelism: 0,
                ..base()
            },
            HashingConfig {
                memory_kib: 8,
                parallelism: 2,
                ..base()
            },
            HashingConfig {
                pepper: Some(Pepper::new(Vec::new())),
                ..base()
            },
        ];
        for config in cases {
            let shown = format!("{config:?}");
            assert!(
                matches!(PasswordHasher::new(config), Err(HashError::InvalidConfig)),
                "{shown}"
            );
        }
    }

    #[tokio::test]
    async fn concurrent_verifies_all_complete() {
        let hasher = fast();
        let hash = hasher
            .hash(&pw("correct horse"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let hasher = hasher.clone();
                let hash = hash.clone();
                tokio::spawn(async move {
                    let guess = if i % 2 == 0 { "correct horse" } else { "wrong" };
                    hasher.verify(&Password::new(guess), Some(&hash)).await
                })
            })
            .collect();
        let mut matches = 0;
        for task in tasks {
            let outcome = task.await.unwrap_or_else(|e| panic!("{e}"));
            if matches!(outcome, Ok(Verification::Match { .. })) {
                matches += 1;
            }
        }
        assert_eq!(matches, 16);
        assert_eq!(hasher.hasher_runs(), 33);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn hashes_run_on_at_most_the_configured_threads() {
        for threads in [1, 3] {
            let hasher = with_threads(threads);
            let tasks: Vec<_> = (0..48)
                .map(|_| {
                    let hasher = hasher.clone();
                    tokio::spawn(async move { hash_on_thread(&hasher).await })
                })
                .collect();
            let mut ids = HashSet::new();
            for task in tasks {
                ids.insert(task.await.unwrap_or_else(|e| panic!("{e}")));
            }
            assert!(!ids.is_empty() && ids.len() <= threads, "{ids:?}");
            assert!(!ids.contains(&std::thread::current().id()));
            assert_eq!(hasher.hasher_runs(), 48);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropping_the_last_clone_ends_the_threads() {
        let ended = Arc::new(AtomicUsize::new(0));
        for round in 0..20 {
            let hasher = with_threads(2);
            let clone = hasher.clone();
            // Each job waits for the other at the barrier, so both threads get one.
            let barrier = Arc::new(Barrier::new(2));
            let jobs: Vec<_> = (0..2)
                .map(|_| {
                    let (hasher, barrier, ended) =
                        (hasher.clone(), Arc::clone(&barrier), Arc::clone(&ended));
                    tokio::spawn(async move {
                        hasher
                            .run(move |_, _| {
                                PROBE.with(|p| *p.borrow_mut() = Some(ExitProbe(ended)));
                                barrier.wait();
                            })
                            .await
                    })
                })
                .collect();
            for job in jobs {
                let outcome = job.await.unwrap_or_else(|e| panic!("{e}"));
                outcome.unwrap_or_else(|e| panic!("{e}"));
            }
            assert_eq!(ended.load(Ordering::SeqCst), round * 2);
            drop(hasher);
            assert_eq!(ended.load(Ordering::SeqCst), round * 2, "a clone is left");
            drop(clone);
            // The drop joined both threads, so their thread-locals are gone.
            assert_eq!(ended.load(Ordering::SeqCst), (round + 1) * 2);
        }
    }

    #[tokio::test]
    async fn a_panic_is_an_error_and_the_thread_goes_on() {
        let hasher = with_threads(1);
        let thread = hash_on_thread(&hasher).await;
        let outcome = hasher.run(|_, _| -> u8 { panic!("argon2 blew up") }).await;
        let shown = outcome.map_err(|e| (matches!(e, HashError::Failed(_)), e.to_string()));
        assert_eq!(shown, Err((true, "password hashing failed".to_owned())));
        assert_eq!(hash_on_thread(&hasher).await, thread);
        let hash = hasher
            .hash(&pw("correct horse"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            verify(&hasher, "correct horse", hash.expose()).await,
            Verification::Match {
                needs_rehash: false
            }
        );
    }

    #[test]
    fn parse_imported_hash_table() {
        let argon2id = foreign_hash(Algorithm::Argon2id, Version::V0x13, 8, 1, 1);
        let argon2d = foreign_hash(Algorithm::Argon2d, Version::V0x13, 8, 1, 1);
        let django = format!("argon2{argon2id}");
        // An argon2 hash is stored in Django's form, `argon2$…`: made without the pepper.
        let marked = |phc: &str| format!("argon2{phc}");
        let accepted = [
            (CFFI_ARGON2I.to_owned(), marked(CFFI_ARGON2I)),
            (CFFI_ARGON2ID.to_owned(), marked(CFFI_ARGON2ID)),
            (argon2id.clone(), marked(&argon2id)),
            (argon2d.clone(), marked(&argon2d)),
            (django.clone(), marked(&argon2id)),
            (PASSLIB_SCRYPT.to_owned(), PASSLIB_SCRYPT.to_owned()),
            (PHP_BCRYPT.to_owned(), PHP_BCRYPT.to_owned()),
        ];
        for (input, stored) in accepted {
            assert_eq!(
                parse_imported_hash(&input).map(|h| h.expose().to_owned()),
                Ok(stored),
                "input {input:?}"
            );
        }
        let unsupported = [
            "",
            " ",
            "\0",
            "hunter2",
            "'; DROP TABLE users;--",
            "%_%",
            "$pbkdf2-sha256$29000$N2GMUQrBWIsRwjjH2DvHeA$zzokz9hwVB5E2qQ6tdJx.ORsr5q0w9BBvrhN9fbuZb4",
            "$2x$10$abcdefghijklmnopqrstuuMZ0tGMmyvXoQSr3oLrBNbT3s3qHvCUu",
            "$1$salt$hash",
            "md5$salt$5f4dcc3b5aa765d61d8327deb882cf99",
            "!unusablePasswordMarker",
            "argon2",
            "argon2$bcrypt$foo",
            " $argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            " $2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
            "PBKDF2_SHA256$1000$salt$aGFzaA==",
        ];
        for input in unsupported {
            assert_eq!(
                parse_imported_hash(input).map(drop),
                Err(Rule::UnsupportedHash),
                "input {input:?}"
            );
        }
        let malformed_argon2 = [
            "$argon2id",
            "$argon2id$v=19$m=8,t=1,p=1",
            "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ",
            "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=18$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=8,t=1,p=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=8,t=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=8,t=1,p=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=8,t=1,p=1,data=AAAA$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA$extra",
            "$argon2id$v=19$m=8,t=1,p=1$c2Fsd HNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA\n",
            "$argon2ix$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        ];
        let out_of_bounds_argon2 = [
            "$argon2id$v=19$m=2097152,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=8,t=65,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=1024,t=1,p=65$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        ];
        let format = HashFormat::Argon2;
        for input in malformed_argon2 {
            assert_eq!(
                parse_imported_hash(input).map(drop),
                Err(Rule::MalformedHash { format }),
                "input {input:?}"
            );
        }
        for input in out_of_bounds_argon2 {
            assert_eq!(
                parse_imported_hash(input).map(drop),
                Err(Rule::HashOutOfBounds { format }),
                "input {input:?}"
            );
        }
        let huge = format!("{argon2id}{}", "A".repeat(10_000));
        assert_eq!(
            parse_imported_hash(&huge).map(drop),
            Err(Rule::MalformedHash { format })
        );
    }

    #[test]
    fn legacy_hashes_refused_by_format() {
        use HashFormat::*;
        let salt = "c2FsdHNhbHRzYWx0";
        let h32 = STANDARD_B64.encode([7u8; 32]);
        let h20 = STANDARD_B64.encode([7u8; 20]);
        let h64 = STANDARD_B64.encode([7u8; 64]);
        let bc = &PHP_BCRYPT[7..];
        let cases: Vec<(String, Rule)> = vec![
            // Malformed, named by the format they claim.
            (
                format!("pbkdf2_sha256$1000${salt}${h20}"),
                malformed(DjangoPbkdf2Sha256),
            ),
            (
                format!("pbkdf2_sha1$1000${salt}${h32}"),
                malformed(DjangoPbkdf2Sha1),
            ),
            (
                format!("pbkdf2_sha256$01000${salt}${h32}"),
                malformed(DjangoPbkdf2Sha256),
            ),
            (
                format!("pbkdf2_sha256$-1${salt}${h32}"),
                malformed(DjangoPbkdf2Sha256),
            ),
            (
                format!("pbkdf2_sha256$1000$${h32}"),
                malformed(DjangoPbkdf2Sha256),
            ),
            (
                format!("pbkdf2_sha256$1000${salt}${h32}$"),
                malformed(DjangoPbkdf2Sha256),
            ),
            (
                format!("pbkdf2_sha256$1000${salt}${h32} "),
                malformed(DjangoPbkdf2Sha256),
            ),
            (
                format!("pbkdf2_sha256$1000${salt}\0${h32}"),
                malformed(DjangoPbkdf2Sha256),
            ),
            (
                format!("pbkdf2_sha256$1000${salt}$!!{}", &h32[2..]),
                malformed(DjangoPbkdf2Sha256),
            ),
            (
                format!("pbkdf2_sha256$1000${salt}"),
                malformed(DjangoPbkdf2Sha256),
            ),
            (
                format!("pbkdf2_sha256$1000${}", "s".repeat(600)),
                malformed(DjangoPbkdf2Sha256),
            ),
            (format!("$2b$12${}", &bc[..40]), malformed(Bcrypt)),
            (format!("$2b$12${bc}\n"), malformed(Bcrypt)),
            (format!("$2b$1${bc}x"), malformed(Bcrypt)),
            (format!("$2b$03${bc}"), malformed(Bcrypt)),
            (format!("$2b$12${}X", &bc[..52]), malformed(Bcrypt)),
            (
                format!("bcrypt_sha256$$2x$12${bc}"),
                malformed(DjangoBcryptSha256),
            ),
            (format!("bcrypt_sha256${bc}"), malformed(DjangoBcryptSha256)),
            (format!("bcrypt$$2b$12${bc}$"), malformed(DjangoBcrypt)),
            (
                format!("scrypt$16385${salt}$8$1${h64}"),
                malformed(DjangoScrypt),
            ),
            (
                format!("scrypt$16384${salt}$8$1${h32}"),
                malformed(DjangoScrypt),
            ),
            (
                format!("scrypt$16384${salt}$0$1${h64}"),
                malformed(DjangoScrypt),
            ),
            (
                format!("scrypt$16384${salt}$8${h64}"),
                malformed(DjangoScrypt),
            ),
            (
                "$scrypt$ln=16,r=8$c2FsdA$aGFzaA".to_owned(),
                malformed(PasslibScrypt),
            ),
            (
                "$scrypt$ln=16,r=8,p=1,x=1$c2FsdA$aGFzaA".to_owned(),
                malformed(PasslibScrypt),
            ),
            (
                PASSLIB_SCRYPT.replace("ln=16", "ln=0"),
                malformed(PasslibScrypt),
            ),
            (
                PASSLIB_SCRYPT.replace("aM15713r", "aM15713r="),
                malformed(PasslibScrypt),
            ),
            (format!("{PASSLIB_SCRYPT} "), malformed(PasslibScrypt)),
            // Out of bounds.
            (
                format!("pbkdf2_sha256$4000001${salt}${h32}"),
                out(DjangoPbkdf2Sha256),
            ),
            (
                format!("pbkdf2_sha256$9223372036854775808${salt}${h32}"),
                out(DjangoPbkdf2Sha256),
            ),
            (
                format!("pbkdf2_sha1${}${salt}${h20}", "9".repeat(40)),
                out(DjangoPbkdf2Sha1),
            ),
            (format!("$2b$16${bc}"), out(Bcrypt)),
            (format!("$2y$31${bc}"), out(Bcrypt)),
            (
                format!("bcrypt_sha256$$2b$31${bc}"),
                out(DjangoBcryptSha256),
            ),
            (format!("bcrypt$$2a$20${bc}"), out(DjangoBcrypt)),
            (
                format!("scrypt$4194304${salt}$8$1${h64}"),
                out(DjangoScrypt),
            ),
            (format!("scrypt$16384${salt}$8$65${h64}"), out(DjangoScrypt)),
            (
                format!("scrypt$16384${salt}$8$4294967296${h64}"),
                out(DjangoScrypt),
            ),
            (PASSLIB_SCRYPT.replace("ln=16", "ln=60"), out(PasslibScrypt)),
            (
                PASSLIB_SCRYPT.replace("ln=16", "ln=300"),
                out(PasslibScrypt),
            ),
            (PASSLIB_SCRYPT.replace("r=8", "r=1024"), out(PasslibScrypt)),
        ];
        for (input, rule) in &cases {
            let refused = parse_imported_hash(input).map(drop);
            assert_eq!(refused, Err(*rule), "input {input:?}");
            // The error names the format, never the hash.
            assert!(!rule.to_string().contains('$'), "{rule}");
        }
        // Within the bounds, the same shapes are accepted.
        for input in [
            format!("pbkdf2_sha256$4000000${salt}${h32}"),
            format!("pbkdf2_sha1$1${salt}${h20}"),
            format!("$2a$15${bc}"),
            format!("scrypt$16384${salt}$8$5${h64}"),
        ] {
            assert!(parse_imported_hash(&input).is_ok(), "input {input:?}");
        }
    }

    fn malformed(format: HashFormat) -> Rule {
        Rule::MalformedHash { format }
    }

    fn out(format: HashFormat) -> Rule {
        Rule::HashOutOfBounds { format }
    }

    /// A legacy hash with almost no work (PBKDF2, one iteration) still takes as long as an
    /// argon2 verify of the configured parameters, right password or wrong, and counts as one
    /// run.
    #[tokio::test]
    async fn cheap_legacy_verifies_are_padded_to_argon2() {
        // Costly enough that an unpadded 1-iteration PBKDF2 (microseconds) cannot pass.
        let hasher = PasswordHasher::new(HashingConfig {
            memory_kib: 8192,
            iterations: 2,
            threads: NonZeroUsize::new(1),
            ..HashingConfig::owasp()
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let mut out = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<pbkdf2::sha2::Sha256>(b"right password", b"salt", 1, &mut out);
        let stored = format!("pbkdf2_sha256$1$salt${}", STANDARD_B64.encode(out));
        let mut argon2_fastest = Duration::MAX;
        for round in 0..6 {
            let started = Instant::now();
            let _ = hasher.verify(&pw("anything"), None).await;
            argon2_fastest = argon2_fastest.min(started.elapsed());
            for (password, expected) in [
                ("right password", Verification::Match { needs_rehash: true }),
                ("wrong password", Verification::Mismatch),
            ] {
                let before = hasher.hasher_runs();
                let started = Instant::now();
                assert_eq!(verify(&hasher, password, &stored).await, expected);
                let took = started.elapsed();
                assert_eq!(hasher.hasher_runs(), before + 1);
                if round > 0 {
                    assert!(
                        took * 10 >= argon2_fastest * 7,
                        "legacy {took:?}, argon2 {argon2_fastest:?}"
                    );
                }
            }
        }
    }

    /// The first legacy verify, before any argon2 verify was measured, runs a dummy argon2
    /// one instead of sleeping; it still answers right.
    #[tokio::test]
    async fn a_legacy_verify_before_any_argon2_one_still_answers() {
        let hasher = fast();
        assert_eq!(
            verify(&hasher, "rasmuslerdorf", PHP_BCRYPT).await,
            Verification::Match { needs_rehash: true }
        );
        assert_eq!(hasher.hasher_runs(), 1);
        assert_eq!(
            verify(&hasher, "rasmuslerdorF", PHP_BCRYPT).await,
            Verification::Mismatch
        );
    }

    /// Legacy hashes verify without the pepper (the other system never had it).
    #[tokio::test]
    async fn legacy_hashes_verify_without_the_pepper() {
        let hasher = peppered(b"a pepper of sixteen bytes or more");
        assert_eq!(
            verify(&hasher, "rasmuslerdorf", PHP_BCRYPT).await,
            Verification::Match { needs_rehash: true }
        );
    }

    /// An imported argon2 hash verifies without the pepper too, and is rehashed; the same PHC
    /// string unmarked is one of tenantry's own and needs the pepper (before the fix every
    /// imported argon2 hash failed under a pepper).
    #[tokio::test]
    async fn imported_argon2_hashes_verify_without_the_pepper() {
        let hasher = peppered(b"a pepper of sixteen bytes or more");
        let imported = parse_imported_hash(CFFI_ARGON2I).unwrap_or_else(|r| panic!("{r}"));
        assert_eq!(
            verify(&hasher, "s3kr3tp4ssw0rd", imported.expose()).await,
            Verification::Match { needs_rehash: true }
        );
        assert_eq!(
            verify(&hasher, "wrong", imported.expose()).await,
            Verification::Mismatch
        );
        assert_eq!(
            verify(&hasher, "s3kr3tp4ssw0rd", CFFI_ARGON2I).await,
            Verification::Mismatch
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let config = HashingConfig {
            pepper: Some(Pepper::new(b"super secret pepper".to_vec())),
            ..HashingConfig::owasp()
        };
        let shown = format!("{config:?}");
        assert!(shown.contains("[redacted]"), "{shown}");
        assert!(!shown.contains("super secret"), "{shown}");
        let hasher = PasswordHasher::new(config).unwrap_or_else(|e| panic!("{e}"));
        let shown = format!("{hasher:?}");
        assert!(!shown.contains("super secret"), "{shown}");
        assert!(!shown.contains("argon2id$"), "{shown}");
    }

    #[test]
    fn errors_say_nothing_secret() {
        let errors = [
            HashError::InvalidConfig,
            HashError::PasswordTooLong,
            HashError::failed(argon2::Error::MemoryTooLittle),
        ];
        for error in errors {
            let shown = error.to_string();
            assert!(!shown.is_empty());
            assert!(!shown.contains('$'), "{shown}");
        }
        assert_eq!(
            HashError::failed(argon2::Error::MemoryTooLittle).to_string(),
            "password hashing failed"
        );
    }
}
