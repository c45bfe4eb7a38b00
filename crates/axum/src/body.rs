//! JSON request bodies: the [`ApiJson`] extractor, which answers in the API's error format,
//! and [`Object`], which reads a struct from a JSON object only.

use crate::error::{ApiError, FieldProblem};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// A JSON body. A body that is not `application/json`, not JSON, or not a JSON object is a
/// 400 `invalid_input`; a value of the wrong type, an unknown field or a field given twice is
/// reported with its path (`roles[0].role`) and what the field takes (`expected`), never with
/// the value. A body over [`crate::BODY_LIMIT`] is a 413.
pub(crate) struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::bad_body(
                "the body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| ApiError::from_status(rejection.status()))?;
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let Object(value) = serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|e| body_error(&e, &bytes))?;
        deserializer
            .end()
            .map_err(|_| ApiError::bad_body("the body is not valid JSON"))?;
        Ok(Self(value))
    }
}

fn body_error(error: &serde_path_to_error::Error<serde_json::Error>, body: &[u8]) -> ApiError {
    // Whether the body is JSON at all decides, not the error's category: serde_json calls an
    // enum given a number a syntax error ("expected value"), and an array where an object
    // belongs fails before the rest of the body is read.
    if serde_json::from_slice::<IgnoredAny>(body).is_err() {
        return ApiError::bad_body("the body is not valid JSON");
    }
    let path = error.path().to_string();
    let message = error.inner().to_string();
    // serde names a repeated field by its declared name (never the request's text) and
    // reports it at the enclosing object's path.
    let duplicate = message
        .strip_prefix("duplicate field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    if let Some(name) = duplicate {
        let field = if path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        let problem = FieldProblem::new(field, "duplicate", "given more than once");
        return ApiError::invalid(vec![problem]);
    }
    let field = if path == "." { "body".to_owned() } else { path };
    let expected = expected_in(&message);
    let mut problem = if message.starts_with("unknown field") {
        FieldProblem::new(field, "unknown_field", "not a field of this request")
    } else {
        FieldProblem::new(field, "invalid_format", "not in a valid format")
    };
    if let Some(expected) = expected {
        problem = problem.expecting(expected);
    }
    ApiError::invalid(vec![problem])
}

/// What serde said the field takes: the `expected …` of its "invalid type", "invalid value",
/// "invalid length", "unknown variant" and "unknown field" messages. That part comes from the
/// type, never from the request (the value is quoted before it, so the last `, expected `
/// is serde's own); the position serde_json appends is cut off.
fn expected_in(message: &str) -> Option<String> {
    const KINDS: [&str; 5] = [
        "invalid type: ",
        "invalid value: ",
        "invalid length ",
        "unknown variant ",
        "unknown field ",
    ];
    if !KINDS.iter().any(|kind| message.starts_with(kind)) {
        return None;
    }
    let (_, expected) = message.rsplit_once(", expected ")?;
    let expected = expected
        .rsplit_once(" at line ")
        .map_or(expected, |(text, _)| text);
    Some(expected.to_owned())
}

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
pub(crate) fn objects<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let list = Vec::<Object<T>>::deserialize(deserializer)?;
    Ok(list.into_iter().map(|Object(item)| item).collect())
}
