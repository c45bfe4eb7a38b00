//! At startup: the users already stored meet the profile rules' requirements.

use crate::error::{Error, Result};
use crate::profile_rules::{ProfileRules, Requirement};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use tenantry_entity::users;

/// [`Error::ProfileRuleUnmet`] when the rules require an email or a username that some user
/// (deleted ones included: they can be restored) does not have. Reads only.
pub(crate) async fn check_stored_profiles(
    db: &DatabaseConnection,
    rules: &ProfileRules,
) -> Result<()> {
    let required = [
        ("email", rules.email, users::Column::Email),
        ("username", rules.username, users::Column::Username),
    ];
    for (field, requirement, column) in required {
        if requirement != Requirement::Required {
            continue;
        }
        let missing = users::Entity::find()
            .filter(column.is_null())
            .count(db)
            .await?;
        if missing > 0 {
            return Err(Error::ProfileRuleUnmet {
                field,
                users: missing,
            });
        }
    }
    Ok(())
}
