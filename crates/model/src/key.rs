//! Node keys: what a node of the transfer graph stands for, stable across
//! scans (so that two scans can be compared) and typed (so that no code
//! reads a key back by its prefix). Serialised as `kind:value` strings —
//! `host:mx1.example.se`, `provider:microsoft-ireland`, `country:SE` — as
//! external scripts read them.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub enum NodeKey {
    /// The organisation (its mail domain).
    Organisation(String),
    /// The organisation's e-mail and mailboxes: where every path starts.
    PersonalData(String),
    /// A host name (mail exchanger, SPF host, discovery target …).
    Host(String),
    /// A mail domain reports are sent to.
    Domain(String),
    /// The SPF record of a domain.
    Spf(String),
    /// A DKIM selector name (`selector1._domainkey.example.se`).
    Dkim(String),
    /// A verification token's prefix, lower case (`ms`, `google-site-verification`).
    Token(String),
    /// An IP address a host resolved to.
    Address(IpAddr),
    /// A network named in SPF.
    Range(IpNet),
    /// An autonomous system.
    Network(u32),
    /// A service in the maps.
    Service(String),
    /// A provider (legal entity) in the maps.
    Provider(String),
    /// A sub-processor a provider publishes (slug of its name).
    Subprocessor(String),
    /// An operator named by the organisation's model (slug of its name).
    Operator(String),
    /// A datacenter site in the maps.
    Site(String),
    /// A site named by the organisation's model (slug of its name).
    ModelSite(String),
    /// A component of the organisation's own system, from its model.
    Component(String),
    /// A country (ISO code, upper case).
    Country(String),
    /// A legal regime in the maps.
    Regime(String),
}

/// Prefixes in the order they are tried when reading (`site:model:` before
/// `site:`), each with what its value is: the schema lists both.
const PREFIXES: &[(&str, &str)] = &[
    ("org:", "the organisation (its mail domain)"),
    ("data:", "the organisation's e-mail and mailboxes"),
    ("host:", "a host name"),
    ("domain:", "a mail domain reports are sent to"),
    ("spf:", "the SPF record of a domain"),
    ("dkim:", "a DKIM selector name"),
    ("token:", "a verification token's prefix"),
    ("addr:", "an IP address"),
    ("range:", "a network named in SPF (address/prefix length)"),
    ("as:", "an autonomous system number"),
    ("service:", "a service in the maps"),
    ("provider:", "a provider (legal entity) in the maps"),
    ("subprocessor:", "a sub-processor a provider publishes"),
    ("operator:", "an operator named by the organisation's model"),
    ("site:model:", "a site named by the organisation's model"),
    ("site:", "a datacenter site in the maps"),
    ("component:", "a component of the organisation's own system"),
    ("country:", "a country (ISO code)"),
    ("regime:", "a legal regime in the maps"),
];

impl NodeKey {
    fn prefix(&self) -> &'static str {
        match self {
            NodeKey::Organisation(_) => "org:",
            NodeKey::PersonalData(_) => "data:",
            NodeKey::Host(_) => "host:",
            NodeKey::Domain(_) => "domain:",
            NodeKey::Spf(_) => "spf:",
            NodeKey::Dkim(_) => "dkim:",
            NodeKey::Token(_) => "token:",
            NodeKey::Address(_) => "addr:",
            NodeKey::Range(_) => "range:",
            NodeKey::Network(_) => "as:",
            NodeKey::Service(_) => "service:",
            NodeKey::Provider(_) => "provider:",
            NodeKey::Subprocessor(_) => "subprocessor:",
            NodeKey::Operator(_) => "operator:",
            NodeKey::ModelSite(_) => "site:model:",
            NodeKey::Site(_) => "site:",
            NodeKey::Component(_) => "component:",
            NodeKey::Country(_) => "country:",
            NodeKey::Regime(_) => "regime:",
        }
    }

    /// The value after the prefix, as text.
    pub fn value(&self) -> String {
        ValueOf(self).to_string()
    }

    /// The value of a key that holds text; `None` for addresses, networks
    /// and AS numbers, which are formatted.
    fn text(&self) -> Option<&str> {
        match self {
            NodeKey::Address(_) | NodeKey::Range(_) | NodeKey::Network(_) => None,
            NodeKey::Organisation(s)
            | NodeKey::PersonalData(s)
            | NodeKey::Host(s)
            | NodeKey::Domain(s)
            | NodeKey::Spf(s)
            | NodeKey::Dkim(s)
            | NodeKey::Token(s)
            | NodeKey::Service(s)
            | NodeKey::Provider(s)
            | NodeKey::Subprocessor(s)
            | NodeKey::Operator(s)
            | NodeKey::Site(s)
            | NodeKey::ModelSite(s)
            | NodeKey::Component(s)
            | NodeKey::Country(s)
            | NodeKey::Regime(s) => Some(s),
        }
    }

    /// A party that can be a recipient: a provider, sub-processor or an
    /// operator from the organisation's model.
    pub fn is_party(&self) -> bool {
        matches!(
            self,
            NodeKey::Provider(_) | NodeKey::Subprocessor(_) | NodeKey::Operator(_)
        )
    }
}

/// Written as its text (`host:mx1.example.se`), formatted straight into
/// the output: a scan writes tens of thousands of keys.
impl Serialize for NodeKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for NodeKey {
    // Written straight into the formatter: keys are formatted tens of
    // thousands of times a scan, and a copy of each is wasted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())?;
        fmt::Display::fmt(&ValueOf(self), f)
    }
}

/// A key's value after its prefix, for formatting.
struct ValueOf<'a>(&'a NodeKey);

impl fmt::Display for ValueOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            NodeKey::Address(ip) => fmt::Display::fmt(ip, f),
            NodeKey::Range(net) => fmt::Display::fmt(net, f),
            NodeKey::Network(n) => fmt::Display::fmt(n, f),
            key => f.write_str(key.text().unwrap_or_default()),
        }
    }
}

impl FromStr for NodeKey {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let Some((prefix, _)) = PREFIXES.iter().find(|(p, _)| text.starts_with(*p)) else {
            return Err(format!("`{text}` is not a node key (kind:value)"));
        };
        let v = &text[prefix.len()..];
        let s = || v.to_string();
        let bad = |what: &str| format!("`{text}`: `{v}` is not {what}");
        Ok(match *prefix {
            "org:" => NodeKey::Organisation(s()),
            "data:" => NodeKey::PersonalData(s()),
            "host:" => NodeKey::Host(s()),
            "domain:" => NodeKey::Domain(s()),
            "spf:" => NodeKey::Spf(s()),
            "dkim:" => NodeKey::Dkim(s()),
            "token:" => NodeKey::Token(s()),
            "addr:" => NodeKey::Address(v.parse().map_err(|_| bad("an IP address"))?),
            "range:" => NodeKey::Range(v.parse().map_err(|_| bad("a network"))?),
            "as:" => NodeKey::Network(v.parse().map_err(|_| bad("an AS number"))?),
            "service:" => NodeKey::Service(s()),
            "provider:" => NodeKey::Provider(s()),
            "subprocessor:" => NodeKey::Subprocessor(s()),
            "operator:" => NodeKey::Operator(s()),
            "site:model:" => NodeKey::ModelSite(s()),
            "site:" => NodeKey::Site(s()),
            "component:" => NodeKey::Component(s()),
            "country:" => NodeKey::Country(s()),
            _ => NodeKey::Regime(s()),
        })
    }
}

/// Written as a string, `kind:value`: the schema is a string whose
/// pattern admits the known prefixes.
impl schemars::JsonSchema for NodeKey {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "NodeKey".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let alternatives: Vec<String> = PREFIXES
            .iter()
            .map(|(p, _)| p.trim_end_matches(':').to_string())
            .collect();
        let pattern = format!("^(?:{}):", alternatives.join("|"));
        let kinds: Vec<String> = PREFIXES
            .iter()
            .map(|(p, what)| format!("`{p}` {what}"))
            .collect();
        let description = format!(
            "A node of the transfer graph, written `kind:value` (e.g. `host:mx1.example.se`); \
             stable across scans. Kinds: {}.",
            kinds.join("; ")
        );
        schemars::json_schema!({
            "type": "string",
            "pattern": pattern,
            "description": description,
        })
    }
}

impl TryFrom<String> for NodeKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<NodeKey> for String {
    fn from(k: NodeKey) -> String {
        k.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_as_they_are_written() {
        for text in [
            "host:mx1.example.se",
            "host:odd:name",
            "addr:2001:db8::1",
            "range:192.0.2.0/24",
            "as:8075",
            "site:model:server-room",
            "site:microsoft-sweden-central-gavle",
            "provider:microsoft-ireland",
            "country:SE",
            "token:ms",
        ] {
            let key: NodeKey = text.parse().unwrap();
            assert_eq!(key.to_string(), text);
        }
        assert_eq!(
            "site:model:x".parse::<NodeKey>().unwrap(),
            NodeKey::ModelSite("x".into())
        );
        assert!("nothing:x".parse::<NodeKey>().is_err());
        assert!("addr:not-an-ip".parse::<NodeKey>().is_err());
        let json = serde_json::to_string(&NodeKey::Network(8075)).unwrap();
        assert_eq!(json, "\"as:8075\"");
    }
}
