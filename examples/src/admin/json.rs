//! The API's JSON: what it answers (built from the library's views, field by field, so nothing
//! else can leak) and what it takes.

use chrono::{DateTime, Utc};
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;
use tenantry_service::{IssuedToken, Password, RoleKey, TenantView, UserStatus, UserView};
use uuid::Uuid;

/// A user, as every route shows it.
#[derive(Serialize)]
pub(crate) struct UserJson {
    /// The user's public id.
    id: Uuid,
    username: Option<String>,
    display_name: String,
    email: Option<String>,
    status: UserStatus,
    /// Tenant-wide roles.
    roles: Vec<RoleKey>,
    plant_roles: Vec<PlantRoleJson>,
    last_login_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
struct PlantRoleJson {
    /// The plant's code.
    plant: String,
    plant_name: String,
    role: RoleKey,
}

impl From<UserView> for UserJson {
    fn from(user: UserView) -> Self {
        Self {
            id: user.pid,
            username: user.username,
            display_name: user.display_name,
            email: user.email,
            status: user.status,
            roles: user.tenant_roles,
            plant_roles: user
                .plant_roles
                .into_iter()
                .map(|r| PlantRoleJson {
                    plant: r.plant_code,
                    plant_name: r.plant_name,
                    role: r.role,
                })
                .collect(),
            last_login_at: user.last_login_at,
        }
    }
}

/// A signed-in (or just activated) user with its tenant.
#[derive(Serialize)]
pub(crate) struct AccountJson {
    user: UserJson,
    tenant: TenantJson,
}

#[derive(Serialize)]
struct TenantJson {
    slug: String,
    name: String,
}

impl AccountJson {
    pub(crate) fn new(user: UserView, tenant: TenantView) -> Self {
        Self {
            user: user.into(),
            tenant: TenantJson {
                slug: tenant.slug,
                name: tenant.name,
            },
        }
    }
}

/// A page of users.
#[derive(Serialize)]
pub(crate) struct UserListJson {
    pub users: Vec<UserJson>,
    pub total: u64,
    /// The cursor of the next page (pass it as `after`), on cursor-paged responses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A one-time token, shown once: the raw token, its lifetime and the link that redeems it.
#[derive(Serialize)]
pub(crate) struct TokenJson {
    token: String,
    /// Whole seconds until `expires_at`.
    ttl: i64,
    expires_at: DateTime<Utc>,
    reset_url: String,
}

impl TokenJson {
    /// `page` is the front end's page that redeems the token, e.g. `reset-password`.
    pub(crate) fn new(issued: IssuedToken, public_url: &str, page: &str) -> Self {
        let token = issued.token.into_string();
        // Rounded: the token was issued a moment ago.
        let ttl_ms = (issued.expires_at - Utc::now()).num_milliseconds().max(0);
        Self {
            // A token is base64url: it goes into a query string as it is.
            reset_url: format!("{public_url}/{page}?token={token}"),
            token,
            ttl: (ttl_ms + 500) / 1000,
            expires_at: issued.expires_at,
        }
    }
}

/// An invited user and its invitation.
#[derive(Serialize)]
pub(crate) struct InvitedJson {
    pub user: UserJson,
    #[serde(flatten)]
    pub invitation: TokenJson,
}

// ---- requests ---------------------------------------------------------------------------------
//
// Missing strings default to empty, so the library reports them as `required` fields together
// with every other broken rule; unknown fields are refused, so a typo never goes unnoticed.
// Every body, and every object inside one, must be a JSON object: see [`Object`].

/// A `T` read from a JSON object only. serde's derive also reads a struct from an array, by
/// position (`["acme","ada","…"]` would be a login); here an array, like any other non-object,
/// is a wrong type, reported as expecting `a JSON object`.
pub(crate) struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }

        deserializer
            .deserialize_map(ObjectVisitor(PhantomData))
            .map(Self)
    }
}

/// A list of JSON objects (`#[serde(deserialize_with = "objects")]`): see [`Object`].
fn objects<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let list = Vec::<Object<T>>::deserialize(deserializer)?;
    Ok(list.into_iter().map(|Object(item)| item).collect())
}

/// `POST /api/auth/login`. Missing fields are wrong credentials like any other.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct LoginBody {
    pub tenant: String,
    pub login: String,
    pub password: Option<Password>,
}

/// A role at a plant named by its code.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RoleBody {
    pub plant: String,
    pub role: Option<String>,
}

/// `POST /api/users`.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct NewUserBody {
    pub username: Option<String>,
    pub display_name: String,
    pub email: String,
    /// Tenant-wide role keys.
    pub roles: Vec<String>,
    #[serde(deserialize_with = "objects")]
    pub plant_roles: Vec<RoleBody>,
}

/// `PUT /api/users/{id}/roles`: the complete set of roles.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RolesBody {
    /// Tenant-wide role keys.
    pub roles: Vec<String>,
    #[serde(deserialize_with = "objects")]
    pub plant_roles: Vec<RoleBody>,
}

/// `POST /api/invitations/accept`.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct AcceptBody {
    pub token: String,
    pub password: Option<Password>,
    pub username: Option<String>,
}

/// `POST /api/password-reset`.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct ResetBody {
    pub token: String,
    pub new_password: Option<Password>,
}

/// `GET /api/users` query parameters; empty values count as absent.
#[derive(Default, Deserialize)]
#[serde(default)]
pub(crate) struct ListParams {
    pub status: Option<String>,
    pub plant: Option<String>,
    pub role: Option<String>,
    pub q: Option<String>,
    /// How `q` matches: `prefix` (the default) or `contains`.
    #[serde(rename = "match")]
    pub search_mode: Option<String>,
    pub offset: Option<String>,
    pub limit: Option<String>,
    pub after: Option<String>,
}
