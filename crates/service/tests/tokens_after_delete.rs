#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue 12, finding 8: a soft delete voids the user's outstanding one-time tokens, so a reset,
//! verification or invitation token issued before the delete never redeems after a restore.

mod common;

use common::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tenantry_service::entity::credential_tokens;
use tenantry_service::prelude::*;
use tenantry_service::{Invitation, UserId};

async fn outstanding(env: &Env, user: UserId) -> u64 {
    credential_tokens::Entity::find()
        .filter(credential_tokens::Column::UserId.eq(user))
        .filter(credential_tokens::Column::UsedAt.is_null())
        .count(env.conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn reset_and_verification_tokens_do_not_redeem_after_delete_and_restore() {
    let env = env().await;
    let user = env.user("dana").await;
    let reset = env
        .repo
        .issue_password_reset(env.tid(), user.id, None, None)
        .await
        .unwrap()
        .token
        .into_string();
    let verification = env
        .repo
        .issue_email_verification(env.tid(), user.id, None)
        .await
        .unwrap()
        .token
        .into_string();
    assert_eq!(outstanding(&env, user.id).await, 2);

    env.repo
        .delete_user(env.tid(), user.id, None)
        .await
        .unwrap();
    assert_eq!(outstanding(&env, user.id).await, 0, "delete voids tokens");
    env.repo
        .restore_user(env.tid(), user.id, None)
        .await
        .unwrap();

    assert_invalid_token(
        env.repo
            .redeem_password_reset(Some(env.tid()), &reset, &pw(OTHER))
            .await,
        "reset after restore",
    );
    assert_invalid_token(
        env.repo
            .redeem_password_reset(None, &reset, &pw(OTHER))
            .await,
        "reset after restore, no tenant",
    );
    assert_invalid_token(
        env.repo.verify_email(Some(env.tid()), &verification).await,
        "verification after restore",
    );
    // The old password still works and was not replaced; the email stays unverified.
    env.login_ok("dana", STRONG).await;
    env.login_refused("dana", OTHER).await;
    assert_eq!(env.row(user.id).await.email_verified_at, None);

    // New tokens issued after the restore work as usual.
    let fresh = env
        .repo
        .issue_password_reset(env.tid(), user.id, None, None)
        .await
        .unwrap()
        .token
        .into_string();
    env.repo
        .redeem_password_reset(Some(env.tid()), &fresh, &pw(OTHER))
        .await
        .unwrap();
    env.login_ok("dana", OTHER).await;
}

#[tokio::test]
async fn an_invitation_does_not_redeem_after_delete_and_restore() {
    let env = env().await;
    let invited = env
        .repo
        .invite_user(
            env.tid(),
            Invitation {
                email: "ivan@example.com".into(),
                username: Some("ivan".into()),
                display_name: "Ivan".into(),
                ..Invitation::default()
            },
            None,
        )
        .await
        .unwrap();
    let id = invited.user.id;
    let token = invited.invitation.token.into_string();
    env.repo.delete_user(env.tid(), id, None).await.unwrap();
    env.repo.restore_user(env.tid(), id, None).await.unwrap();
    assert_eq!(outstanding(&env, id).await, 0);
    assert_invalid_token(
        env.repo
            .accept_invitation(Some(env.tid()), &token, None, &pw(STRONG))
            .await,
        "invitation after restore",
    );
    assert_invalid_token(
        env.repo
            .accept_invitation(None, &token, Some("ivan2".into()), &pw(STRONG))
            .await,
        "invitation after restore, no tenant",
    );
    let row = env.row(id).await;
    assert_eq!(row.password_hash, None);
    assert_eq!(row.username.as_deref(), Some("ivan"));
}

#[tokio::test]
async fn deleting_one_user_leaves_other_users_tokens_alone() {
    let env = env().await;
    let gone = env.user("gone").await;
    let kept = env.user("kept").await;
    env.repo
        .issue_password_reset(env.tid(), gone.id, None, None)
        .await
        .unwrap();
    let token = env
        .repo
        .issue_password_reset(env.tid(), kept.id, None, None)
        .await
        .unwrap()
        .token
        .into_string();
    env.repo
        .delete_user(env.tid(), gone.id, None)
        .await
        .unwrap();
    assert_eq!(outstanding(&env, gone.id).await, 0);
    assert_eq!(outstanding(&env, kept.id).await, 1);
    env.repo
        .redeem_password_reset(Some(env.tid()), &token, &pw(OTHER))
        .await
        .unwrap();
}
