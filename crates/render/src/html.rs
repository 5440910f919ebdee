//! Self-contained HTML: one file, the diagram embedded as SVG, styles that
//! print cleanly, so "print to PDF" gives an annex. The body is the same
//! Markdown the `.md` output holds, converted with pulldown-cmark; that
//! Markdown already escapes everything that came from DNS, and raw HTML in
//! it is disabled here as a second guard.

use pulldown_cmark::{Event, Options, Parser, Tag, html};

const STYLE: &str = r#"
:root { --ink: #1d2430; --muted: #5b6575; --line: #d9dde3; --accent: #c0392b; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink); margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 2rem 1.5rem 4rem; }
h1 { font-size: 1.7rem; border-bottom: 3px solid var(--ink); padding-bottom: .3rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin-top: 1.6rem; }
table { border-collapse: collapse; width: 100%; font-size: .86rem; margin: .6rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .3rem .45rem; vertical-align: top; text-align: left; }
th { background: #f3f5f8; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Consolas, monospace; font-size: .85em; }
pre { background: #f6f8fa; padding: .7rem; overflow-x: auto; }
li { margin: .15rem 0; }
ol li ul { color: var(--muted); font-size: .84rem; overflow-wrap: anywhere; }
figure.map { margin: 1rem 0 2rem; border: 1px solid var(--line); padding: .5rem; overflow-x: auto; }
figure.map svg { max-width: 100%; height: auto; }
figure.map figcaption { color: var(--muted); font-size: .85rem; }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.side-by-side figure.map { margin: 0; }
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  h3, table, figure.map { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  figure.map { border: none; }
  /* The detailed map is wide: its own landscape page. */
  section.detail { page: landscape; break-before: page; }
  section.detail figure.map svg { max-height: 17cm; }
}
@page landscape { size: A4 landscape; margin: 1cm; }
@page { size: A4; margin: 1.6cm; }
"#;

/// Escape text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in crate::text::visible(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Graphviz's SVG without its XML prolog and doctype, for inline use.
pub fn inline_svg(svg: &[u8]) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    match String::from_utf8_lossy(svg) {
        Cow::Borrowed(text) => Cow::Borrowed(text.find("<svg").map_or("", |i| &text[i..])),
        Cow::Owned(text) => Cow::Owned(text.find("<svg").map_or("", |i| &text[i..]).to_string()),
    }
}

/// The detailed map in the page's appendix: drawn, or why not.
pub enum Detail<'a> {
    Drawn(&'a [u8]),
    Omitted(String),
}

/// One HTML page from report Markdown, the board-level map after the
/// opening section, and the detailed map in an appendix at the end (on a
/// landscape page when printed).
pub fn page(
    title: &str,
    markdown: &str,
    svg: Option<&[u8]>,
    caption: &str,
    detail: Option<&Detail<'_>>,
    lang: transfermap_model::Lang,
) -> String {
    let mut events: Vec<Event<'_>> = Parser::new_ext(markdown, Options::ENABLE_TABLES)
        .map(|event| match event {
            // Inline or block HTML in the Markdown is shown as text, never run.
            Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
            other => other,
        })
        .collect();
    // A finding's heading ("F12") gets the id its links point at (#f12),
    // as GitHub gives it when the Markdown is read there.
    for i in 1..events.len() {
        let id = match (&events[i - 1], &events[i]) {
            (Event::Start(Tag::Heading { id: None, .. }), Event::Text(t))
                if t.len() > 1
                    && t.starts_with('F')
                    && t[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                Some(t.to_lowercase())
            }
            _ => None,
        };
        if let (Some(id), Event::Start(Tag::Heading { id: slot, .. })) = (id, &mut events[i - 1]) {
            *slot = Some(id.into());
        }
    }
    let mut body = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut body, events.into_iter());
    // The board-level map goes after the opening section (the lead).
    let at = body
        .find("<h2")
        .and_then(|i| body[i + 3..].find("<h2").map(|j| i + 3 + j));
    let (lead, rest) = body.split_at(at.unwrap_or(body.len()));
    let heading = match lang {
        transfermap_model::Lang::En => "Appendix: the detailed map",
        transfermap_model::Lang::Sv => "Bilaga: den detaljerade kartan",
    };
    let lang_code = match lang {
        transfermap_model::Lang::En => "en",
        transfermap_model::Lang::Sv => "sv",
    };
    // One buffer for the page: the body and the SVGs are most of it.
    let svg_len = svg.map_or(0, <[u8]>::len)
        + match detail {
            Some(Detail::Drawn(s)) => s.len(),
            _ => 0,
        };
    let mut out = String::with_capacity(STYLE.len() + body.len() + svg_len + 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"");
    out.push_str(lang_code);
    out.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    out.push_str(&escape(title));
    out.push_str("</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<main>\n");
    out.push_str(lead);
    if let Some(s) = svg {
        out.push_str("<figure class=\"map\" id=\"transfer-map\">");
        out.push_str(&inline_svg(s));
        out.push_str("<figcaption>");
        out.push_str(&escape(caption));
        out.push_str("</figcaption></figure>");
    }
    out.push_str(rest);
    match detail {
        None => {}
        Some(Detail::Drawn(s)) => {
            out.push_str("<section class=\"detail\" id=\"detailed-map\"><h2>");
            out.push_str(heading);
            out.push_str("</h2><figure class=\"map\">");
            out.push_str(&inline_svg(s));
            out.push_str("</figure></section>");
        }
        Some(Detail::Omitted(why)) => {
            out.push_str("<section id=\"detailed-map\"><h2>");
            out.push_str(heading);
            out.push_str("</h2><p>");
            out.push_str(&escape(why));
            out.push_str("</p></section>");
        }
    }
    out.push_str("\n</main>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_in_markdown_is_shown_as_text() {
        let p = page(
            "t",
            "# T\n\n<script>alert(1)</script>\n\nx <b>y</b>",
            None,
            "",
            None,
            transfermap_model::Lang::En,
        );
        assert!(!p.contains("<script>alert"));
        assert!(!p.contains("<b>y"));
        assert!(p.contains("&lt;script&gt;"));
    }

    #[test]
    fn svg_is_inlined_without_prolog() {
        let svg = b"<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<svg width=\"1\"></svg>";
        let p = page(
            "t",
            "# T\n\n## A\n\n## B\n",
            Some(svg),
            "cap",
            Some(&Detail::Drawn(svg)),
            transfermap_model::Lang::Sv,
        );
        assert!(p.contains(
            "id=\"detailed-map\"><h2>Bilaga: den detaljerade kartan</h2><figure class=\"map\"><svg"
        ));
        assert!(p.contains("<figure class=\"map\" id=\"transfer-map\"><svg width=\"1\"></svg>"));
        assert!(!p.contains("<?xml"));
        assert!(p.contains("lang=\"sv\""));
    }
}
