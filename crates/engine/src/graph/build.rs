//! Building the transfer graph from what was collected and what the maps say.

use foldhash::{HashMap, HashMapExt};
use std::net::IpAddr;

use chrono::NaiveDate;
use ipnet::IpNet;
use petgraph::graph::NodeIndex;

use super::{EdgeKind, NodeKind, TransferGraph};
use transfermap_maps::org::{OrgModel, STORING_KINDS};
use transfermap_maps::{FingerprintKind, FingerprintTarget, KnowledgeBase, Origin};
use transfermap_model::collection::{Collection, HostResolution, MxSet};
use transfermap_model::evidence::{EvidenceId, EvidenceIds, EvidenceLog, Observation};
use transfermap_model::geo::{GeoFacts, network_ends};
use transfermap_model::graph::detail;
use transfermap_model::key::NodeKey;
use transfermap_model::spf::{Authorised, SpfNode};

pub struct BuildOptions<'m> {
    /// What the organisation declares about its own system.
    pub model: Option<&'m OrgModel>,
    /// The customer's country, for choosing which of a provider's data
    /// location declarations applies (e.g. `SE`: Swedish tenants).
    pub customer_country: Option<String>,
    pub as_of: NaiveDate,
}

struct Builder<'a> {
    g: TransferGraph,
    kb: &'a KnowledgeBase,
    log: &'a mut EvidenceLog,
    c: &'a Collection,
    opts: &'a BuildOptions<'a>,
    /// Map entries already recorded as evidence, by file and line.
    map_evidence: HashMap<(String, usize), EvidenceId>,
}

/// Build the graph. Map entries that are used are added to `log` as evidence.
pub fn build(
    c: &Collection,
    kb: &KnowledgeBase,
    log: &mut EvidenceLog,
    opts: &BuildOptions<'_>,
) -> TransferGraph {
    let mut b = Builder {
        g: TransferGraph::default(),
        kb,
        log,
        c,
        opts,
        map_evidence: HashMap::new(),
    };
    b.run();
    b.g
}

impl Builder<'_> {
    fn run(&mut self) {
        let c = self.c;
        let mx_ev = c.mx.evidence;
        let org = self.g.node(
            NodeKey::Organisation(c.domain.clone()),
            NodeKind::Organisation,
            c.domain.clone(),
            None,
            mx_ev,
        );
        let data = self.g.node(
            NodeKey::PersonalData(c.domain.clone()),
            NodeKind::PersonalData,
            format!("e-mail of {}", c.domain),
            None,
            mx_ev,
        );
        self.g.edge(org, data, EdgeKind::Holds, None, mx_ev);

        // Inbound mail.
        self.mail_exchangers(data, &c.mx, EdgeKind::DeliversTo, None);

        // Outbound mail: the SPF tree.
        let root = &c.spf.root;
        if root.record.is_some() {
            let spf = self.spf_node(root);
            self.g
                .edge(data, spf, EdgeKind::SendsVia, None, root.evidence.clone());
        }

        // DMARC report receivers.
        if let Some(dmarc) = &c.dmarc {
            for dest in &dmarc.destinations {
                let domain = self.domain_node(&dest.domain, dmarc.evidence);
                let detail = match dest.authorised {
                    Some(false) => format!(
                        "{} ({}; receiver does not accept reports for this domain)",
                        dest.kind.tag(),
                        dest.address
                    ),
                    _ => format!("{} ({})", dest.kind.tag(), dest.address),
                };
                let ev = EvidenceIds::new(dmarc.evidence, dest.authorisation_evidence);
                self.g
                    .edge(data, domain, EdgeKind::ReportsTo, Some(detail), ev);
                self.fingerprint_name(
                    domain,
                    FingerprintKind::DmarcReceiver,
                    &dest.domain,
                    dmarc.evidence,
                );
                let set = if dest.domain == c.domain {
                    Some(&c.mx)
                } else {
                    c.other_mx.get(&dest.domain)
                };
                if let Some(set) = set {
                    self.mail_exchangers(domain, set, EdgeKind::DeliversTo, None);
                }
            }
        }

        // Autodiscover: where users' mail clients connect.
        let auto = &c.autodiscover;
        if !auto.addresses.is_empty() || !auto.aliases.is_empty() {
            let name = format!("autodiscover.{}", c.domain);
            let ev = first_evidence(auto);
            let host = self.host(&name, ev);
            self.g.edge(data, host, EdgeKind::ClientAccess, None, ev);
            self.resolution(host, &name, auto);
        }

        self.families(data);
        if let Some(model) = self.opts.model {
            self.model(data, model);
        }
        self.mailbox_behind_gateway();
        self.declarations();
        self.subprocessors();
    }

    /// DKIM delegations, discovery names, TLS-RPT receivers, verification tokens.
    fn families(&mut self, data: NodeIndex) {
        let c = self.c;
        let f = &c.families;
        for d in &f.dkim {
            // A selector delegated by CNAME means the target's operator signs
            // (and so sends) mail for the domain.
            let key = self.g.node(
                NodeKey::Dkim(d.name.clone()),
                NodeKind::Domain,
                format!("DKIM {}", d.selector),
                None,
                d.evidence,
            );
            let detail = Some(format!("DKIM {}", d.selector));
            self.g
                .edge(data, key, EdgeKind::SendsVia, detail, d.evidence);
            let mut current = key;
            for target in &d.aliases {
                let next = self.host(target, d.evidence);
                self.g
                    .edge(current, next, EdgeKind::AliasOf, None, d.evidence);
                self.fingerprint_name(next, FingerprintKind::Cname, target, d.evidence);
                current = next;
            }
        }
        for d in &f.discovery {
            let detail = Some(d.name.split('.').next().unwrap_or("").to_string());
            if d.name.starts_with('_') {
                // SRV: clients connect to the targets.
                for target in &d.targets {
                    let host = self.host(target, d.evidence);
                    self.g.edge(
                        data,
                        host,
                        EdgeKind::ClientAccess,
                        Some(d.name.clone()),
                        d.evidence,
                    );
                    // An SRV target names the provider's endpoint as a
                    // CNAME target does: either kind of fingerprint applies.
                    self.fingerprint_name(host, FingerprintKind::Host, target, d.evidence);
                    self.fingerprint_name(host, FingerprintKind::Cname, target, d.evidence);
                    if let Some(res) = c.hosts.get(target) {
                        self.resolution(host, target, res);
                    }
                }
                continue;
            }
            let host = self.host(&d.name, d.evidence);
            self.g
                .edge(data, host, EdgeKind::ClientAccess, detail, d.evidence);
            match c.hosts.get(&d.name) {
                Some(res) => self.resolution(host, &d.name, res),
                None => {
                    let mut current = host;
                    for target in &d.targets {
                        let next = self.host(target, d.evidence);
                        self.g
                            .edge(current, next, EdgeKind::AliasOf, None, d.evidence);
                        current = next;
                    }
                }
            }
        }
        if let Some((_, ev)) = &f.tls_rpt {
            for dest in &f.tls_rpt_destinations {
                let detail = Some(format!("TLS-RPT ({})", dest.uri));
                if dest.is_mail {
                    let domain = self.domain_node(&dest.host, *ev);
                    self.g.edge(data, domain, EdgeKind::ReportsTo, detail, *ev);
                    self.fingerprint_name(domain, FingerprintKind::DmarcReceiver, &dest.host, *ev);
                    let set = if dest.host == c.domain {
                        Some(&c.mx)
                    } else {
                        c.other_mx.get(&dest.host)
                    };
                    if let Some(set) = set {
                        self.mail_exchangers(domain, set, EdgeKind::DeliversTo, None);
                    }
                } else {
                    let host = self.host(&dest.host, *ev);
                    self.g.edge(data, host, EdgeKind::ReportsTo, detail, *ev);
                    if let Some(res) = c.hosts.get(&dest.host) {
                        self.resolution(host, &dest.host, res);
                    }
                }
            }
        }
        for t in &f.tokens {
            let node = self.g.node(
                NodeKey::Token(t.prefix.to_ascii_lowercase()),
                NodeKind::Domain,
                format!("{}{}", transfermap_model::graph::TOKEN_LABEL, t.prefix),
                None,
                t.evidence,
            );
            self.g.edge(
                data,
                node,
                EdgeKind::HasAccountsAt,
                Some(t.prefix.clone()),
                t.evidence,
            );
            self.fingerprint_name(node, FingerprintKind::TxtPrefix, &t.prefix, t.evidence);
        }
    }

    fn mail_exchangers(
        &mut self,
        from: NodeIndex,
        set: &MxSet,
        kind: EdgeKind,
        detail: Option<String>,
    ) {
        for mx in &set.exchangers {
            let host = self.host(&mx.host, mx.evidence);
            self.g.edge(from, host, kind, detail.clone(), mx.evidence);
            self.fingerprint_name(host, FingerprintKind::Mx, &mx.host, mx.evidence);
            if let Some(res) = self.c.hosts.get(&mx.host) {
                self.resolution(host, &mx.host, res);
            }
        }
    }

    fn host(&mut self, name: &str, ev: EvidenceId) -> NodeIndex {
        let ix = self.g.node(
            NodeKey::Host(name.to_string()),
            NodeKind::Host,
            name,
            None,
            ev,
        );
        self.fingerprint_name(ix, FingerprintKind::Host, name, ev);
        ix
    }

    fn domain_node(&mut self, name: &str, ev: EvidenceId) -> NodeIndex {
        self.g.node(
            NodeKey::Domain(name.to_string()),
            NodeKind::Domain,
            name,
            None,
            ev,
        )
    }

    /// CNAME chain and addresses of a host.
    fn resolution(&mut self, start: NodeIndex, name: &str, res: &HostResolution) {
        let mut current = start;
        let mut current_name = name.to_string();
        for (alias, target, ev) in &res.aliases {
            if *alias != current_name {
                continue;
            }
            let next = self.host(target, *ev);
            self.g.edge(current, next, EdgeKind::AliasOf, None, *ev);
            self.fingerprint_name(next, FingerprintKind::Cname, target, *ev);
            current = next;
            current_name = target.clone();
        }
        for (ip, ev) in &res.addresses {
            let addr = self.address(*ip, *ev);
            self.g.edge(current, addr, EdgeKind::ResolvesTo, None, *ev);
        }
    }

    fn address(&mut self, ip: IpAddr, ev: EvidenceId) -> NodeIndex {
        let ix = self.g.node(
            NodeKey::Address(ip),
            NodeKind::Address,
            ip.to_string(),
            None,
            ev,
        );
        if let Some(facts) = self.c.geo.get(&ip).cloned() {
            self.geo_edges(ix, &facts, true);
        }
        ix
    }

    fn range(&mut self, net: &IpNet, ev: EvidenceIds) -> NodeIndex {
        let ix = self.g.node(
            NodeKey::Range(*net),
            NodeKind::AddressRange,
            net.to_string(),
            None,
            ev,
        );
        // Where the whole range is, from every database network inside it
        // (a scan of an older version has only both ends: use those).
        let whole = self.c.ranges.get(net).cloned();
        if let Some(r) = &whole {
            for share in &r.shares {
                let country = self.country(&share.country, r.evidence);
                self.g.edge(
                    ix,
                    country,
                    EdgeKind::LocatedIn,
                    Some(detail::geolocated_share(share.pct)),
                    r.evidence,
                );
            }
        }
        // Who announces it and where the holder is registered, from both ends.
        for ip in network_ends(net) {
            if let Some(facts) = self.c.geo.get(&ip).cloned() {
                self.geo_edges(ix, &facts, whole.is_none());
            }
        }
        ix
    }

    /// Geolocated country (when `located`), network and the network's
    /// registry country.
    fn geo_edges(&mut self, ix: NodeIndex, facts: &GeoFacts, located: bool) {
        if let Some(f) = facts.geolocated_country.as_ref().filter(|_| located) {
            let country = self.country(&f.value, f.evidence);
            self.g.edge(
                ix,
                country,
                EdgeKind::LocatedIn,
                Some(detail::GEOLOCATED.into()),
                f.evidence,
            );
        }
        let Some(asn) = &facts.asn else {
            // No network known: the registry country still describes the holder.
            if let Some(r) = &facts.registry_country {
                let country = self.country(&r.value, r.evidence);
                self.g
                    .edge(ix, country, EdgeKind::RegisteredIn, None, r.evidence);
            }
            return;
        };
        let label = if asn.value.holder.is_empty() {
            format!("AS{}", asn.value.number)
        } else {
            format!("AS{} {}", asn.value.number, asn.value.holder)
        };
        let net = self.g.node(
            NodeKey::Network(asn.value.number),
            NodeKind::Network,
            label,
            None,
            asn.evidence,
        );
        self.g
            .edge(ix, net, EdgeKind::AnnouncedBy, None, asn.evidence);
        if let Some(r) = &facts.registry_country {
            let country = self.country(&r.value, r.evidence);
            self.g
                .edge(net, country, EdgeKind::RegisteredIn, None, r.evidence);
        }
        let asn_text = asn.value.number.to_string();
        self.fingerprint_name(net, FingerprintKind::Asn, &asn_text, asn.evidence);
    }

    fn country(&mut self, code: &str, ev: EvidenceId) -> NodeIndex {
        let code = code.to_ascii_uppercase();
        let label = self.kb.country_name(&code, transfermap_model::Lang::En);
        self.g.node(
            NodeKey::Country(code.clone()),
            NodeKind::Country,
            label,
            Some(code),
            ev,
        )
    }

    fn spf_node(&mut self, node: &SpfNode) -> NodeIndex {
        let ix = self.g.node(
            NodeKey::Spf(node.domain.clone()),
            NodeKind::Domain,
            format!("SPF {}", node.domain),
            None,
            node.evidence.clone(),
        );
        if node.reached_by.is_some() {
            self.fingerprint_name(
                ix,
                FingerprintKind::SpfInclude,
                &node.domain,
                node.evidence.first(),
            );
            // A record under the organisation's own domain is its own: it
            // is published by the organisation, whoever sends from it.
            let own = &self.c.domain;
            if (node.domain == *own || node.domain.ends_with(&format!(".{own}")))
                && let Some(org) = self.g.find(&NodeKey::Organisation(own.clone()))
            {
                self.g.edge(
                    ix,
                    org,
                    EdgeKind::OperatedBy,
                    Some(detail::OWN_RECORD.into()),
                    node.evidence.first(),
                );
            }
        }
        for a in &node.authorises {
            match a {
                Authorised::Network(net) => {
                    let r = self.range(net, node.evidence.clone());
                    self.g
                        .edge(ix, r, EdgeKind::Authorises, None, node.evidence.clone());
                }
                Authorised::Host(name) => {
                    let h = self.host(name, node.evidence.first());
                    self.g.edge(
                        ix,
                        h,
                        EdgeKind::Authorises,
                        Some("a".into()),
                        node.evidence.clone(),
                    );
                    if let Some(res) = self.c.hosts.get(name) {
                        self.resolution(h, name, res);
                    }
                }
                Authorised::MailExchangers(domain) => {
                    let set = if *domain == self.c.domain {
                        Some(&self.c.mx)
                    } else {
                        self.c.other_mx.get(domain)
                    };
                    if let Some(set) = set {
                        self.mail_exchangers(ix, set, EdgeKind::Authorises, Some("mx".into()));
                    }
                }
            }
        }
        for child in &node.children {
            let cix = self.spf_node(child);
            self.g.edge(
                ix,
                cix,
                EdgeKind::Authorises,
                child.reached_by.map(|r| r.as_str().to_string()),
                child.evidence.clone(),
            );
        }
        ix
    }

    fn map_ev(&mut self, origin: &Origin, entry: &str, id: &str) -> EvidenceId {
        let key = (origin.file.clone(), origin.line);
        if let Some(ev) = self.map_evidence.get(&key) {
            return *ev;
        }
        let ev = self
            .log
            .record(Observation::Map(KnowledgeBase::entry_evidence(
                origin, entry, id,
            )));
        self.map_evidence.insert(key, ev);
        ev
    }

    /// Attribute a node to a service or provider when a fingerprint matches.
    fn fingerprint_name(
        &mut self,
        ix: NodeIndex,
        kind: FingerprintKind,
        value: &str,
        seen: EvidenceId,
    ) {
        let matches: Vec<_> = self
            .kb
            .fingerprints_matching(kind, value)
            .cloned()
            .collect();
        for f in matches {
            let fev = self.map_ev(&f.origin, "fingerprint", &f.pattern);
            let detail = Some(detail::fingerprint(&f.pattern));
            let target = match &f.target {
                FingerprintTarget::Service(id) => self.service(id),
                FingerprintTarget::Provider(id) => self.provider(id),
            };
            let Some(target) = target else { continue };
            let kind = match f.target {
                FingerprintTarget::Service(_) => EdgeKind::PartOf,
                FingerprintTarget::Provider(_) => EdgeKind::OperatedBy,
            };
            // The first observation that matched is evidence enough; more
            // sightings of the same name would only repeat it.
            if !self.g.has_edge(ix, target, kind) {
                self.g
                    .edge(ix, target, kind, detail, EvidenceIds::new(seen, [fev]));
            }
        }
    }

    fn service(&mut self, id: &str) -> Option<NodeIndex> {
        let s = self.kb.services.get(id)?.clone();
        let ev = self.map_ev(&s.origin, "service", &s.id);
        let ix = self.g.node(
            NodeKey::Service(id.to_string()),
            NodeKind::Service,
            s.name.clone(),
            None,
            ev,
        );
        self.g.graph[ix].label_sv.clone_from(&s.name_sv);
        if let Some(p) = self.provider(&s.provider) {
            self.g.edge(
                ix,
                p,
                EdgeKind::OperatedBy,
                Some(detail::CONTRACTING_ENTITY.into()),
                ev,
            );
        }
        Some(ix)
    }

    fn provider(&mut self, id: &str) -> Option<NodeIndex> {
        if let Some(ix) = self.g.find(&NodeKey::Provider(id.to_string())) {
            return Some(ix);
        }
        let p = self.kb.providers.get(id)?.clone();
        let ev = self.map_ev(&p.origin, "provider", &p.id);
        let ix = self.g.node(
            NodeKey::Provider(id.to_string()),
            NodeKind::Provider,
            p.name.clone(),
            p.country.clone(),
            ev,
        );
        self.g.graph[ix].label_sv.clone_from(&p.name_sv);
        // An entity no source names has no known country, and claims none.
        if let Some(code) = &p.country {
            let country = self.country(code, ev);
            self.g.edge(ix, country, EdgeKind::IncorporatedIn, None, ev);
        }
        for r in &p.regimes {
            if let Some(regime) = self.kb.regimes.get(r).cloned() {
                let rev = self.map_ev(&regime.origin, "regime", &regime.id);
                let rix = self.g.node(
                    NodeKey::Regime(regime.id.clone()),
                    NodeKind::Regime,
                    regime.name.clone(),
                    Some(regime.country.clone()),
                    rev,
                );
                self.g.edge(
                    ix,
                    rix,
                    EdgeKind::SubjectTo,
                    None,
                    EvidenceIds::new(ev, [rev]),
                );
            }
        }
        if let Some(parent) = &p.parent
            && let Some(pix) = self.provider(parent)
        {
            self.g.edge(ix, pix, EdgeKind::OwnedBy, None, ev);
        }
        Some(ix)
    }

    /// When the MX hosts are a filter or gateway rather than a mailbox
    /// service, the domain's other records may still name the mailbox
    /// service behind them: a DKIM selector or autodiscover delegated to
    /// it, its own inbound host for the domain, an SPF include of its
    /// provider. Then each MX host gets an inferred `delivers-to` edge to
    /// that service, resting on those records, with the rule and strength.
    /// A verification token alone (`MS=`: an Entra ID tenant) never names
    /// a mailbox.
    fn mailbox_behind_gateway(&mut self) {
        use transfermap_model::graph::{Inference, InferenceRule, Signal, Strength};
        let c = self.c;
        let kb = self.kb;
        let hosts: Vec<(NodeIndex, EvidenceId)> =
            c.mx.exchangers
                .iter()
                .filter(|m| !m.implicit)
                .filter_map(|m| Some((self.g.find(&NodeKey::Host(m.host.clone()))?, m.evidence)))
                .collect();
        if hosts.is_empty() {
            return;
        }
        let matches = |kind: FingerprintKind, name: &str, service: &str| {
            kb.fingerprints_matching(kind, name)
                .any(|f| matches!(&f.target, FingerprintTarget::Service(s) if s == service))
        };
        let mailboxes: Vec<&str> = kb
            .services
            .values()
            .filter(|s| s.mailbox)
            .map(|s| s.id.as_str())
            .collect();
        // An MX host that is itself a mailbox service's: no gateway.
        let direct = c.mx.exchangers.iter().any(|m| {
            mailboxes.iter().any(|id| {
                matches(FingerprintKind::Mx, &m.host, id)
                    || matches(FingerprintKind::Host, &m.host, id)
            })
        });
        if direct {
            return;
        }
        let mut found: Vec<(&str, Strength, Vec<Signal>, Vec<EvidenceId>)> = Vec::new();
        for &id in &mailboxes {
            let mut signals = Vec::new();
            let mut evidence = Vec::new();
            for d in &c.families.dkim {
                if d.aliases
                    .iter()
                    .any(|a| matches(FingerprintKind::Cname, a, id))
                {
                    signals.push(Signal::Dkim);
                    evidence.push(d.evidence);
                }
            }
            let auto_cname = c
                .autodiscover
                .aliases
                .iter()
                .filter(|(_, t, _)| matches(FingerprintKind::Cname, t, id))
                .map(|a| a.2);
            let auto_srv = c
                .families
                .discovery
                .iter()
                .filter(|d| d.name.starts_with("_autodiscover."))
                .filter(|d| {
                    d.targets.iter().any(|t| {
                        matches(FingerprintKind::Host, t, id)
                            || matches(FingerprintKind::Cname, t, id)
                    })
                })
                .map(|d| d.evidence);
            for ev in auto_cname.chain(auto_srv) {
                signals.push(Signal::Autodiscover);
                evidence.push(ev);
            }
            if let Some(t) = c.families.tenant_host.as_ref().filter(|t| t.exists)
                && matches(FingerprintKind::Mx, &t.name, id)
            {
                signals.push(Signal::TenantHost);
                evidence.push(t.evidence);
            }
            let provider = &kb.services[id].provider;
            for node in c.spf.nodes().into_iter().filter(|n| n.reached_by.is_some()) {
                let same = kb
                    .fingerprints_matching(FingerprintKind::SpfInclude, &node.domain)
                    .any(|f| {
                        matches!(&f.target, FingerprintTarget::Service(s)
                            if kb.services.get(s).is_some_and(|x| &x.provider == provider))
                    });
                if same {
                    signals.push(Signal::SpfInclude);
                    evidence.push(node.evidence.first());
                }
            }
            signals.sort();
            signals.dedup();
            let independent = signals.iter().filter(|s| **s != Signal::SpfInclude).count();
            let strength = match independent {
                0 if signals.contains(&Signal::SpfInclude) => Strength::Weak,
                0 => continue,
                1 => Strength::Medium,
                _ => Strength::Strong,
            };
            found.push((id, strength, signals, evidence));
        }
        // Only the best supported service(s): a weak sign of one provider
        // does not stand beside a strong sign of another.
        let Some(best) = found.iter().map(|f| f.1).min() else {
            return;
        };
        for (id, strength, signals, evidence) in found.into_iter().filter(|f| f.1 == best) {
            let Some(service) = self.service(id) else {
                continue;
            };
            for &(host, mx_ev) in &hosts {
                let ev = EvidenceIds::new(mx_ev, evidence.iter().copied());
                self.g.inferred_edge(
                    host,
                    service,
                    EdgeKind::DeliversTo,
                    Some(detail::BEHIND_GATEWAY.into()),
                    ev,
                    Inference {
                        rule: InferenceRule::MailboxBehindGateway,
                        strength,
                        signals: signals.clone(),
                    },
                );
            }
        }
    }

    /// For each service in the graph, the provider's declared data locations
    /// that apply to this customer.
    fn declarations(&mut self) {
        let services: Vec<String> = self
            .g
            .graph
            .node_weights()
            .filter_map(|n| match &n.key {
                NodeKey::Service(id) => Some(id.clone()),
                _ => None,
            })
            .collect();
        for sid in services {
            let Some(decl) = self.applicable_declaration(&sid).cloned() else {
                continue;
            };
            let Some(six) = self.g.find(&NodeKey::Service(sid.clone())) else {
                continue;
            };
            let dev = self.map_ev(
                &decl.origin,
                "declaration",
                &format!("{sid} for {}", decl.customers),
            );
            for (sites, kind) in [
                (&decl.stores_in, EdgeKind::Stores),
                (&decl.processes_in, EdgeKind::ProcessesIn),
            ] {
                for site_id in sites {
                    if let Some(site) = self.site(site_id) {
                        let detail = Some(detail::declared_for(&decl.customers));
                        self.g.edge(six, site, kind, detail, dev);
                    }
                }
            }
        }
    }

    /// Merge the organisation's model: its components, how mail passes
    /// between them, where they stand and who runs them.
    fn model(&mut self, data: NodeIndex, model: &OrgModel) {
        let mut ids = HashMap::new();
        for c in &model.components {
            let origin = Origin {
                file: model.file.clone(),
                line: c.line,
                source: model.source.clone(),
                checked: model.checked,
                note: c.note.clone(),
            };
            let ev = self.map_ev(&origin, "component", &c.id);
            let node = self.g.node(
                NodeKey::Component(c.id.clone()),
                NodeKind::Component,
                c.name.clone(),
                None,
                ev,
            );
            ids.insert(c.id.clone(), (node, ev));
            for host in &c.hosts {
                if let Some(h) = self.g.find(&NodeKey::Host(host.clone())) {
                    self.g.edge(
                        h,
                        node,
                        EdgeKind::PartOf,
                        Some(detail::ORGANISATION_MODEL.into()),
                        ev,
                    );
                }
            }
            let storing = STORING_KINDS.contains(&c.kind.as_str());
            for site in &c.sites {
                let slug = slug(&site.name);
                let six = self.g.node(
                    NodeKey::ModelSite(slug),
                    NodeKind::Site,
                    site.name.clone(),
                    Some(site.country.clone()),
                    ev,
                );
                let kind = if storing {
                    EdgeKind::Stores
                } else {
                    EdgeKind::ProcessesIn
                };
                self.g.edge(
                    node,
                    six,
                    kind,
                    Some(detail::DECLARED_BY_ORGANISATION.into()),
                    ev,
                );
                let country = self.country(&site.country, ev);
                self.g.edge(
                    six,
                    country,
                    EdgeKind::LocatedIn,
                    Some(detail::DECLARED.into()),
                    ev,
                );
            }
            let operator = match (&c.provider, &c.operator, &c.operator_country) {
                (Some(p), _, _) => self.provider(p),
                (None, Some(name), Some(cc)) => {
                    let slug = slug(name);
                    let op = self.g.node(
                        NodeKey::Operator(slug),
                        NodeKind::Provider,
                        name.clone(),
                        Some(cc.clone()),
                        ev,
                    );
                    let country = self.country(cc, ev);
                    self.g.edge(op, country, EdgeKind::IncorporatedIn, None, ev);
                    Some(op)
                }
                _ => None,
            };
            if let Some(op) = operator {
                self.g.edge(
                    node,
                    op,
                    EdgeKind::OperatedBy,
                    Some(detail::ORGANISATION_MODEL.into()),
                    ev,
                );
            }
        }
        for c in &model.components {
            let (node, ev) = ids[&c.id];
            for from in &c.receives_from {
                let source = if from == "mailboxes" {
                    Some(data)
                } else {
                    ids.get(from).map(|x| x.0)
                };
                if let Some(src) = source {
                    self.g.edge(src, node, EdgeKind::FlowsTo, None, ev);
                }
            }
        }
    }

    /// The sub-processors the provider (or its parent) publishes for a service.
    fn subprocessors(&mut self) {
        let services: Vec<(String, String)> = self
            .g
            .graph
            .node_weights()
            .filter_map(|n| {
                let NodeKey::Service(id) = &n.key else {
                    return None;
                };
                let provider = self.kb.services.get(id)?.provider.clone();
                Some((id.clone(), provider))
            })
            .collect();
        for (sid, provider) in services {
            let chain: Vec<String> = self
                .kb
                .provider_chain(&provider)
                .iter()
                .map(|p| p.id.clone())
                .collect();
            let list: Vec<_> = self
                .kb
                .subprocessors
                .iter()
                .filter(|sp| chain.contains(&sp.provider))
                .filter(|sp| sp.services.is_empty() || sp.services.contains(&sid))
                .cloned()
                .collect();
            let Some(six) = self.g.find(&NodeKey::Service(sid.clone())) else {
                continue;
            };
            for sp in list {
                let ev = self.map_ev(&sp.origin, "subprocessor", &sp.name);
                let key = NodeKey::Subprocessor(slug(&sp.name));
                let label = sp.label();
                // One company on two providers' lists is one node; its
                // function is then each list's own, on each step to it, and
                // the node is named by the company alone.
                let shared = self
                    .g
                    .find(&key)
                    .is_some_and(|ix| self.g.graph[ix].label != label);
                // The entity's own country is where it is incorporated; the
                // list's country is only where it processes.
                let node = self.g.node(
                    key,
                    NodeKind::Provider,
                    label,
                    Some(
                        sp.incorporated
                            .clone()
                            .unwrap_or_else(|| sp.country.clone()),
                    ),
                    ev,
                );
                let n = &mut self.g.graph[node];
                if shared {
                    n.label.clone_from(&sp.name);
                    n.label_sv = None;
                } else {
                    n.label_sv = sp.label_sv();
                }
                let step = self.g.edge(
                    six,
                    node,
                    EdgeKind::SubProcesses,
                    Some(sp.function.clone()),
                    ev,
                );
                self.g.graph[step].detail_sv.clone_from(&sp.function_sv);
                let country = self.country(&sp.country, ev);
                self.g.edge(node, country, EdgeKind::ProcessesIn, None, ev);
                if let Some(inc) = &sp.incorporated {
                    let country = self.country(inc, ev);
                    self.g
                        .edge(node, country, EdgeKind::IncorporatedIn, None, ev);
                }
            }
        }
    }

    fn applicable_declaration(&self, service: &str) -> Option<&transfermap_maps::Declaration> {
        let of_service = || {
            self.kb
                .declarations
                .iter()
                .filter(move |d| d.service == service)
        };
        let customer = self.opts.customer_country.as_deref();
        if let Some(cc) = customer {
            if let Some(d) = of_service().find(|d| d.customers == cc) {
                return Some(d);
            }
            if self.kb.in_eea(cc, self.opts.as_of)
                && let Some(d) = of_service().find(|d| d.customers == "EU")
            {
                return Some(d);
            }
        }
        of_service().find(|d| d.customers == "*")
    }

    fn site(&mut self, id: &str) -> Option<NodeIndex> {
        let s = self.kb.sites.get(id)?.clone();
        let ev = self.map_ev(&s.origin, "site", &s.id);
        let label = match &s.region {
            Some(r) => format!("{} ({r})", s.city),
            None => s.city.clone(),
        };
        let ix = self.g.node(
            NodeKey::Site(id.to_string()),
            NodeKind::Site,
            label,
            Some(s.country.clone()),
            ev,
        );
        let country = self.country(&s.country, ev);
        self.g.edge(
            ix,
            country,
            EdgeKind::LocatedIn,
            Some(detail::DECLARED.into()),
            ev,
        );
        if let Some(op) = self.provider(&s.operator) {
            self.g.edge(ix, op, EdgeKind::OperatedBy, None, ev);
        }
        Some(ix)
    }
}

fn first_evidence(res: &HostResolution) -> EvidenceId {
    res.aliases
        .first()
        .map(|a| a.2)
        .or_else(|| res.addresses.first().map(|a| a.1))
        .unwrap_or(EvidenceId(0))
}

/// A node-key fragment from a free-text name: lower case, anything but
/// letters and digits turned into `-`.
pub(crate) fn slug(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect()
}
