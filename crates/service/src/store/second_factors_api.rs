//! `SecondFactors` for the repository: each call in a task of its own (`detach.rs`), handing
//! over to `second_factors.rs` (management) and `second_step.rs` (the sign-in's step).

use super::SeaOrmUserRepository;
use super::second_factors;
use super::second_step;
use crate::api::SecondFactors;
use crate::error::Result;
use crate::inputs::{Actor, LoginContext};
use crate::recovery_code::RecoveryCodes;
use crate::second_factor_types::{
    AuthenticatorView, SecondFactorPolicy, SecondFactorProof, TotpEnrolment,
};
use crate::views::AuthenticatedUser;
use async_trait::async_trait;
use tenantry_entity::{TenantId, UserId};

#[async_trait]
impl SecondFactors for SeaOrmUserRepository {
    async fn enrol_totp(
        &self,
        tenant: TenantId,
        user: UserId,
        name: &str,
    ) -> Result<TotpEnrolment> {
        let name = name.to_owned();
        self.detached(move |repo| async move {
            second_factors::enrol_totp(&repo, tenant, user, &name).await
        })
        .await
    }

    async fn confirm_totp(
        &self,
        tenant: TenantId,
        user: UserId,
        authenticator: i64,
        code: &str,
        actor: Actor,
    ) -> Result<Option<RecoveryCodes>> {
        let code = code.to_owned();
        self.detached(move |repo| async move {
            second_factors::confirm_totp(&repo, tenant, user, authenticator, &code, actor).await
        })
        .await
    }

    async fn authenticators(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Vec<AuthenticatorView>> {
        self.detached(move |repo| async move { second_factors::list(&repo, tenant, user).await })
            .await
    }

    async fn remove_authenticator(
        &self,
        tenant: TenantId,
        user: UserId,
        authenticator: i64,
        actor: Actor,
    ) -> Result<()> {
        self.detached(move |repo| async move {
            second_factors::remove(&repo, tenant, user, authenticator, actor).await
        })
        .await
    }

    async fn regenerate_recovery_codes(
        &self,
        tenant: TenantId,
        user: UserId,
        actor: Actor,
    ) -> Result<RecoveryCodes> {
        self.detached(move |repo| async move {
            second_factors::regenerate_codes(&repo, tenant, user, actor).await
        })
        .await
    }

    async fn recovery_codes_left(&self, tenant: TenantId, user: UserId) -> Result<u64> {
        self.detached(
            move |repo| async move { second_factors::codes_left(&repo, tenant, user).await },
        )
        .await
    }

    async fn reset_second_factors(
        &self,
        tenant: TenantId,
        user: UserId,
        actor: Actor,
    ) -> Result<()> {
        self.detached(
            move |repo| async move { second_factors::reset(&repo, tenant, user, actor).await },
        )
        .await
    }

    async fn set_second_factor_policy(
        &self,
        tenant: TenantId,
        policy: SecondFactorPolicy,
        actor: Actor,
    ) -> Result<SecondFactorPolicy> {
        self.detached(move |repo| async move {
            second_factors::set_policy(&repo, tenant, policy, actor).await
        })
        .await
    }

    async fn second_factor_policy(&self, tenant: TenantId) -> Result<SecondFactorPolicy> {
        self.detached(move |repo| async move { second_factors::policy_of(&repo.db, tenant).await })
            .await
    }

    async fn complete_sign_in(
        &self,
        tenant: TenantId,
        challenge: &str,
        proof: SecondFactorProof,
        context: LoginContext,
    ) -> Result<AuthenticatedUser> {
        let challenge = challenge.to_owned();
        self.detached(move |repo| async move {
            second_step::complete(&repo, tenant, &challenge, proof, context).await
        })
        .await
    }

    async fn enrol_totp_at_sign_in(
        &self,
        tenant: TenantId,
        challenge: &str,
        name: &str,
        context: LoginContext,
    ) -> Result<TotpEnrolment> {
        let challenge = challenge.to_owned();
        let name = name.to_owned();
        self.detached(move |repo| async move {
            second_step::enrol_at_sign_in(&repo, tenant, &challenge, &name, context).await
        })
        .await
    }
}
