//! Every user-facing word of the renderers that is not in a template:
//! severities, bases, rule titles, and the notes of findings.

use transfermap_model::Lang;
use transfermap_model::finding::{Artefact, Basis, Note, RuleCode, Severity, Unknown};
use transfermap_model::graph::{Inference, InferenceRule, Signal, Strength};

pub fn severity(s: Severity, lang: Lang) -> &'static str {
    match (s, lang) {
        (Severity::High, Lang::En) => "high",
        (Severity::Medium, Lang::En) => "medium",
        (Severity::Low, Lang::En) => "low",
        (Severity::Info, Lang::En) => "info",
        (Severity::High, Lang::Sv) => "hög",
        (Severity::Medium, Lang::Sv) => "medel",
        (Severity::Low, Lang::Sv) => "låg",
        (Severity::Info, Lang::Sv) => "info",
    }
}

pub fn basis(b: Basis, lang: Lang) -> &'static str {
    match (b, lang) {
        (Basis::Measured, Lang::En) => "measured",
        (Basis::Declared, Lang::En) => "declared",
        (Basis::Legal, Lang::En) => "legal",
        (Basis::Organisation, Lang::En) => "declared by the organisation",
        (Basis::Measured, Lang::Sv) => "uppmätt",
        (Basis::Declared, Lang::Sv) => "uppgiven",
        (Basis::Legal, Lang::Sv) => "rättslig bedömning",
        (Basis::Organisation, Lang::Sv) => "uppgiven av organisationen",
    }
}

/// The rule's one-line title.
pub fn rule_title(code: RuleCode, lang: Lang) -> &'static str {
    match (code, lang) {
        (RuleCode::Tm101, Lang::En) => "A server the data reaches is geolocated outside the EU/EEA",
        (RuleCode::Tm101, Lang::Sv) => {
            "En server som uppgifterna når är geolokaliserad utanför EU/EES"
        }
        (RuleCode::Tm102, Lang::En) => {
            "The provider declares storage or processing outside the EU/EEA"
        }
        (RuleCode::Tm102, Lang::Sv) => {
            "Leverantören uppger lagring eller behandling utanför EU/EES"
        }
        (RuleCode::Tm103, Lang::En) => {
            "A provider on the path is under a third country's law (e.g. CLOUD Act, FISA 702)"
        }
        (RuleCode::Tm103, Lang::Sv) => {
            "En leverantör på vägen lyder under ett tredjelands lag (t.ex. CLOUD Act, FISA 702)"
        }
        (RuleCode::Tm104, Lang::En) => {
            "The network's holder is registered outside the EU/EEA (operator's jurisdiction, not the server's location)"
        }
        (RuleCode::Tm104, Lang::Sv) => {
            "Nätets innehavare är registrerad utanför EU/EES (operatörens jurisdiktion, inte serverns plats)"
        }
        (RuleCode::Tm105, Lang::En) => {
            "A sub-processor the provider publishes for the service is in a third country"
        }
        (RuleCode::Tm105, Lang::Sv) => {
            "Ett underbiträde som leverantören anger för tjänsten finns i ett tredjeland"
        }
        (RuleCode::Tm106, Lang::En) => {
            "DMARC failure reports (ruf: headers and content) go to a third country or a third country's law"
        }
        (RuleCode::Tm106, Lang::Sv) => {
            "DMARC-felrapporter (ruf: e-posthuvuden och innehåll) går till ett tredjeland eller ett tredjelands lag"
        }
        (RuleCode::Tm107, Lang::En) => {
            "Aggregate reports (DMARC rua, TLS-RPT: sender addresses, volumes) go to a third country or a third country's law"
        }
        (RuleCode::Tm107, Lang::Sv) => {
            "Aggregerade rapporter (DMARC rua, TLS-RPT: avsändaradresser, volymer) går till ett tredjeland eller ett tredjelands lag"
        }
        (RuleCode::Tm108, Lang::En) => {
            "The SPF record authorises senders geolocated outside the EU/EEA: outbound mail may leave from there"
        }
        (RuleCode::Tm108, Lang::Sv) => {
            "SPF-posten tillåter avsändare geolokaliserade utanför EU/EES: utgående e-post kan skickas därifrån"
        }
        (RuleCode::Tm109, Lang::En) => {
            "Registry and geolocated country differ: the first is the network holder's jurisdiction, the second the believed location"
        }
        (RuleCode::Tm109, Lang::Sv) => {
            "Registerland och geolokaliserat land skiljer sig: det första är nätinnehavarens jurisdiktion, det andra den troliga platsen"
        }
        (RuleCode::Tm110, Lang::En) => {
            "A host or token on a data flow is not attributed to any known provider: unknown is not EU-only"
        }
        (RuleCode::Tm110, Lang::Sv) => {
            "En värd eller token i ett dataflöde kan inte knytas till någon känd leverantör: okänt betyder inte att uppgifterna stannar inom EU/EES"
        }
        (RuleCode::Tm111, Lang::En) => {
            "A server on the path is hosted on the network of a company under a third country's law: the hosting or network operator, not the service's provider"
        }
        (RuleCode::Tm111, Lang::Sv) => {
            "En server på vägen finns i nätet hos ett företag som lyder under ett tredjelands lag: drift- eller nätoperatören, inte tjänstens leverantör"
        }
        (RuleCode::Tm201, Lang::En) => {
            "The SPF record needs more than 10 DNS lookups (RFC 7208 §4.6.4): receivers may reject it"
        }
        (RuleCode::Tm201, Lang::Sv) => {
            "SPF-posten kräver fler än 10 DNS-uppslag (RFC 7208 §4.6.4): mottagare kan avvisa den"
        }
    }
}

/// An inferred step in words: the conclusion, its strength and what it
/// rests on.
/// The personal data on a path, in words.
pub fn data_category(c: transfermap_model::finding::DataCategory, lang: Lang) -> &'static str {
    use transfermap_model::finding::DataCategory::*;
    match (c, lang) {
        (MailboxContent, Lang::En) => "mailbox content",
        (MailboxContent, Lang::Sv) => "brevlådornas innehåll",
        (MessageContent, Lang::En) => "messages on their way (headers and content)",
        (MessageContent, Lang::Sv) => "meddelanden på väg (e-posthuvuden och innehåll)",
        (AccountData, Lang::En) => "staff accounts",
        (AccountData, Lang::Sv) => "personalens konton",
        (Metadata, Lang::En) => "metadata (aggregate reports)",
        (Metadata, Lang::Sv) => "metadata (aggregerade rapporter)",
    }
}

/// The inference's strength as one word.
pub fn strength(s: Strength, lang: Lang) -> &'static str {
    match (s, lang) {
        (Strength::Strong, Lang::En) => "strong",
        (Strength::Strong, Lang::Sv) => "stark",
        (Strength::Medium, Lang::En) => "medium",
        (Strength::Medium, Lang::Sv) => "medelstark",
        (Strength::Weak, Lang::En) => "weak",
        (Strength::Weak, Lang::Sv) => "svag",
    }
}

/// The kinds of evidence an inference rests on, in words.
pub fn signals(inf: &Inference, lang: Lang) -> String {
    let words: Vec<&str> = inf
        .signals
        .iter()
        .map(|s| match (s, lang) {
            (Signal::Dkim, Lang::En) => "DKIM selector delegated to it",
            (Signal::Dkim, Lang::Sv) => "DKIM-väljare delegerad dit",
            (Signal::Autodiscover, Lang::En) => "autodiscover points there",
            (Signal::Autodiscover, Lang::Sv) => "autodiscover pekar dit",
            (Signal::TenantHost, Lang::En) => "the domain's own inbound host there exists",
            (Signal::TenantHost, Lang::Sv) => "domänens egen inkommande värd där finns",
            (Signal::SpfInclude, Lang::En) => "SPF includes its senders",
            (Signal::SpfInclude, Lang::Sv) => "SPF inkluderar dess avsändare",
        })
        .collect();
    words.join(", ")
}

pub fn inference(inf: &Inference, lang: Lang) -> String {
    let (strength, signals) = (strength(inf.strength, lang), signals(inf, lang));
    match (inf.rule, lang) {
        (InferenceRule::MailboxBehindGateway, Lang::En) => {
            format!("inferred: the mailbox behind the gateway ({strength}: {signals})")
        }
        (InferenceRule::MailboxBehindGateway, Lang::Sv) => {
            format!("slutsats: brevlådan bakom filtret ({strength}: {signals})")
        }
    }
}

/// A finding's note in words.
pub fn note(n: &Note, lang: Lang) -> String {
    match (n, lang) {
        (Note::Subprocessor { name, function, .. }, Lang::En) => {
            format!("sub-processor {name} ({function})")
        }
        (
            Note::Subprocessor {
                name,
                function,
                function_sv,
            },
            Lang::Sv,
        ) => format!(
            "underbiträde {name} ({})",
            function_sv.as_deref().unwrap_or(function)
        ),
        (
            Note::Disagreement {
                address,
                geolocated,
                registered,
            },
            Lang::En,
        ) => format!("{address}: geolocated {geolocated}, network holder registered {registered}"),
        (
            Note::Disagreement {
                address,
                geolocated,
                registered,
            },
            Lang::Sv,
        ) => format!(
            "{address}: geolokaliserad till {geolocated}, nätets innehavare registrerad i {registered}"
        ),
        (
            Note::Unattributed {
                what,
                name,
                networks,
                holders,
            },
            lang,
        ) => unattributed(*what, name, networks, holders, lang),
        (Note::PossibleArtefact { why }, lang) => artefact(why, lang),
        (Note::LookupLimit { terms, limit }, Lang::En) => format!(
            "the SPF record needs {terms} DNS-querying terms; RFC 7208 §4.6.4 allows {limit} (receivers return permerror)"
        ),
        (Note::LookupLimit { terms, limit }, Lang::Sv) => format!(
            "SPF-posten kräver {terms} termer som frågar DNS; RFC 7208 §4.6.4 tillåter {limit} (mottagare svarar permerror)"
        ),
    }
}

fn artefact(why: &Artefact, lang: Lang) -> String {
    match (why, lang) {
        (Artefact::TinyShare { pct }, Lang::En) => format!(
            "possibly a database artefact: only {pct:.2}% of the network's addresses are placed there; not a reason for safeguards by itself"
        ),
        (Artefact::TinyShare { pct }, Lang::Sv) => format!(
            "möjligen ett fel i databasen: bara {pct:.2} % av nätets adresser placeras där; inte i sig ett skäl för skyddsåtgärder"
        ),
        (
            Artefact::LoneAddress {
                registered,
                neighbours,
            },
            Lang::En,
        ) => format!(
            "possibly a database artefact: the network's holder is registered in {registered} and the networks on either side are placed in {}; not a reason for safeguards by itself",
            neighbours.join(" and ")
        ),
        (
            Artefact::LoneAddress {
                registered,
                neighbours,
            },
            Lang::Sv,
        ) => format!(
            "möjligen ett fel i databasen: nätets innehavare är registrerad i {registered} och näten på båda sidor placeras i {}; inte i sig ett skäl för skyddsåtgärder",
            neighbours.join(" och ")
        ),
    }
}

fn unattributed(
    what: Unknown,
    name: &str,
    networks: &[String],
    holders: &[String],
    lang: Lang,
) -> String {
    let holders = holders.join(", ");
    let count = networks.len();
    let networks = networks.join(", ");
    match (what, lang, holders.is_empty()) {
        (Unknown::Token, Lang::En, _) => {
            format!("verification token `{name}` of a service the maps do not know")
        }
        (Unknown::Token, Lang::Sv, _) => {
            format!("verifieringstoken `{name}` från en tjänst som kunskapsbasen inte känner till")
        }
        (Unknown::Host, Lang::En, true) => {
            format!("{name} is not attributed to any known service or operator")
        }
        (Unknown::Host, Lang::Sv, true) => {
            format!("{name} kan inte knytas till någon känd tjänst eller operatör")
        }
        (Unknown::Host, Lang::En, false) => format!(
            "{name} is in {holders} — not in the maps; add it to the maps or the organisation model"
        ),
        (Unknown::Host, Lang::Sv, false) => format!(
            "{name} finns i {holders} — saknas i kunskapsbasen; lägg till den i kunskapsbasen eller organisationsmodellen"
        ),
        (Unknown::Network, Lang::En, true) => format!(
            "the SPF record of {name} authorises {count} network(s) no map entry explains ({networks}): whoever sends from them is unknown"
        ),
        (Unknown::Network, Lang::Sv, true) => format!(
            "SPF-posten för {name} tillåter {count} nät som ingen post i kunskapsbasen förklarar ({networks}): vem som skickar därifrån är okänt"
        ),
        (Unknown::Network, Lang::En, false) => format!(
            "the SPF record of {name} authorises {count} network(s) no map entry explains ({networks}), announced by {holders}: whose service sends from them is unknown"
        ),
        (Unknown::Network, Lang::Sv, false) => format!(
            "SPF-posten för {name} tillåter {count} nät som ingen post i kunskapsbasen förklarar ({networks}), annonserade av {holders}: vems tjänst som skickar därifrån är okänt"
        ),
        (Unknown::Flattened, Lang::En, _) => format!(
            "the SPF include {name} is kept by an SPF flattening service ({holders}): it stands for senders it does not name, so who sends as the domain through it is unknown"
        ),
        (Unknown::Flattened, Lang::Sv, _) => format!(
            "SPF-inkluderingen {name} hålls av en tjänst som plattar ut SPF-poster ({holders}): den står för avsändare som den inte namnger, så vem som skickar i domänens namn den vägen är okänt"
        ),
        (Unknown::Include, Lang::En, _) => format!(
            "the included SPF record {name} is not attributed to any known provider: the senders it authorises are unknown"
        ),
        (Unknown::Include, Lang::Sv, _) => format!(
            "den inkluderade SPF-posten {name} kan inte knytas till någon känd leverantör: avsändarna den tillåter är okända"
        ),
    }
}

/// An edge of the graph in words, as a path step shows it.
/// A node's name in the output's language: countries by their name in it,
/// the organisation's e-mail ("e-post för …"); other nodes are named by
/// their data (host names, companies, services).
pub fn node_label(
    scan: &transfermap_model::scan::Scan,
    key: &transfermap_model::key::NodeKey,
    lang: Lang,
) -> String {
    use transfermap_model::key::NodeKey;
    match (key, lang) {
        (NodeKey::Country(code), _) => scan.country_name(code, lang),
        (NodeKey::PersonalData(domain), Lang::Sv) => format!("e-post för {domain}"),
        (NodeKey::PersonalData(domain), Lang::En) => format!("e-mail of {domain}"),
        _ => scan.label_of(key),
    }
}

pub fn edge(kind: transfermap_model::graph::EdgeKind, lang: Lang) -> &'static str {
    use transfermap_model::graph::EdgeKind::*;
    match lang {
        Lang::En => kind.label(),
        Lang::Sv => match kind {
            Holds => "har",
            DeliversTo => "levererar till",
            SendsVia => "skickar via",
            Authorises => "tillåter",
            ReportsTo => "rapporterar till",
            ClientAccess => "klientåtkomst",
            HasAccountsAt => "har konton hos",
            Stores => "lagrar i",
            ProcessesIn => "behandlar i",
            SubProcesses => "underbiträde",
            FlowsTo => "lämnar till",
            ResolvesTo => "pekar på adressen",
            AliasOf => "alias för",
            PartOf => "del av",
            AnnouncedBy => "annonseras av",
            OperatedBy => "drivs av",
            OwnedBy => "ägs av",
            LocatedIn => "finns i",
            RegisteredIn => "registrerad i",
            IncorporatedIn => "bolag registrerat i",
            SubjectTo => "lyder under",
        },
    }
}

/// The name of an EU decision in the report's language. The maps name
/// decisions in English; their legal forms have fixed Swedish names.
pub fn decision(name: &str, lang: Lang) -> String {
    match lang {
        Lang::En => name.to_string(),
        Lang::Sv => {
            let mut s = name.to_string();
            for (en, sv) in [
                (
                    "Commission Implementing Decisions",
                    "kommissionens genomförandebeslut",
                ),
                (
                    "Commission Implementing Decision",
                    "kommissionens genomförandebeslut",
                ),
                ("Implementing Decisions", "genomförandebesluten"),
                ("Implementing Decision", "genomförandebeslut"),
                ("Commission Decision", "kommissionens beslut"),
                ("as amended by", "ändrat genom"),
                (
                    "EU-UK Trade and Cooperation Agreement",
                    "handels- och samarbetsavtalet mellan EU och Förenade kungariket",
                ),
                ("Article", "artikel"),
                ("of the published text", "i den offentliggjorda texten"),
                (" and ", " och "),
            ] {
                s = s.replace(en, sv);
            }
            s
        }
    }
}

/// An edge's detail, in the report's language. The analysis writes
/// details in English (`model::graph::detail`); each fixed form is said in
/// Swedish here. What is left is data: a record's text, a DKIM selector, a
/// map pattern, a sub-processor's function as its provider lists it.
pub fn detail(text: &str, lang: Lang) -> String {
    use transfermap_model::graph::detail as d;
    if lang == Lang::En {
        return text.to_string();
    }
    let fixed = match text {
        d::CONTRACTING_ENTITY => Some("avtalspart"),
        d::GEOLOCATED => Some("geolokaliserat"),
        d::DECLARED => Some("uppgivet"),
        d::DECLARED_BY_ORGANISATION => Some("uppgivet av organisationen"),
        d::ORGANISATION_MODEL => Some("organisationens modell"),
        d::OWN_RECORD => Some("organisationens egen post"),
        d::BEHIND_GATEWAY => Some("till brevlådorna bakom filtret (slutsats)"),
        _ => None,
    };
    if let Some(sv) = fixed {
        return sv.to_string();
    }
    if let Some(rest) = text.strip_prefix(d::SHARE_PREFIX)
        && let Some(pct) = rest.strip_suffix(d::SHARE_SUFFIX)
    {
        return format!(
            "geolokaliserat: {} % av dess adresser",
            pct.replace('.', ",")
        );
    }
    if let Some(pattern) = text.strip_prefix(d::FINGERPRINT_PREFIX) {
        return format!("fingeravtryck {pattern}");
    }
    if let Some(who) = text
        .strip_prefix(d::CUSTOMERS_PREFIX)
        .and_then(|r| r.strip_suffix(d::CUSTOMERS_SUFFIX))
    {
        return match who {
            "all" => "uppgivet för alla kunder".to_string(),
            "EU" => "uppgivet för kunder i EU/EES".to_string(),
            cc => format!("uppgivet för kunder i {cc}"),
        };
    }
    text.to_string()
}

/// How a DNS question ended, in the report's language.
pub fn dns_outcome(o: &transfermap_model::evidence::DnsOutcome, lang: Lang) -> String {
    use transfermap_model::evidence::DnsOutcome as O;
    if lang == Lang::En {
        return o.label();
    }
    match o {
        O::Answer => "svar".into(),
        O::NxDomain => "NXDOMAIN: namnet finns inte".into(),
        O::NoData => "inga poster av den typen".into(),
        O::ServFail => "SERVFAIL".into(),
        O::Refused => "REFUSED".into(),
        O::Timeout => "inget svar i tid".into(),
        O::QueryCap(n) => format!("inte frågat: taket på {n} frågor nåddes"),
        O::Truncated(n) => format!("avkortat av servern: bara {n} poster kom"),
        O::Error(e) => format!("fel: {e}"),
    }
}

/// Why a text given as a mail domain is not one, in the report's language.
pub fn domain_name_fault(f: transfermap_model::records::DomainNameFault, lang: Lang) -> String {
    use transfermap_model::records::DomainNameFault as F;
    if lang == Lang::En {
        return f.to_string();
    }
    match f {
        F::Empty => "det är tomt; ange en e-postdomän som exempel.se",
        F::UrlOrAddress => {
            "ange e-postdomänen ensam, t.ex. exempel.se (inte en webbadress eller en e-postadress)"
        }
        F::TooLongOrSpaces => "det är för långt eller innehåller mellanslag",
        F::BadCharacters => {
            "det innehåller tecken som ett domännamn inte kan ha (bokstäver, siffror och bindestreck mellan punkter)"
        }
        F::OneLabel => "en e-postdomän har minst två led, t.ex. exempel.se",
    }
    .to_string()
}

/// How a question or lookup that was not observed ended, in the report's
/// language.
pub fn gap_cause(g: &transfermap_model::scan::Gap, lang: Lang) -> String {
    use transfermap_model::scan::GapCause as C;
    match (&g.cause, lang) {
        (_, Lang::En) => g.outcome.clone(),
        (C::Dns { outcome }, Lang::Sv) => dns_outcome(outcome, lang),
        (C::Geolocation { role, error }, Lang::Sv) => {
            let database = match role.as_str() {
                "geolocated-country" => "databasen för geolokalisering",
                "registry-country" => "registerlandsdatabasen",
                "asn" => "AS-databasen",
                _ => "databasen",
            };
            format!("{database} kunde inte svara ({error})")
        }
    }
}

/// One gap in short (`_dmarc.x.se/TXT: timeout`), in the report's
/// language: for a batch's summary and terminal.
pub fn gap_short(g: &transfermap_model::scan::Gap, lang: Lang) -> String {
    match g.record_type {
        Some(t) => format!("{}/{t}: {}", g.asked, gap_cause(g, lang)),
        None => format!("{}: {}", g.asked, gap_cause(g, lang)),
    }
}

/// The fault of one record behind a problem of the scan, in the report's
/// language (without the record's name in front).
pub fn record_fault(f: &transfermap_model::collection::RecordFault, lang: Lang) -> String {
    use transfermap_model::collection::RecordFault as R;
    match f {
        R::Spf { fault, .. } => spf_fault(fault, lang),
        R::Dmarc { fault } => dmarc_fault(fault, lang),
        R::TlsRpt { fault } => tls_rpt_fault(fault, lang),
    }
}

/// A fault of one SPF record, in the report's language.
pub fn spf_fault(f: &transfermap_model::spf::SpfFault, lang: Lang) -> String {
    use transfermap_model::spf::{SpfFault as F, SpfReach};
    if lang == Lang::En {
        return f.to_string();
    }
    let how = |h: &SpfReach| h.as_str();
    match f {
        F::NoRecord { outcome } => format!("ingen SPF-post ({})", dns_outcome(outcome, lang)),
        F::ManyRecords { count } => format!(
            "{count} SPF-poster (permerror, RFC 7208 §4.5): mottagare använder ingen av dem"
        ),
        F::Invalid { syntax } => format!(
            "posten är inte giltig SPF (permerror, RFC 7208 §4.6): {}; mottagare prövar ingenting i den",
            spf_syntax(syntax, lang)
        ),
        F::Loop {
            how: h,
            target,
            path,
        } => format!(
            "{}-slinga: `{target}` finns redan på vägen {}",
            how(h),
            path.join(" → ")
        ),
        F::TooDeep {
            how: h,
            target,
            max,
        } => format!(
            "{} av `{target}` ligger djupare än {max} nivåer; följs inte",
            how(h)
        ),
        F::LookupCap { cap, term } => {
            format!("stoppade efter {cap} termer som ställer DNS-frågor; `{term}` följs inte")
        }
        F::Macros { term } => format!(
            "`{term}` använder makron, som bara kan fyllas i för ett visst meddelande; följs inte"
        ),
        F::AfterAll { terms } => format!(
            "termer efter `all` prövas aldrig (RFC 7208 §5.1): {}",
            terms.join(" ")
        ),
        F::RedirectIgnored { redirect } => {
            format!("`{redirect}` används inte: posten har `all` (RFC 7208 §6.1)")
        }
    }
}

/// Why a text is not valid SPF, in the report's language.
pub fn spf_syntax(s: &transfermap_model::spf::SpfSyntax, lang: Lang) -> String {
    use transfermap_model::spf::SpfSyntax as S;
    if lang == Lang::En {
        return s.to_string();
    }
    match s {
        S::NotSpf => "börjar inte med `v=spf1`".into(),
        S::Character { character } => format!(
            "posten innehåller {character:?}; en SPF-post är skrivbar ASCII med termerna åtskilda av mellanslag (§3.1, §4.6.1)"
        ),
        S::MacroCharacter { character } => {
            format!("tecknet {character:?} är inte tillåtet här (bara synlig ASCII)")
        }
        S::Percent { next: Some(c) } => {
            format!("`%{c}`: efter `%` ska `{{`, `%`, `_` eller `-` följa")
        }
        S::Percent { next: None } => "ett `%` sist ska skrivas `%%`".into(),
        S::MacroLetter {
            raw,
            explanation_only: true,
        } => format!("makrot `%{{{raw}`: bokstäverna c, r och t får bara stå i förklaringar"),
        S::MacroLetter { raw, .. } => format!("makrot `%{{{raw}`: okänd makrobokstav"),
        S::MacroZeroParts { macro_text } => {
            format!("makrot `%{{{macro_text}`: antalet delar får inte vara noll")
        }
        S::MacroUnexpected { raw, character } => {
            format!("makrot `%{{{raw}…`: oväntat {character:?}")
        }
        S::MacroUnclosed { raw } => format!("makrot `%{{{raw}…` avslutas inte med `}}`"),
        S::EmptyDomain => "tom domän".into(),
        S::DomainEnd { domain } => {
            format!("`{domain}` slutar varken på ett makro eller på `.` och en giltig toppdomän")
        }
        S::Twice { modifier } => format!("`{modifier}=` står två gånger (§6)"),
        S::NeedsDomain { mechanism } => format!("`{mechanism}` kräver `:domän`"),
        S::AllArgument => "`all` tar inget argument".into(),
        S::NoMechanism => "ingen mekanism".into(),
        S::UnknownMechanism { mechanism } => format!("okänd mekanism `{mechanism}`"),
        S::Unexpected { text } => format!("oväntat `{text}`"),
        S::PrefixLength { text, max } => {
            format!("`/{text}` är inte en prefixlängd från 0 till {max}")
        }
        S::NeedsAddress { mechanism } => format!("`{mechanism}` kräver `:adress`"),
        S::NotAnAddress { text, version } => format!("`{text}` är inte en IPv{version}-adress"),
        S::InTerm { term, inner } => format!("`{term}`: {}", spf_syntax(inner, lang)),
    }
}

/// A fault of the DMARC record, in the report's language.
pub fn dmarc_fault(f: &transfermap_model::dmarc::DmarcFault, lang: Lang) -> String {
    use transfermap_model::dmarc::DmarcFault as F;
    match (f, lang) {
        (_, Lang::En) => f.to_string(),
        (F::TagWithoutValue { tag }, Lang::Sv) => format!("tagg utan värde: `{tag}`"),
        (F::NotMailto { tag, uri }, Lang::Sv) => {
            format!("{tag}: `{uri}` är inte en användbar mailto:-adress")
        }
    }
}

/// A fault of the TLS-RPT record, in the report's language.
pub fn tls_rpt_fault(f: &transfermap_model::families::TlsRptFault, lang: Lang) -> String {
    use transfermap_model::families::TlsRptFault as F;
    match (f, lang) {
        (_, Lang::En) => f.to_string(),
        (F::UnusableAddress { uri }, Lang::Sv) => {
            format!("TLS-RPT: `{uri}` är inte en användbar rapportadress")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use transfermap_model::graph::detail as d;

    #[test]
    fn every_detail_the_analysis_writes_is_said_in_swedish() {
        let made = [
            d::fingerprint("*.mail.protection.outlook.com"),
            d::geolocated_share(12.5),
            d::declared_for("*"),
            d::declared_for("EU"),
            d::declared_for("SE"),
        ];
        let all = d::FIXED.iter().map(|s| s.to_string()).chain(made);
        for en in all {
            assert_eq!(detail(&en, Lang::En), en);
            let sv = detail(&en, Lang::Sv);
            assert_ne!(sv, en, "no Swedish for the detail {en:?}");
            for word in [
                "declared",
                "customers",
                "fingerprint",
                "mailboxes",
                "the organisation",
                "contracting",
                "inferred",
                "record",
            ] {
                assert!(!sv.contains(word), "{en:?} -> {sv:?}");
            }
        }
        assert_eq!(
            detail(&d::geolocated_share(12.5), Lang::Sv),
            "geolokaliserat: 12,50 % av dess adresser"
        );
        // Data stays as it is: a record's mechanism, a selector.
        assert_eq!(detail("include", Lang::Sv), "include");
        assert_eq!(detail("DKIM selector1", Lang::Sv), "DKIM selector1");
    }
}
