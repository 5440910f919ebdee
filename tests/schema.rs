//! The JSON Schemas in `docs/schema/`: generated from the model types,
//! committed, and checked here to be what this build generates. After an
//! intended change to the shape, rewrite them with
//! `UPDATE_SCHEMA=1 cargo test --test schema` (and bump the format version).

mod common;

use std::path::PathBuf;

use common::*;
use serde_json::{Value, json};
use transfermap::model::schema::{diff_schema, scan_schema, summary_schema};

fn generated() -> [(&'static str, Value); 3] {
    [
        ("scan", scan_schema()),
        ("diff", diff_schema()),
        ("summary", summary_schema()),
    ]
}

fn committed_path(name: &str) -> PathBuf {
    schema_dir().join(format!("{name}.schema.json"))
}

#[test]
fn committed_schemas_are_the_generated_ones() {
    let update = std::env::var_os("UPDATE_SCHEMA").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (name, schema) in generated() {
        let text = format!("{}\n", serde_json::to_string_pretty(&schema).unwrap());
        let path = committed_path(name);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed == text {
            continue;
        }
        if update {
            std::fs::create_dir_all(schema_dir()).unwrap();
            std::fs::write(&path, text).unwrap();
        } else {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date: {}; rewrite with UPDATE_SCHEMA=1 cargo test --test schema",
        stale.join(", ")
    );
}

/// Where a schema leaves something that ends up in the JSON undescribed:
/// a definition, a property or an enum variant without a `description`.
/// A tag (`kind`, `status`: a `const`) is described by its variant, and
/// so is the one value of a variant that carries one.
fn undocumented(schema: &Value, path: &str, in_variant: bool, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Array(values)) = map.get("enum")
                && values.len() > 1
            {
                out.push(format!("{path}: variants {values:?} without descriptions"));
            }
            if let Some(Value::Array(variants)) = map.get("oneOf") {
                for (i, v) in variants.iter().enumerate() {
                    if v.get("description").is_none() {
                        out.push(format!("{path}/oneOf/{i}: no description"));
                    }
                }
            }
            if let Some(Value::Object(props)) = map.get("properties") {
                let tags = props.values().filter(|p| p.get("const").is_some()).count();
                let carried_value = in_variant && props.len() == 2 && tags == 1;
                for (name, p) in props {
                    if p.get("description").is_none() && p.get("const").is_none() && !carried_value
                    {
                        out.push(format!("{path}/properties/{name}: no description"));
                    }
                }
            }
            if let Some(Value::Object(defs)) = map.get("$defs") {
                for (name, d) in defs {
                    if d.get("description").is_none() {
                        out.push(format!("{path}/$defs/{name}: no description"));
                    }
                }
            }
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("oneOf", Value::Array(variants)) => {
                        for (i, variant) in variants.iter().enumerate() {
                            let described = variant.get("description").is_some();
                            undocumented(variant, &format!("{path}/oneOf/{i}"), described, out);
                        }
                    }
                    ("properties" | "$defs", Value::Object(children)) => {
                        for (name, child) in children {
                            undocumented(child, &format!("{path}/{key}/{name}"), false, out);
                        }
                    }
                    _ => undocumented(v, &format!("{path}/{key}"), false, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                undocumented(item, &format!("{path}/{i}"), false, out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_field_and_variant_is_described() {
    for (name, schema) in generated() {
        let mut missing = Vec::new();
        undocumented(&schema, "#", false, &mut missing);
        assert!(
            missing.is_empty(),
            "{name}: add doc comments for:\n{}",
            missing.join("\n")
        );
    }
}

#[test]
fn node_keys_are_strings_with_a_known_prefix() {
    let schema = scan_schema();
    let key_schema = json!({ "$ref": "#/$defs/NodeKey", "$defs": schema["$defs"] });
    let validator = jsonschema::validator_for(&key_schema).unwrap();
    for good in [
        "org:example.se",
        "data:example.se",
        "host:mx1.example.se",
        "domain:reports.example.net",
        "spf:example.se",
        "dkim:selector1._domainkey.example.se",
        "token:ms",
        "addr:2001:db8::1",
        "range:192.0.2.0/24",
        "as:8075",
        "service:exchange-online",
        "provider:microsoft-ireland",
        "subprocessor:acme",
        "operator:acme",
        "site:model:server-room",
        "site:microsoft-sweden-central-gavle",
        "component:firewalls",
        "country:SE",
        "regime:us-cloud-act",
    ] {
        assert!(validator.is_valid(&json!(good)), "{good} is rejected");
        assert!(
            good.parse::<transfermap::model::key::NodeKey>().is_ok(),
            "{good} does not parse"
        );
    }
    for bad in ["nothing:x", "Host:mx1.example.se", "mx1.example.se", ""] {
        assert!(!validator.is_valid(&json!(bad)), "{bad} is accepted");
    }
    assert!(!validator.is_valid(&json!(8075)), "a number is accepted");
}

/// A real scan, to break in the tests below.
fn example_scan() -> Value {
    let zones = example("bollebygd/after").display().to_string();
    let run = run(&[
        "scan",
        "bollebygd.se",
        "--zone-file",
        &zones,
        "--as-of",
        "2026-11-25",
        "--format",
        "json",
    ]);
    assert_eq!(run.code(), 0, "stderr: {}", run.stderr());
    run.scan()
}

#[test]
fn the_scan_schema_rejects_what_serde_would_not_write() {
    let scan = example_scan();
    assert_eq!(JsonOutput::Scan.violations(&scan), Vec::<String>::new());

    // A node without evidence: a claim the scan cannot back.
    let mut no_evidence = scan.clone();
    no_evidence["graph"]["nodes"][0]["evidence"] = json!([]);
    let errors = JsonOutput::Scan.violations(&no_evidence);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/graph/nodes/0/evidence:")),
        "{errors:#?}"
    );

    // An edge to a node key of no known kind.
    let mut unknown_kind = scan.clone();
    unknown_kind["graph"]["edges"][0]["to"] = json!("planet:mars");
    let errors = JsonOutput::Scan.violations(&unknown_kind);
    assert!(
        errors.iter().any(|e| e.starts_with("/graph/edges/0/to:")),
        "{errors:#?}"
    );

    // A field the types do not have, at the top and inside an evidence
    // item (whose fields are flattened from its observation).
    let mut extra = scan.clone();
    extra["colour"] = json!("blue");
    extra["evidence"][0]["colour"] = json!("blue");
    let errors = JsonOutput::Scan.violations(&extra);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("(top level):") && e.contains("colour")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/evidence/0:") && e.contains("colour")),
        "{errors:#?}"
    );

    // A DNS answer missing a field serde always writes, and an edge kind
    // spelled other than kebab-case.
    let mut malformed = scan;
    let dns = malformed["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["kind"] == "dns")
        .unwrap();
    malformed["evidence"][dns]
        .as_object_mut()
        .unwrap()
        .remove("resolver");
    malformed["graph"]["edges"][0]["kind"] = json!("DeliversTo");
    let errors = JsonOutput::Scan.violations(&malformed);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&format!("/evidence/{dns}:")) && e.contains("resolver")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with("/graph/edges/0/kind:")),
        "{errors:#?}"
    );
}

#[test]
fn the_schemas_fix_format_and_version() {
    use transfermap::model::{diff, scan, summary};
    for (name, schema, format, version) in [
        (
            "scan",
            scan_schema(),
            scan::SCAN_FORMAT,
            scan::SCAN_FORMAT_VERSION,
        ),
        (
            "diff",
            diff_schema(),
            diff::DIFF_FORMAT,
            diff::DIFF_FORMAT_VERSION,
        ),
        (
            "summary",
            summary_schema(),
            summary::SUMMARY_FORMAT,
            summary::SUMMARY_FORMAT_VERSION,
        ),
    ] {
        assert_eq!(schema["properties"]["format"]["const"], format, "{name}");
        assert_eq!(schema["properties"]["version"]["const"], version, "{name}");
    }
}
