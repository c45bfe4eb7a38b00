//! What every handler of the sign-in and admin routers shares.

use crate::AdminConfig;
use std::sync::Arc;
use tenantry_service::{RoleCatalogue, UserRepository};

/// The state of [`signin::router`](crate::signin::router) and
/// [`admin::router`](crate::admin::router): the repository, the store's role catalogue and the
/// public URL links are built on. Cheap to clone.
#[derive(Clone)]
pub struct ApiState {
    pub(crate) users: Arc<dyn UserRepository>,
    pub(crate) public_url: Arc<str>,
    pub(crate) roles: Arc<RoleCatalogue>,
}

impl ApiState {
    /// The state over `users`, with its role catalogue, presented as `config` says.
    pub fn new(users: Arc<dyn UserRepository>, config: &AdminConfig) -> Self {
        let roles = Arc::new(users.role_catalogue().clone());
        Self {
            users,
            public_url: config.public_url.as_str().into(),
            roles,
        }
    }

    /// The repository.
    pub fn users(&self) -> &Arc<dyn UserRepository> {
        &self.users
    }
}
