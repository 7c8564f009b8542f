//! `WWW-Authenticate` parsing (RFC 7235): a list of challenges, each a scheme followed by a
//! token68 or by `name=value` parameters (tokens or quoted strings with `\` escapes).

use std::collections::BTreeMap;

use base64::Engine;

/// One challenge from a `WWW-Authenticate` header, with Key Vault's parameters at hand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Challenge {
    /// The scheme (`Bearer`, `PoP`, ...).
    pub scheme: String,
    /// Every parameter, names lower-cased.
    pub params: BTreeMap<String, String>,
    /// The token68 form, for schemes that use it.
    pub token68: Option<String>,
}

impl Challenge {
    /// A parameter by (case-insensitive) name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The authorization server (`authorization` or `authorization_uri`).
    pub fn authorization_server(&self) -> Option<&str> {
        self.param("authorization")
            .or_else(|| self.param("authorization_uri"))
    }

    /// The resource the token is for (`resource`).
    pub fn resource(&self) -> Option<&str> {
        self.param("resource")
    }

    /// The scope the token is for (`scope`).
    pub fn scope(&self) -> Option<&str> {
        self.param("scope")
    }

    /// The scopes to ask for: `scope`, else `resource` + `/.default`.
    pub fn scopes(&self) -> Option<Vec<String>> {
        if let Some(scope) = self.scope() {
            return Some(scope.split(' ').map(str::to_owned).collect());
        }
        self.resource()
            .map(|r| vec![format!("{}/.default", r.trim_end_matches('/'))])
    }

    /// The tenant: the first path segment of the authorization server's URL.
    pub fn tenant_id(&self) -> Option<String> {
        let server = crate::url::Url::parse(self.authorization_server()?).ok()?;
        server
            .path_segments()?
            .find(|s| !s.is_empty())
            .map(str::to_owned)
    }

    /// The `error` parameter (`insufficient_claims` for a claims challenge).
    pub fn error(&self) -> Option<&str> {
        self.param("error")
    }

    /// The claims a Continuous Access Evaluation challenge demands, decoded from base64 to
    /// JSON; `None` when absent or not decodable.
    pub fn claims(&self) -> Option<String> {
        let raw = self.param("claims")?;
        let trimmed = raw.trim_end_matches('=');
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(trimmed)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed))
            .ok()?;
        String::from_utf8(bytes).ok()
    }
}

/// Parses a `WWW-Authenticate` value into its challenges; malformed trailing input is ignored
/// rather than failing the call (the caller then finds no usable challenge).
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut parser = Parser {
        input: header.as_bytes(),
        pos: 0,
    };
    let mut challenges = Vec::new();
    loop {
        parser.skip_separators();
        let Some(scheme) = parser.token() else {
            break;
        };
        let mut challenge = Challenge {
            scheme,
            ..Challenge::default()
        };
        // `scheme token68` ends at a comma or the end; otherwise parameters follow.
        parser.skip_spaces();
        let save = parser.pos;
        if let Some(t68) = parser.token68() {
            parser.skip_spaces();
            if matches!(parser.peek(), None | Some(b',')) && !t68.is_empty() {
                challenge.token68 = Some(t68);
                challenges.push(challenge);
                continue;
            }
        }
        parser.pos = save;
        // Parameters until the next scheme (a token not followed by `=`) or the end.
        loop {
            parser.skip_separators();
            let save = parser.pos;
            let Some(name) = parser.token() else {
                // Perhaps a token68 (may end in `=`), else nothing more here.
                if let Some(t68) = parser.token68() {
                    challenge.token68 = Some(t68);
                }
                break;
            };
            parser.skip_spaces();
            if parser.peek() == Some(b'=') {
                parser.pos += 1;
                parser.skip_spaces();
                let after = parser.pos;
                // `name=` followed by `=`, `,` or the end is a token68 like `abc==`.
                if matches!(parser.peek(), None | Some(b',') | Some(b'=')) {
                    parser.pos = save;
                    if let Some(t68) = parser.token68() {
                        challenge.token68 = Some(t68);
                    }
                    // A name with characters a token68 cannot have (`!=`) is read as neither:
                    // skip it and its `=`, so every round of this loop consumes input.
                    if parser.pos <= save {
                        parser.pos = after;
                    }
                    continue;
                }
                let value = if parser.peek() == Some(b'"') {
                    parser.quoted()
                } else {
                    parser.token().unwrap_or_default()
                };
                challenge.params.insert(name.to_ascii_lowercase(), value);
            } else {
                // A new challenge begins with this token.
                parser.pos = save;
                break;
            }
        }
        challenges.push(challenge);
    }
    challenges
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn skip_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.pos += 1;
        }
    }

    /// An RFC 7230 token.
    fn token(&mut self) -> Option<String> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            let tchar = c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c);
            if !tchar {
                break;
            }
            self.pos += 1;
        }
        (self.pos > start).then(|| String::from_utf8_lossy(&self.input[start..self.pos]).into())
    }

    /// A token68: token characters plus `/`, then any `=` padding.
    fn token68(&mut self) -> Option<String> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || b"-._~+/".contains(&c) {
                self.pos += 1;
            } else {
                break;
            }
        }
        while self.peek() == Some(b'=') {
            self.pos += 1;
        }
        (self.pos > start).then(|| String::from_utf8_lossy(&self.input[start..self.pos]).into())
    }

    /// A quoted string, unescaped; an unterminated one runs to the end.
    fn quoted(&mut self) -> String {
        self.pos += 1;
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    if let Some(next) = self.peek() {
                        out.push(next);
                        self.pos += 1;
                    }
                }
                _ => out.push(c),
            }
        }
        String::from_utf8_lossy(&out).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_vault_challenge() {
        let c = parse_challenges(
            r#"Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net""#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "Bearer");
        assert_eq!(
            c[0].tenant_id().as_deref(),
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
        );
        assert_eq!(
            c[0].scopes().unwrap(),
            vec!["https://vault.azure.net/.default"]
        );
    }

    #[test]
    fn scope_wins_over_resource_and_authorization_uri_is_accepted() {
        let c = parse_challenges(
            "Bearer authorization_uri=\"https://login.example/tenant-1/oauth2/authorize\",scope=\"https://managedhsm.azure.net/.default\",resource=\"https://managedhsm.azure.net\"",
        );
        assert_eq!(c[0].tenant_id().as_deref(), Some("tenant-1"));
        assert_eq!(
            c[0].scopes().unwrap(),
            vec!["https://managedhsm.azure.net/.default"]
        );
    }

    #[test]
    fn several_challenges_tokens_escapes_and_token68() {
        let c = parse_challenges(
            r#"Negotiate abc+/==, Basic realm="a \"quoted\" realm", Bearer error=insufficient_claims, claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ==""#,
        );
        assert_eq!(c.len(), 3, "{c:?}");
        assert_eq!(c[0].scheme, "Negotiate");
        assert_eq!(c[0].token68.as_deref(), Some("abc+/=="));
        assert_eq!(c[1].param("realm"), Some("a \"quoted\" realm"));
        assert_eq!(c[2].error(), Some("insufficient_claims"));
        assert_eq!(c[2].claims().as_deref(), Some(r#"{"access_token":{}}"#));
    }

    /// Inputs that once made the parameter loop spin forever without consuming input (a
    /// 401 from any host reaches this parser): each must return, quickly.
    #[test]
    fn names_that_are_no_token68_do_not_loop() {
        for input in [
            "Bearer !=",
            "Bearer a!=,",
            "Bearer realm=\"x\", #=",
            "Bearer a!=, b=c",
            "Bearer !=!=!=",
        ] {
            let (done, finished) = std::sync::mpsc::channel();
            let owned = input.to_owned();
            std::thread::spawn(move || {
                let _ = done.send(parse_challenges(&owned));
            });
            let parsed = finished
                .recv_timeout(std::time::Duration::from_secs(5))
                .unwrap_or_else(|_| panic!("parse_challenges({input:?}) does not return"));
            assert_eq!(parsed[0].scheme, "Bearer", "{input}");
        }
        let c = parse_challenges("Bearer a!=, b=c");
        assert_eq!(
            c[0].param("b"),
            Some("c"),
            "parameters after the garbage are kept"
        );
        let c = parse_challenges("Bearer realm=\"x\", #=");
        assert_eq!(c[0].param("realm"), Some("x"));
    }

    #[test]
    fn garbage_does_not_panic() {
        for input in [
            "",
            ",,,",
            "Bearer",
            "Bearer a=",
            "Bearer a=\"unterminated",
            "=x",
            "Bearer ,a=b",
        ] {
            let _ = parse_challenges(input);
        }
        assert_eq!(parse_challenges("Bearer")[0].scheme, "Bearer");
    }
}
