//! Pictures and text exports: deterministic SVG of pathway maps (swimlanes by organisation),
//! Making Data Count SPC charts and discovered process maps, and Mermaid / Graphviz DOT text.
//! Every piece of user text is escaped, so a step named `<script>` is drawn as text.

pub mod layout;
pub mod log_map;
pub mod pathway_map;
pub mod simulation_chart;
pub mod spc_chart;
pub mod text;

use std::fmt::Write as _;

/// Characters that reorder the text around them (the "Trojan Source" controls): a step name
/// holding one can make a picture or an export read differently from what is stored.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
    )
}

/// `text` without bidirectional control characters, for text exports. O(len).
pub fn without_bidi_controls(text: &str) -> String {
    text.chars().filter(|&c| !is_bidi_control(c)).collect()
}

/// Escapes text for SVG/XML content and attribute values, dropping control characters and
/// bidirectional controls. O(len).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c if is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// A number for SVG coordinates: at most one decimal, no `-0`.
pub(crate) fn n(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 {
        return "0".into();
    }
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// Shortens text to `max` characters with an ellipsis.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A small SVG writer: elements appended to a string.
pub(crate) struct Svg {
    out: String,
}

impl Svg {
    pub fn new(width: f64, height: f64, title: &str) -> Self {
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}" font-family="Arial, Helvetica, sans-serif" font-size="12">"#,
            w = n(width),
            h = n(height),
            t = escape(title)
        );
        let _ = write!(out, "<title>{}</title>", escape(title));
        Self { out }
    }

    pub fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        let _ = write!(
            self.out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" {attrs}/>"#,
            n(x),
            n(y),
            n(w),
            n(h)
        );
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, attrs: &str) {
        let _ = write!(
            self.out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" {attrs}/>"#,
            n(x1),
            n(y1),
            n(x2),
            n(y2)
        );
    }

    pub fn text(&mut self, x: f64, y: f64, text: &str, attrs: &str) {
        let _ = write!(
            self.out,
            r#"<text x="{}" y="{}" {attrs}>{}</text>"#,
            n(x),
            n(y),
            escape(text)
        );
    }

    pub fn circle(&mut self, x: f64, y: f64, r: f64, attrs: &str) {
        let _ = write!(
            self.out,
            r#"<circle cx="{}" cy="{}" r="{}" {attrs}/>"#,
            n(x),
            n(y),
            n(r)
        );
    }

    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

/// Minutes for a label: `45 min`, `2.5 h`, `3.2 d`.
pub(crate) fn minutes_label(minutes: f64) -> String {
    if minutes >= 1440.0 {
        format!("{:.1} d", minutes / 1440.0)
    } else if minutes >= 60.0 {
        format!("{:.1} h", minutes / 60.0)
    } else {
        format!("{minutes:.0} min")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_numbers_are_stable() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        // Issue 12: bidirectional controls reordered the words drawn and exported.
        assert_eq!(
            escape("Triage \u{202e}enilno\u{202c} \u{2067}x\u{2069}"),
            "Triage enilno x"
        );
        assert_eq!(without_bidi_controls("a\u{200f}b\u{2066}c"), "abc");
        assert_eq!(n(-0.01), "0");
        assert_eq!(n(12.0), "12");
        assert_eq!(n(12.26), "12.3");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(minutes_label(90.0), "1.5 h");
    }
}
