//! Login password hashing: argon2id with OWASP's parameters, off the async threads, at most
//! one hash per core at a time, plaintext zeroized after use.
//!
//! Hashes run on a few threads of their own rather than tokio's blocking pool, so the memory
//! hashing can hold is bounded: one thread per core, 19 MiB each while a burst lasts. A thread
//! keeps its working memory from one hash to the next only while hashes keep coming, and hands
//! it back to the system once none comes for a moment: an idle instance holds none (several
//! instances sharing a machine would otherwise each keep cores × 19 MiB for nothing).

use argon2::password_hash::{rand_core::OsRng, PasswordHash as Phc, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use subtle::ConstantTimeEq;
use tokio::sync::{OnceCell, Semaphore};
use zeroize::Zeroizing;

pub use crate::backend::store::columns::PasswordHash;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("argon2: {0}")]
    Argon2(String),
    #[error("hashing task failed: {0}")]
    Task(String),
}

/// A random password from the OS CSPRNG (62 symbols, ~5.95 bits each).
pub fn random_password(len: usize) -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::rngs::OsRng, len)
}

/// Work for the hashing threads.
type Job = Box<dyn FnOnce() + Send>;

pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Working memory the threads hold, and how many times they took it afresh.
    scratch: Arc<ScratchCount>,
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
    /// Verifications run so far: tests count work with it, never time.
    verifications: AtomicU64,
    /// Verified against when the user does not exist, so both cases cost one argon2 run.
    dummy: OnceCell<PasswordHash>,
}

/// OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl PasswordHasher {
    pub fn new(parallelism: usize) -> Self {
        let threads = parallelism.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        let scratch: Arc<ScratchCount> = Arc::default();
        for n in 0..threads {
            let (queue, count) = (queue.clone(), scratch.clone());
            // The threads end when the hasher (the sender) is dropped.
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || loop {
                    match next_job(&queue, &count) {
                        Next::Job(job) => job(),
                        Next::Idle => release_held(&count),
                        Next::Stop => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("cannot start a hashing thread: {e}");
            }
        }
        Self {
            permits: Arc::new(Semaphore::new(threads)),
            scratch,
            jobs: std::sync::Mutex::new(jobs),
            verifications: AtomicU64::new(0),
            dummy: OnceCell::new(),
        }
    }

    pub async fn hash(&self, password: Zeroizing<String>) -> Result<PasswordHash, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError::Task(e.to_string()))?;
        self.run(move || hash_now(&password)).await?
    }

    /// Bytes of argon2 working memory the hashing threads hold now (none when idle).
    pub fn working_memory(&self) -> usize {
        self.scratch.held.load(Ordering::Relaxed)
    }

    /// How many times a hashing thread took its working memory afresh.
    pub fn working_memory_taken(&self) -> u64 {
        self.scratch.taken.load(Ordering::Relaxed)
    }

    /// How many argon2 verifications this hasher has run.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// One argon2 verification, whether or not `hash` exists.
    pub async fn verify(
        &self,
        password: Zeroizing<String>,
        hash: Option<PasswordHash>,
    ) -> Result<bool, HashError> {
        let exists = hash.is_some();
        let hash = match hash {
            Some(h) => h,
            None => self.dummy_hash().await?,
        };
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError::Task(e.to_string()))?;
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let matched = self.run(move || verify_now(&password, &hash)).await??;
        Ok(matched && exists)
    }

    /// Runs `work` on a hashing thread and waits for it without blocking the async threads.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (done, result) = tokio::sync::oneshot::channel();
        let count = self.scratch.clone();
        let job: Job = Box::new(move || {
            let before = scratch_bytes();
            let out = work();
            let after = scratch_bytes();
            if after > before {
                count.taken.fetch_add(1, Ordering::Relaxed);
                count.held.fetch_add(after - before, Ordering::Relaxed);
            }
            let _ = done.send(out);
        });
        self.jobs
            .lock()
            .map_err(|_| HashError::Task("the hashing queue is poisoned".into()))?
            .send(job)
            .map_err(|_| HashError::Task("the hashing threads have stopped".into()))?;
        result
            .await
            .map_err(|_| HashError::Task("a hashing thread stopped mid-way".into()))
    }

    async fn dummy_hash(&self) -> Result<PasswordHash, HashError> {
        self.dummy
            .get_or_try_init(|| async {
                let random = Zeroizing::new(random_password(24));
                self.hash(random).await
            })
            .await
            .cloned()
    }
}

#[derive(Default)]
struct ScratchCount {
    held: AtomicUsize,
    taken: AtomicU64,
}

thread_local! {
    /// argon2's working memory, kept by the thread between hashes while a burst lasts
    /// (allocating it afresh costs 5 ms on a 13 ms hash, measured).
    static SCRATCH: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// At least this many 1 KiB blocks are reserved for the working memory, though argon2 uses
/// 19 MiB of them: glibc serves an allocation this large (past 32 MiB, the most its dynamic
/// mmap threshold can rise to, mallopt(3)) with mmap of its own and unmaps it when freed, while
/// a 19 MiB one freed after the first stays in the heap. Measured: 20 hashes with a fresh
/// 19 MiB buffer each left 157 MB resident, with this 2 MB. Pages never touched cost nothing.
const UNMAPPED_ON_FREE_BLOCKS: usize = 32 * 1024 + 1;

/// Runs `f` over this thread's scratch memory of `blocks` blocks, wiped afterwards.
fn with_scratch<T>(blocks: usize, f: impl FnOnce(&mut [argon2::Block]) -> T) -> T {
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        if scratch.len() < blocks {
            *scratch = Vec::with_capacity(blocks.max(UNMAPPED_ON_FREE_BLOCKS));
            scratch.resize(blocks, argon2::Block::default());
        }
        let out = f(&mut scratch[..blocks]);
        scratch[..blocks].fill(argon2::Block::default());
        out
    })
}

/// Hands this thread's working memory back to the system (it was wiped after its last use).
fn release_held(count: &ScratchCount) {
    let freed = SCRATCH.with(|scratch| std::mem::take(&mut *scratch.borrow_mut()));
    count
        .held
        .fetch_sub(freed.len() * argon2::Block::SIZE, Ordering::Relaxed);
}

/// How long a hashing thread with nothing to do keeps its working memory for the next hash.
const KEPT_WHILE_IDLE: std::time::Duration = std::time::Duration::from_millis(100);

enum Next {
    Job(Job),
    /// Nothing came while the thread kept its working memory: hand it back.
    Idle,
    /// The hasher is gone.
    Stop,
}

/// The next job for a hashing thread. One thread at a time waits on the queue; a thread that
/// must wait behind it for the queue, or waits on it for a while with nothing coming, is idle
/// and should not keep 19 MiB meanwhile.
fn next_job(
    queue: &std::sync::Mutex<std::sync::mpsc::Receiver<Job>>,
    count: &ScratchCount,
) -> Next {
    use std::sync::mpsc::RecvTimeoutError;
    let queue = match queue.try_lock() {
        Ok(q) => q,
        Err(std::sync::TryLockError::WouldBlock) => {
            release_held(count);
            match queue.lock() {
                Ok(q) => q,
                Err(_) => return Next::Stop,
            }
        }
        Err(std::sync::TryLockError::Poisoned(_)) => return Next::Stop,
    };
    if scratch_bytes() == 0 {
        return queue.recv().map_or(Next::Stop, Next::Job);
    }
    match queue.recv_timeout(KEPT_WHILE_IDLE) {
        Ok(job) => Next::Job(job),
        Err(RecvTimeoutError::Timeout) => Next::Idle,
        Err(RecvTimeoutError::Disconnected) => Next::Stop,
    }
}

/// Bytes of working memory this thread holds.
fn scratch_bytes() -> usize {
    SCRATCH.with(|scratch| scratch.borrow().len() * argon2::Block::SIZE)
}

fn argon2_error(e: impl std::fmt::Display) -> HashError {
    HashError::Argon2(e.to_string())
}

/// The raw argon2 output of `password` under `argon2` and `salt` (bytes), into `out`.
fn compute(argon2: &Argon2, password: &str, salt: &[u8], out: &mut [u8]) -> Result<(), HashError> {
    let blocks = argon2.params().block_count();
    with_scratch(blocks, |memory| {
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, memory)
    })
    .map_err(argon2_error)
}

pub fn hash_now(password: &str) -> Result<PasswordHash, HashError> {
    use argon2::password_hash::{Output, ParamsString};
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(argon2_error)?;
    let argon2 = argon2();
    let params = argon2.params().clone();
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let mut out = vec![0u8; len];
    compute(&argon2, password, salt_bytes, &mut out)?;
    let phc = Phc {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(argon2_error)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(argon2_error)?),
    };
    Ok(PasswordHash::from_stored(phc.to_string()))
}

/// Checks `password` against a stored hash, under the parameters stored in it (so old hashes
/// keep working); the comparison is constant-time.
pub fn verify_now(password: &str, hash: &PasswordHash) -> Result<bool, HashError> {
    let parsed = Phc::new(hash.as_stored()).map_err(argon2_error)?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(argon2_error)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(argon2_error)?
        .unwrap_or_default();
    let params = Params::try_from(&parsed).map_err(argon2_error)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(HashError::Argon2(
            "the stored hash has no salt or output".into(),
        ));
    };
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(argon2_error)?;
    let mut out = vec![0u8; expected.len()];
    compute(
        &Argon2::new(algorithm, version, params),
        password,
        salt_bytes,
        &mut out,
    )?;
    Ok(expected.as_bytes().ct_eq(&out).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_argon2id_with_owasp_parameters() {
        let h = hash_now("correct horse battery").unwrap();
        assert!(
            h.as_stored().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            h.as_stored()
        );
        assert!(!h.as_stored().contains("correct horse"));
    }

    #[test]
    fn right_password_verifies_wrong_does_not() {
        let h = hash_now("correct horse battery").unwrap();
        assert!(verify_now("correct horse battery", &h).unwrap());
        assert!(!verify_now("correct horse batter", &h).unwrap());
        assert!(!verify_now("", &h).unwrap());
    }

    #[test]
    fn hashes_agree_with_the_argon2_crates_own_api_both_ways() {
        use argon2::{PasswordHasher as _, PasswordVerifier as _};
        // Stored before this code kept its own working memory: still verify.
        let salt = SaltString::generate(&mut OsRng);
        let theirs = argon2()
            .hash_password(b"an older password", &salt)
            .unwrap()
            .to_string();
        let theirs = PasswordHash::from_stored(theirs);
        assert!(verify_now("an older password", &theirs).unwrap());
        assert!(!verify_now("an older passwore", &theirs).unwrap());
        // And what we store verifies with theirs.
        let ours = hash_now("a newer password").unwrap();
        let parsed = Phc::new(ours.as_stored()).unwrap();
        assert!(argon2()
            .verify_password(b"a newer password", &parsed)
            .is_ok());
        // A hash made under other parameters is checked under its own.
        let weaker = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"weaker", &salt)
        .unwrap()
        .to_string();
        assert!(verify_now("weaker", &PasswordHash::from_stored(weaker)).unwrap());
    }

    #[test]
    fn same_password_gets_a_new_salt_each_time() {
        let a = hash_now("same password").unwrap();
        let b = hash_now("same password").unwrap();
        assert_ne!(a.as_stored(), b.as_stored());
    }

    #[test]
    fn corrupt_stored_hash_is_an_error_not_a_match() {
        let h = PasswordHash::from_stored("not a phc string".into());
        assert!(verify_now("x", &h).is_err());
    }

    #[test]
    fn debug_never_shows_the_hash() {
        let h = hash_now("pw").unwrap();
        assert_eq!(format!("{h:?}"), "PasswordHash(..)");
    }

    #[tokio::test]
    async fn an_idle_hasher_holds_no_working_memory_a_busy_one_keeps_it() {
        let hasher = PasswordHasher::new(1);
        let h = hash_now("burst password").unwrap();
        let verify = || hasher.verify(Zeroizing::new("burst password".into()), Some(h.clone()));
        // One thread, three at once: the first takes the memory, the next two reuse it (they
        // are already asked for when it finishes), the last hands it back.
        let (a, b, c) = tokio::join!(verify(), verify(), verify());
        assert!(a.unwrap() && b.unwrap() && c.unwrap());
        until_idle(&hasher).await;
        assert_eq!(hasher.working_memory(), 0, "released once idle");
        assert!(
            hasher.working_memory_taken() < 3,
            "taken afresh {} times for one burst",
            hasher.working_memory_taken()
        );
        // Alone, each takes and releases it.
        assert!(verify().await.unwrap());
        until_idle(&hasher).await;
        assert_eq!(hasher.working_memory(), 0);
    }

    /// Gives the hashing threads KEPT_WHILE_IDLE to let go, up to a bound far beyond it.
    async fn until_idle(hasher: &PasswordHasher) {
        for _ in 0..100 {
            if hasher.working_memory() == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    #[tokio::test]
    async fn two_threads_hand_their_memory_back_once_the_burst_is_over() {
        let hasher = PasswordHasher::new(2);
        let h = hash_now("burst password").unwrap();
        let verify = || hasher.verify(Zeroizing::new("burst password".into()), Some(h.clone()));
        let all = tokio::join!(verify(), verify(), verify(), verify(), verify(), verify());
        assert!([all.0, all.1, all.2, all.3, all.4, all.5]
            .into_iter()
            .all(|ok| ok.unwrap()));
        until_idle(&hasher).await;
        assert_eq!(hasher.working_memory(), 0, "an idle hasher holds none");
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        let hasher = PasswordHasher::new(1);
        assert!(!hasher
            .verify(Zeroizing::new("anything".into()), None)
            .await
            .unwrap());
        let h = hasher
            .hash(Zeroizing::new("secret pass".into()))
            .await
            .unwrap();
        assert!(hasher
            .verify(Zeroizing::new("secret pass".into()), Some(h))
            .await
            .unwrap());
    }
}
