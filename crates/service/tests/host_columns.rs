//! Host-owned columns (issue 15, point 6): a host that needs more on a user than tenantry keeps
//! (the fibre planner's `phone`) puts it in a table of its own, keyed 1:1 to tenantry's user,
//! as its own SeaORM entity related to `tenantry_entity::users`. It reads both in one query and
//! the row goes with the user. On every backend named by `DATABASE_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use common::*;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Schema,
};
use tenantry_service::entity::users;

/// The host's entity: written as a host would, in its own crate, naming tenantry's user.
mod user_phone {
    use sea_orm::entity::prelude::*;
    use tenantry_service::entity::{UserId, users};

    /// A row of the host's `fibre_user_phones`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "fibre_user_phones")]
    pub struct Model {
        /// tenantry's user: the key, so one row per user.
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: UserId,
        /// The host's own column.
        pub phone: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// Deleted with the user: the database does it, whatever deletes the user.
        #[sea_orm(
            belongs_to = "users::Entity",
            from = "Column::UserId",
            to = "users::Column::Id",
            on_delete = "Cascade"
        )]
        User,
    }

    impl Related<users::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    /// The other direction, so a host can start from tenantry's users.
    impl Related<Entity> for users::Entity {
        fn to() -> RelationDef {
            Relation::User.def().rev()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

#[tokio::test]
async fn a_host_table_keyed_to_the_user_is_read_with_it_and_goes_with_it() {
    let f = fixture().await;
    let db = f.conn();
    // The host's migration: its table, its foreign key to tenantry's users.
    let backend = db.get_database_backend();
    db.execute(&Schema::new(backend).create_table_from_entity(user_phone::Entity))
        .await
        .unwrap();

    let ada = f.user("ada").await;
    let bob = f.user("bob").await;
    let carol = f.user("carol").await;
    for (user, phone) in [(ada.id, "+44 20 7946 0000"), (bob.id, "+1 202 555 0143")] {
        user_phone::ActiveModel {
            user_id: Set(user),
            phone: Set(phone.into()),
        }
        .insert(db)
        .await
        .unwrap();
    }

    // One query: the users of the tenant with their phone, if any.
    let rows: Vec<(users::Model, Option<user_phone::Model>)> = users::Entity::find()
        .find_also_related(user_phone::Entity)
        .filter(users::Column::TenantId.eq(f.tid()))
        .order_by_asc(users::Column::UsernameKey)
        .all(db)
        .await
        .unwrap();
    let read: Vec<(&str, Option<&str>)> = rows
        .iter()
        .map(|(u, p)| {
            (
                u.username.as_deref().unwrap_or_default(),
                p.as_ref().map(|p| p.phone.as_str()),
            )
        })
        .collect();
    assert_eq!(
        read,
        [
            ("ada", Some("+44 20 7946 0000")),
            ("bob", Some("+1 202 555 0143")),
            ("carol", None)
        ]
    );

    // A row for a user tenantry does not have is refused by the database.
    let stranger = user_phone::ActiveModel {
        user_id: Set(tenantry_service::UserId(i64::MAX)),
        phone: Set("0".into()),
    }
    .insert(db)
    .await;
    assert!(stranger.is_err(), "a phone for no user");

    // A soft delete keeps it (the user can be restored); a purge takes it with the user.
    f.repo.delete_user(f.tid(), ada.id, None).await.unwrap();
    assert!(
        user_phone::Entity::find_by_id(ada.id)
            .one(db)
            .await
            .unwrap()
            .is_some()
    );
    f.repo.purge_user(f.tid(), ada.id, None).await.unwrap();
    assert_eq!(
        user_phone::Entity::find_by_id(ada.id)
            .one(db)
            .await
            .unwrap(),
        None
    );
    // And with the tenant.
    tenantry_service::entity::tenants::Entity::delete_by_id(f.tid())
        .exec(db)
        .await
        .unwrap();
    assert_eq!(user_phone::Entity::find().all(db).await.unwrap(), []);
    assert_eq!(carol.tenant_id, f.tid());
}
