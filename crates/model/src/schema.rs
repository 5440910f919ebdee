//! JSON Schemas of the three files other programs read: `scan.json`,
//! `diff.json` and `summary.json`. They are derived from the types (with
//! `schemars`), so they say what serde writes; `docs/schema/` holds them
//! as generated, and the tests validate every output against those files.

use std::borrow::Cow;
use std::collections::BTreeSet;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value};

use crate::diff::{DIFF_FORMAT, DIFF_FORMAT_VERSION, Diff};
use crate::scan::{SCAN_FORMAT, SCAN_FORMAT_VERSION, Scan};
use crate::summary::{SUMMARY_FORMAT, SUMMARY_FORMAT_VERSION, Summary};

/// The schema of `scan.json`.
pub fn scan_schema() -> Value {
    schema_of::<Scan>(SCAN_FORMAT, SCAN_FORMAT_VERSION)
}

/// The schema of `diff.json`.
pub fn diff_schema() -> Value {
    schema_of::<Diff>(DIFF_FORMAT, DIFF_FORMAT_VERSION)
}

/// The schema of `summary.json`.
pub fn summary_schema() -> Value {
    schema_of::<Summary>(SUMMARY_FORMAT, SUMMARY_FORMAT_VERSION)
}

/// The schema as serde writes `T` (fields skipped when empty are optional,
/// every other field is required), with `format` and `version` fixed to
/// the ones this build writes, and closed: a field the types do not have
/// is an error, so the schema cannot silently fall behind the output.
fn schema_of<T: JsonSchema>(format: &str, version: u32) -> Value {
    let generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    let properties = &mut schema["properties"];
    properties["format"]["const"] = Value::from(format);
    properties["version"]["const"] = Value::from(version);
    no_null_where_left_out(&mut schema);
    close_objects(&mut schema);
    unwrap_descriptions(&mut schema);
    schema
}

/// A property that is not required is one serde leaves out
/// (`skip_serializing_if`): in this model an `Option` left out when `None`
/// or a list left out when empty, so it is never written as `null`.
/// schemars still allows `null` for the `Option`; take it away. The one
/// exception says so ([`NULL_WRITTEN`]): a field that is left out or
/// written as `null`, each meaning something.
pub(crate) const NULL_WRITTEN: &str = "x-null-written";

fn no_null_where_left_out(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let required: BTreeSet<String> = match map.get("required") {
                Some(Value::Array(names)) => names
                    .iter()
                    .filter_map(|n| n.as_str().map(String::from))
                    .collect(),
                _ => BTreeSet::new(),
            };
            if let Some(Value::Object(props)) = map.get_mut("properties") {
                for (name, prop) in props.iter_mut() {
                    let null_written = prop
                        .as_object_mut()
                        .and_then(|p| p.remove(NULL_WRITTEN))
                        .is_some();
                    if !required.contains(name) && !null_written {
                        drop_null(prop);
                    }
                }
            }
            map.values_mut().for_each(no_null_where_left_out);
        }
        Value::Array(items) => items.iter_mut().for_each(no_null_where_left_out),
        _ => {}
    }
}

fn drop_null(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            map.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(alternatives)) = map.get_mut("anyOf") {
        alternatives.retain(|a| a.get("type").is_none_or(|t| t != "null"));
        if let [Value::Object(only)] = alternatives.as_slice() {
            let only = only.clone();
            map.remove("anyOf");
            for (k, v) in only {
                map.entry(k).or_insert(v);
            }
        }
    }
}

/// Add `unevaluatedProperties: false` to the root and to every definition
/// that describes an object (a struct, or an enum written as objects).
/// Left open: a definition whose fields are merged into another object by
/// `#[serde(flatten)]` (referenced beside further `properties`), as its
/// own closing would reject its host's fields; the host, closed, checks
/// them all, since `unevaluatedProperties` sees through `$ref` and `oneOf`.
fn close_objects(schema: &mut Value) {
    let mut merged = BTreeSet::new();
    merged_definitions(schema, &mut merged);
    close(schema);
    if let Some(Value::Object(defs)) = schema.get_mut("$defs") {
        for (name, def) in defs.iter_mut() {
            if !merged.contains(&format!("#/$defs/{name}")) {
                close(def);
            }
        }
    }
}

fn merged_definitions(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if map.contains_key("properties")
                && let Some(Value::String(r)) = map.get("$ref")
            {
                out.insert(r.clone());
            }
            map.values().for_each(|v| merged_definitions(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| merged_definitions(v, out)),
        _ => {}
    }
}

fn close(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    let is_object = |m: &Map<String, Value>| m.contains_key("properties");
    let variants_are_objects = match map.get("oneOf") {
        Some(Value::Array(variants)) => variants
            .iter()
            .all(|v| v.as_object().is_some_and(is_object)),
        _ => false,
    };
    if is_object(map) || variants_are_objects {
        map.insert("unevaluatedProperties".into(), Value::Bool(false));
    }
}

/// Doc comments are wrapped at the source's line width: join their lines,
/// keeping paragraph breaks, so that each description reads as text.
fn unwrap_descriptions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(text) if key == "description" => {
                        *text = text
                            .split("\n\n")
                            .map(|p| p.split('\n').map(str::trim).collect::<Vec<_>>().join(" "))
                            .collect::<Vec<_>>()
                            .join("\n\n");
                    }
                    _ => unwrap_descriptions(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

/// An IP address as serde writes it: `192.0.2.1`, `2001:db8::1`.
pub struct IpAddrText;

impl JsonSchema for IpAddrText {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "IpAddr".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "anyOf": [{ "format": "ipv4" }, { "format": "ipv6" }],
        })
    }
}

/// A network as serde writes it: an address, `/` and a prefix length
/// (`192.0.2.0/24`, `2001:db8::/32`).
pub struct IpNetText;

impl JsonSchema for IpNetText {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "IpNet".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": r"^[0-9A-Fa-f:.]+/[0-9]{1,3}$",
        })
    }
}
