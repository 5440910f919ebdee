//! The transfer map as a Mermaid flowchart, for Markdown that renders
//! diagrams (GitHub, GitLab, many wikis).

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::text::visible;
use transfermap_model::graph::NodeKind;
use transfermap_model::scan::Scan;

/// Mermaid labels are quoted strings in which `"`, `<`, `>`, `#`, `&` and
/// line breaks have meaning; everything outside a safe set becomes an
/// entity code (`#34;`), so DNS text cannot break out of the label.
pub fn label(text: &str) -> String {
    let mut out = String::new();
    for c in visible(text).chars().take(120) {
        if c.is_alphanumeric() || " .,:;-_/()+=@%".contains(c) {
            out.push(c);
        } else {
            let _ = write!(out, "#{};", c as u32);
        }
    }
    out
}

fn shape(kind: NodeKind, id: &str, text: &str) -> String {
    match kind {
        NodeKind::PersonalData => format!("{id}[/\"{text}\"/]"),
        NodeKind::Provider => format!("{id}{{{{\"{text}\"}}}}"),
        NodeKind::Country | NodeKind::Regime => format!("{id}([\"{text}\"])"),
        NodeKind::Site => format!("{id}[(\"{text}\")]"),
        _ => format!("{id}[\"{text}\"]"),
    }
}

pub fn to_mermaid(scan: &Scan, lang: transfermap_model::Lang) -> String {
    let mut s = String::from("flowchart LR\n");
    let ids: BTreeMap<&transfermap_model::key::NodeKey, String> = scan
        .graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (&n.key, format!("n{i}")))
        .collect();
    for n in &scan.graph.nodes {
        let text = crate::words::node_label(scan, &n.key, lang);
        let _ = writeln!(s, "  {}", shape(n.kind, &ids[&n.key], &label(&text)));
    }
    let hot: std::collections::BTreeSet<(&transfermap_model::key::NodeKey, _)> = scan
        .findings
        .iter()
        .flat_map(|f| f.occurrences().flat_map(|o| o.path.iter()))
        .map(|h| (&h.from, &h.to))
        .collect();
    let mut red = Vec::new();
    for (i, e) in scan.graph.edges.iter().enumerate() {
        let (Some(a), Some(b)) = (ids.get(&e.from), ids.get(&e.to)) else {
            continue;
        };
        let arrow = if e.edge.kind.carries_data() {
            "-->"
        } else {
            "-.->"
        };
        let _ = writeln!(
            s,
            "  {a} {arrow}|\"{}\"| {b}",
            label(crate::words::edge(e.edge.kind, lang))
        );
        if hot.contains(&(&e.from, &e.to)) {
            red.push(i.to_string());
        }
    }
    if !red.is_empty() {
        let _ = writeln!(
            s,
            "  linkStyle {} stroke:#c0392b,stroke-width:2px",
            red.join(",")
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn labels_cannot_break_out() {
        assert_eq!(label("a\"]; x-->y"), "a#34;#93;; x--#62;y");
        assert!(!label("<script>").contains('<'));
        assert!(!label("line\nbreak").contains('\n'));
    }
}
