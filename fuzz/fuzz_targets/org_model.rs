//! Reading an organisation model (`--model FILE.toml`) on arbitrary text,
//! against the shipped knowledge base.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use transfermap_maps::KnowledgeBase;
use transfermap_maps::org::{COMPONENT_KINDS, ModelError, OrgModel};

static KB: LazyLock<KnowledgeBase> =
    LazyLock::new(|| KnowledgeBase::embedded().expect("the shipped maps load"));

fuzz_target!(|text: &str| {
    let lines = text.bytes().filter(|b| *b == b'\n').count() + 1;
    match OrgModel::parse("fuzz.toml", text, &KB) {
        Ok(model) => {
            assert_eq!(model.file, "fuzz.toml");
            for (i, c) in model.components.iter().enumerate() {
                assert!(COMPONENT_KINDS.contains(&c.kind.as_str()));
                assert!(
                    !model.components[..i].iter().any(|o| o.id == c.id),
                    "duplicate id {:?} accepted",
                    c.id
                );
                if let Some(p) = &c.provider {
                    assert!(KB.providers.contains_key(p));
                }
                assert!((1..=lines).contains(&c.line));
            }
        }
        Err(ModelError::Invalid(problems)) => {
            // An invalid model says why, and where in this file.
            assert!(!problems.is_empty());
            for p in &problems {
                assert_eq!(p.file, "fuzz.toml");
                assert!((1..=lines).contains(&p.line), "line {} of {lines}", p.line);
            }
        }
        Err(e @ ModelError::Read { .. }) => panic!("parse does not read files: {e}"),
    }
});
