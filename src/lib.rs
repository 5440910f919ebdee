pub mod batch;
pub mod collect;
pub mod evidence;
pub mod maps;

/// Language of rendered text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Sv,
}
pub mod analyse;
pub mod diff;
pub mod graph;
pub mod render;
pub mod scan;
pub mod spf_report;
