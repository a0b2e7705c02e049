//! Character references (`&amp;`, `&#40;`) in text read from HTML and XML: UPR Info's
//! exports, office documents' properties.

/// `s` with its character references decoded: the five XML entities (`&amp;`, `&lt;`,
/// `&gt;`, `&quot;`, `&apos;`) and numeric ones (`&#40;`, `&#x28;`). An entity is read only
/// where its `;` stands at most `longest` bytes after its `&`; anything else (a bare `&`,
/// an unknown name, a number that is no character) is kept as it is.
pub fn decode(s: &str, longest: usize) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(';').filter(|e| *e <= longest);
        let decoded = end.and_then(|e| {
            let ent = &tail[1..e];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => ent
                    .strip_prefix('#')
                    .and_then(|n| match n.strip_prefix(['x', 'X']) {
                        Some(h) => u32::from_str_radix(h, 16).ok(),
                        None => n.parse().ok(),
                    })
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &tail[e + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn named_and_numeric_references_decode_and_the_rest_stays() {
        assert_eq!(
            decode("a &amp; b &#40;x&#41; &#x27;y&#X27;", 8),
            "a & b (x) 'y'"
        );
        assert_eq!(decode("&lt;p&gt; &quot;q&quot; &apos;", 8), "<p> \"q\" '");
        assert_eq!(
            decode("&bogus; &#xZZ; & alone &#1114112;", 8),
            "&bogus; &#xZZ; & alone &#1114112;"
        );
        // The `;` must stand within `longest` bytes of the `&`.
        assert_eq!(decode("&#0000040;", 8), "&#0000040;");
        assert_eq!(decode("&#0000040;", 10), "(");
    }
}
