//! Security stamps: the random value a session carries, rotated to end every session.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use tenantry_entity::users;
use uuid::Uuid;

/// A fresh random security stamp.
pub(crate) fn new_security_stamp() -> String {
    Uuid::new_v4().simple().to_string()
}

/// Marks `user` changed at `now` with a fresh stamp: every session made before ends.
pub(crate) fn rotate(user: &mut users::ActiveModel, now: DateTime<Utc>) {
    user.security_stamp = Set(new_security_stamp());
    user.updated_at = Set(now);
}
