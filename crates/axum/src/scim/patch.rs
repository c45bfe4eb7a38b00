//! SCIM `PATCH` (RFC 7644 §3.5.2) on a resource's JSON: `add`, `replace`, `remove`, with or
//! without a path, paths with a value filter (`emails[type eq "work"].value`), and what Entra
//! ID sends (op names in any case — `Replace` —, dotted keys in a path-less value).

use super::error::ScimError;
use super::filter::{self, AttrPath, Filter, Op, member};
use serde_json::{Map, Value};

/// The most operations one `PATCH` takes.
pub(crate) const MAX_OPERATIONS: usize = 100;

/// Attributes of a User a `PATCH` may not change.
pub(crate) const USER_READ_ONLY: &[&str] = &["id", "meta", "groups", "schemas"];
/// Attributes of a role group (a role of the catalogue) a `PATCH` may not change.
pub(crate) const ROLE_GROUP_READ_ONLY: &[&str] =
    &["id", "meta", "schemas", "displayname", "externalid"];
/// Attributes of a directory group a `PATCH` may not change.
pub(crate) const DIRECTORY_GROUP_READ_ONLY: &[&str] = &["id", "meta", "schemas"];

/// One operation's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Add,
    Replace,
    Remove,
}

/// A target path: `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub(crate) attr: String,
    pub(crate) filter: Option<Filter>,
    pub(crate) sub: Option<String>,
}

/// One operation.
#[derive(Clone, Debug)]
pub(crate) struct Operation {
    pub(crate) kind: Kind,
    pub(crate) target: Option<Target>,
    pub(crate) value: Option<Value>,
}

/// Parses a path.
///
/// # Errors
/// `invalidPath`.
pub(crate) fn target_of(path: &str) -> Result<Target, ScimError> {
    let bad = || ScimError::invalid_path("the path is not valid");
    if path.chars().count() > filter::MAX_FILTER_CHARS {
        return Err(bad());
    }
    if let Some(open) = path.find('[') {
        let close = path.rfind(']').ok_or_else(bad)?;
        if close < open {
            return Err(bad());
        }
        let attr = filter::attr_path(&path[..open]).ok_or_else(bad)?;
        if attr.sub.is_some() {
            return Err(bad());
        }
        let inner =
            filter::parse(&path[open + 1..close]).map_err(|e| ScimError::invalid_path(e.detail))?;
        let rest = &path[close + 1..];
        let sub = match rest.strip_prefix('.') {
            None if rest.is_empty() => None,
            None => return Err(bad()),
            Some(sub) => {
                let sub = filter::attr_path(sub).ok_or_else(bad)?;
                if sub.sub.is_some() {
                    return Err(bad());
                }
                Some(sub.attr)
            }
        };
        return Ok(Target {
            attr: attr.attr,
            filter: Some(inner),
            sub,
        });
    }
    let AttrPath { attr, sub } = filter::attr_path(path).ok_or_else(bad)?;
    Ok(Target {
        attr,
        filter: None,
        sub,
    })
}

/// The operations of a `PatchOp` body.
///
/// # Errors
/// `invalidSyntax` for a body that is not a `PatchOp` or has more than [`MAX_OPERATIONS`]
/// operations; `invalidPath` for a malformed path.
pub(crate) fn operations_of(body: &Value) -> Result<Vec<Operation>, ScimError> {
    let Some(Value::Array(items)) = member(body, "Operations") else {
        return Err(ScimError::invalid_syntax("a PatchOp needs its Operations"));
    };
    if items.is_empty() {
        return Err(ScimError::invalid_syntax(
            "a PatchOp needs at least one operation",
        ));
    }
    if items.len() > MAX_OPERATIONS {
        return Err(ScimError::invalid_syntax(format!(
            "at most {MAX_OPERATIONS} operations"
        )));
    }
    items
        .iter()
        .map(|item| {
            let kind = match member(item, "op")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("add") => Kind::Add,
                Some("replace") => Kind::Replace,
                Some("remove") => Kind::Remove,
                _ => {
                    return Err(ScimError::invalid_syntax(
                        "op must be add, replace or remove",
                    ));
                }
            };
            let target = match member(item, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(path)) if path.trim().is_empty() => None,
                Some(Value::String(path)) => Some(target_of(path.trim())?),
                Some(_) => return Err(ScimError::invalid_path("path must be a string")),
            };
            let value = member(item, "value").cloned();
            if kind != Kind::Remove && value.is_none() {
                return Err(ScimError::invalid_syntax("add and replace need a value"));
            }
            if kind == Kind::Remove && target.is_none() {
                return Err(ScimError::no_target("remove needs a path"));
            }
            Ok(Operation {
                kind,
                target,
                value,
            })
        })
        .collect()
}

fn key_of(object: &Map<String, Value>, name: &str) -> Option<String> {
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
}

/// The member `name` of `object`, made when absent.
fn entry<'a>(object: &'a mut Map<String, Value>, name: &str) -> &'a mut Value {
    let key = key_of(object, name).unwrap_or_else(|| name.to_owned());
    object.entry(key).or_insert(Value::Null)
}

fn remove_member(object: &mut Map<String, Value>, name: &str) {
    if let Some(key) = key_of(object, name) {
        object.remove(&key);
    }
}

/// The `attr eq "literal"` a filter is, to make the element an upsert targets.
fn simple_equality(filter: &Filter) -> Option<(String, Value)> {
    match filter {
        Filter::Compare(path, Op::Eq, value) if path.sub.is_none() => {
            Some((path.attr.clone(), value.clone()))
        }
        _ => None,
    }
}

/// Applies `operation` to `resource` (a JSON object).
///
/// # Errors
/// `mutability` on a read-only attribute, `invalidValue` for a path-less value that is not an
/// object, `noTarget` when a filter matches nothing where something must be matched.
pub(crate) fn apply(
    resource: &mut Value,
    operation: &Operation,
    read_only: &[&str],
) -> Result<(), ScimError> {
    let Some(object) = resource.as_object_mut() else {
        return Err(ScimError::invalid_value("the resource is not an object"));
    };
    let Some(target) = &operation.target else {
        let Some(Value::Object(values)) = &operation.value else {
            return Err(ScimError::invalid_value(
                "a path-less add or replace needs an object value",
            ));
        };
        for (key, value) in values {
            // Entra ID sends `{"name.givenName": "x"}`; a schema URN key holds its attributes.
            if key.to_ascii_lowercase().starts_with("urn:")
                && !key.contains('.')
                && value.is_object()
                && filter::attr_path(key).is_none()
            {
                continue;
            }
            let target = target_of(key)?;
            let nested = Operation {
                kind: operation.kind,
                target: Some(target),
                value: Some(value.clone()),
            };
            let mut whole = Value::Object(std::mem::take(object));
            let applied = apply(&mut whole, &nested, read_only);
            if let Value::Object(back) = whole {
                *object = back;
            }
            applied?;
        }
        return Ok(());
    };
    if read_only.contains(&target.attr.as_str()) {
        return Err(ScimError::mutability(format!(
            "{} cannot be changed",
            target.attr
        )));
    }
    match (&target.filter, &target.sub) {
        (None, None) => match operation.kind {
            Kind::Remove => remove_member(object, &target.attr),
            Kind::Replace => {
                *entry(object, &target.attr) = operation.value.clone().unwrap_or(Value::Null)
            }
            Kind::Add => {
                let value = operation.value.clone().unwrap_or(Value::Null);
                let slot = entry(object, &target.attr);
                match (slot, value) {
                    (Value::Array(items), Value::Array(more)) => {
                        for item in more {
                            if !items.contains(&item) {
                                items.push(item);
                            }
                        }
                    }
                    (Value::Array(items), item) => {
                        if !items.contains(&item) {
                            items.push(item);
                        }
                    }
                    (slot, value) => *slot = value,
                }
            }
        },
        (None, Some(sub)) => {
            let slot = entry(object, &target.attr);
            let set = |item: &mut Value| {
                if let Value::Object(inner) = item {
                    match operation.kind {
                        Kind::Remove => remove_member(inner, sub),
                        _ => *entry(inner, sub) = operation.value.clone().unwrap_or(Value::Null),
                    }
                }
            };
            match slot {
                Value::Array(items) if items.is_empty() && operation.kind != Kind::Remove => {
                    let mut item = Value::Object(Map::new());
                    set(&mut item);
                    items.push(item);
                }
                Value::Array(items) => items.iter_mut().for_each(set),
                Value::Null if operation.kind == Kind::Remove => {
                    remove_member(object, &target.attr)
                }
                Value::Null => {
                    *slot = Value::Object(Map::new());
                    set(slot);
                }
                other => set(other),
            }
        }
        (Some(filter), sub) => {
            let slot = entry(object, &target.attr);
            if slot.is_null() {
                *slot = Value::Array(Vec::new());
            }
            let Value::Array(items) = slot else {
                return Err(ScimError::invalid_path(format!(
                    "{} is not multi-valued",
                    target.attr
                )));
            };
            let matched: Vec<usize> = (0..items.len())
                .filter(|&i| filter::matches(filter, &items[i]))
                .collect();
            match (operation.kind, sub) {
                (Kind::Remove, None) => {
                    let mut index = 0;
                    items.retain(|_| {
                        let keep = !matched.contains(&index);
                        index += 1;
                        keep
                    });
                }
                (Kind::Remove, Some(sub)) => {
                    for &i in &matched {
                        if let Value::Object(inner) = &mut items[i] {
                            remove_member(inner, sub);
                        }
                    }
                }
                (_, sub) => {
                    let value = operation.value.clone().unwrap_or(Value::Null);
                    if matched.is_empty() {
                        // Entra ID replaces `emails[type eq "work"].value` of a user without
                        // one: the element the filter describes is made.
                        let (attr, literal) = simple_equality(filter)
                            .ok_or_else(|| ScimError::no_target("the filter matches no value"))?;
                        let mut item = Map::new();
                        item.insert(attr, literal);
                        match sub {
                            Some(sub) => {
                                item.insert(sub.clone(), value.clone());
                            }
                            None => match value.clone() {
                                Value::Object(fields) => item.extend(fields),
                                _ => {
                                    return Err(ScimError::invalid_value(
                                        "a filtered value must be an object",
                                    ));
                                }
                            },
                        }
                        items.push(Value::Object(item));
                    }
                    for &i in &matched {
                        let Value::Object(inner) = &mut items[i] else {
                            continue;
                        };
                        match (sub, &value) {
                            (Some(sub), value) => *entry(inner, sub) = value.clone(),
                            (None, Value::Object(fields)) => {
                                for (k, v) in fields {
                                    *entry(inner, k) = v.clone();
                                }
                            }
                            (None, _) => {
                                return Err(ScimError::invalid_value(
                                    "a filtered value must be an object",
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn patched(resource: Value, body: Value) -> Result<Value, ScimError> {
        let mut resource = resource;
        for operation in operations_of(&body)? {
            apply(&mut resource, &operation, USER_READ_ONLY)?;
        }
        Ok(resource)
    }

    #[test]
    fn entra_and_okta_operations_apply() {
        let user = json!({"id": "1", "userName": "ada", "active": true,
            "emails": [{"value": "ada@example.com", "primary": true}]});
        let out = patched(user.clone(), json!({"Operations": [
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@example.com"},
            {"op": "Add", "path": "name.familyName", "value": "Lovelace"},
        ]})).unwrap();
        assert_eq!(out["active"], json!("False"));
        assert_eq!(
            out["emails"][1],
            json!({"type": "work", "value": "new@example.com"})
        );
        assert_eq!(member(&out["name"], "familyName"), Some(&json!("Lovelace")));
        let out = patched(user.clone(), json!({"Operations": [
            {"op": "replace", "value": {"active": false, "name.givenName": "Ada", "displayName": "A"}},
        ]})).unwrap();
        assert_eq!(out["active"], json!(false));
        assert_eq!(member(&out["name"], "givenName"), Some(&json!("Ada")));
        assert_eq!(member(&out, "displayName"), Some(&json!("A")));
        let out = patched(
            user.clone(),
            json!({"Operations": [
                {"op": "remove", "path": "emails[value eq \"ada@example.com\"]"},
            ]}),
        )
        .unwrap();
        assert_eq!(out["emails"], json!([]));
    }

    #[test]
    fn refuses_read_only_targets_and_malformed_operations() {
        let user = json!({"id": "1", "userName": "ada"});
        for (body, scim_type) in [
            (
                json!({"Operations": [{"op": "replace", "path": "id", "value": "2"}]}),
                "mutability",
            ),
            (
                json!({"Operations": [{"op": "move", "path": "userName", "value": "x"}]}),
                "invalidSyntax",
            ),
            (json!({"Operations": [{"op": "remove"}]}), "noTarget"),
            (
                json!({"Operations": [{"op": "add", "path": "emails[type eq", "value": "x"}]}),
                "invalidPath",
            ),
            (json!({"Operations": []}), "invalidSyntax"),
            (
                json!({"operations": [{"op": "replace", "value": 3}]}),
                "invalidValue",
            ),
        ] {
            let error = patched(user.clone(), body.clone()).expect_err(&body.to_string());
            assert_eq!(error.scim_type, Some(scim_type), "{body}");
        }
    }
}
