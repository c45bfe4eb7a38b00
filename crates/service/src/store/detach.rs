//! Every repository call runs in a task of its own, so dropping the caller's future (a timeout,
//! a client that went away, an aborted request task) detaches the call instead of cancelling
//! it: its transaction commits or rolls back as it would have, and its connection goes back to
//! the pool in step with the server.
//!
//! Why: a sqlx future dropped in the middle of a MySQL packet leaves that connection's stream
//! out of step, and sqlx 0.9 tests a released connection with a ping that has no time limit
//! (`PoolConnection::return_to_pool`): the ping waits forever and the pool slot is lost for
//! good. A caller can no longer drop one; inside the store only an error can (`login.rs`
//! reads the tenant and the user with `try_join!`, which drops the other read when one fails).

use super::SeaOrmUserRepository;
use crate::api::{TokenDelivery, TokenSender};
use crate::error::{Error, Result};
use async_trait::async_trait;
use std::future::Future;
use std::sync::Mutex;
use tokio::runtime::Handle;
use tracing::Instrument;

impl SeaOrmUserRepository {
    /// Runs `work` on a clone of the repository in a task of its own and awaits it
    /// ([`detached`]).
    pub(crate) async fn detached<T, F, Fut>(&self, work: F) -> Result<T>
    where
        F: FnOnce(SeaOrmUserRepository) -> Fut,
        Fut: Future<Output = Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        detached(work(self.clone())).await
    }
}

/// Runs `call` in a task of its own and awaits it: dropping the returned future leaves `call`
/// running to its end.
///
/// A panic in `call` becomes [`Error::Internal`] (the panic hook has already reported it).
/// Outside a Tokio runtime `call` runs inline (sqlx could not run there anyway).
pub(crate) async fn detached<T, Fut>(call: Fut) -> Result<T>
where
    Fut: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let Ok(runtime) = Handle::try_current() else {
        return call.await;
    };
    // The caller's span follows the call into its task.
    match runtime.spawn(call.in_current_span()).await {
        Ok(result) => result,
        Err(error) => {
            // Only a panic or a runtime shutdown ends the task early: never a client's doing.
            let why = if error.is_panic() {
                "panicked"
            } else {
                "was stopped"
            };
            tracing::error!("a repository call's task {why}");
            Err(Error::Internal)
        }
    }
}

/// Holds the token a detached [`crate::api::Credentials::request_password_reset`] would hand
/// to the caller's sender, which cannot go into a task of its own (it is borrowed): the caller
/// delivers it once the call's transaction has committed.
#[derive(Default)]
pub(super) struct HeldDelivery(Mutex<Option<TokenDelivery>>);

impl HeldDelivery {
    /// Hands the held token, if any, to `sender`.
    pub(super) async fn deliver(&self, sender: &dyn TokenSender) {
        let delivery = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(delivery) = delivery {
            sender.send(delivery).await;
        }
    }
}

#[async_trait]
impl TokenSender for HeldDelivery {
    async fn send(&self, delivery: TokenDelivery) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(delivery);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::time::Duration;
    use tokio::sync::oneshot;

    #[tokio::test]
    async fn a_panic_is_an_internal_error_without_its_message() {
        let result: Result<()> = detached(async { panic!("secret-in-panic") }).await;
        let error = result.unwrap_err();
        assert!(matches!(error, Error::Internal), "{error:?}");
        assert_eq!(error.to_string(), "internal error");
        assert!(!format!("{error:?}").contains("secret"));
    }

    #[tokio::test]
    async fn a_dropped_call_runs_to_its_end() {
        let (started_tx, started) = oneshot::channel();
        let (release_tx, release) = oneshot::channel::<()>();
        let (done_tx, done) = oneshot::channel();
        let call = detached(async move {
            started_tx.send(()).unwrap();
            release.await.unwrap();
            done_tx.send(()).unwrap();
            Ok(())
        });
        // Poll it once (that starts it), then drop it while it waits.
        assert!(
            tokio::time::timeout(Duration::from_millis(1), call)
                .await
                .is_err()
        );
        started.await.unwrap();
        release_tx.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), done)
            .await
            .expect("the dropped call stopped")
            .unwrap();
    }

    #[test]
    fn outside_a_runtime_the_call_runs_inline() {
        let result = futures::executor::block_on(detached(async { Ok(7) }));
        assert_eq!(result.unwrap(), 7);
    }
}
