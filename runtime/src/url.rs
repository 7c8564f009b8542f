//! Absolute URLs (`scheme://host[:port]/path?query#fragment`), parsed once and kept as text with
//! the positions of their parts, so reading a part never allocates.
//!
//! Azure's endpoints, token authorities and the links services return are ASCII; a host name
//! with other characters is refused with an error asking for its `xn--` (punycode) form rather
//! than carrying an IDNA implementation and its Unicode tables into every build. Normalisation
//! follows the WHATWG URL rules for the parts that occur here: scheme and host lower-case, the
//! scheme's default port dropped, an empty path becomes `/`, dot segments are resolved, and
//! characters that may not appear raw in a part are percent-encoded.

use std::borrow::Cow;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

/// Characters encoded in a path: controls, space, `"`, `#`, `<`, `>`, `?`, `` ` ``, `{`, `}`.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');
/// Characters encoded in a query of an http(s) URL.
const QUERY: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'\'');
/// Characters encoded in a fragment.
const FRAGMENT: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`');
/// Characters encoded in user information.
const USERINFO: &AsciiSet = &PATH
    .add(b'/')
    .add(b':')
    .add(b';')
    .add(b'=')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'|');
/// Characters encoded in a query parameter's name or value: everything but RFC 3986's
/// unreserved characters.
const COMPONENT: &AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why a text is not a URL this crate accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(Cow<'static, str>);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

fn error(message: impl Into<Cow<'static, str>>) -> ParseError {
    ParseError(message.into())
}

/// The most characters of an input an error message echoes.
const SHOWN_CHARS: usize = 120;

/// An input as error messages show it: user info (which may hold a password) redacted, and
/// at most 120 characters, so a mistaken or hostile value can neither leak a credential nor
/// make a message of megabytes.
pub fn shown_in_errors(input: &str) -> String {
    let text = redact_userinfo(input);
    let count = text.chars().count();
    if count > SHOWN_CHARS {
        let cut: String = text.chars().take(SHOWN_CHARS).collect();
        return format!("{cut}... ({count} characters)");
    }
    text
}

/// `scheme://REDACTED@host...` when a URL (parsed or not) carries credentials.
pub(crate) fn redact_userinfo(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let authority_end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..authority_end].rfind('@') {
        Some(at) => format!("{}REDACTED{}", &url[..start], &url[start + at..]),
        None => url.to_owned(),
    }
}

/// A URL's host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host<'a> {
    /// A registered name, lower-case.
    Domain(&'a str),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 address (written in brackets in the URL).
    Ipv6(Ipv6Addr),
}

/// Scheme, host and port: what decides whether two URLs are the same server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    /// `scheme://host[:port]`, the port only when it is not the scheme's default.
    pub fn ascii_serialization(&self) -> String {
        match self.port {
            Some(port) if Some(port) != default_port(&self.scheme) => {
                format!("{}://{}:{port}", self.scheme, self.host)
            }
            _ => format!("{}://{}", self.scheme, self.host),
        }
    }
}

/// An absolute URL with an authority.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Url {
    text: String,
    /// Where `://` starts.
    scheme_end: usize,
    /// Where the host starts (after any `user:password@`).
    host_start: usize,
    host_end: usize,
    /// An explicit port other than the scheme's default.
    port: Option<u16>,
    path_start: usize,
    /// Where `?` is.
    query_start: Option<usize>,
    /// Where `#` is.
    fragment_start: Option<usize>,
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// `scheme:` at the start of `text`, when it has one.
fn scheme_of(text: &str) -> Option<&str> {
    let end = text.find(':')?;
    let scheme = &text[..end];
    let mut chars = scheme.chars();
    (chars.next()?.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

/// RFC 3986 section 5.2.4: resolves `.` and `..` segments.
fn remove_dot_segments(path: &str) -> Cow<'_, str> {
    let is_dot = |s: &str| s == "." || s.eq_ignore_ascii_case("%2e");
    let is_dot_dot = |s: &str| {
        s.len() <= 6
            && ["..", ".%2e", "%2e.", "%2e%2e"]
                .iter()
                .any(|form| s.eq_ignore_ascii_case(form))
    };
    if !path.split('/').any(|s| is_dot(s) || is_dot_dot(s)) {
        return Cow::Borrowed(path);
    }
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if is_dot(segment) {
            if last {
                out.push("");
            }
        } else if is_dot_dot(segment) {
            out.pop();
            if last {
                out.push("");
            }
        } else {
            out.push(segment);
        }
    }
    Cow::Owned(format!("/{}", out.join("/")))
}

impl Url {
    /// Parses an absolute URL with an authority (`scheme://host...`).
    pub fn parse(input: &str) -> Result<Url, ParseError> {
        let trimmed = input.trim_matches(|c: char| c <= ' ');
        let cleaned: Cow<'_, str> = if trimmed.contains(['\t', '\n', '\r']) {
            Cow::Owned(trimmed.replace(['\t', '\n', '\r'], ""))
        } else {
            Cow::Borrowed(trimmed)
        };
        let input = &*cleaned;
        let scheme = scheme_of(input).ok_or_else(|| error("relative URL without a base"))?;
        let rest = input[scheme.len() + 1..]
            .strip_prefix("//")
            .ok_or_else(|| error("expected `scheme://` followed by a host"))?;
        let scheme = scheme.to_ascii_lowercase();

        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, rest) = rest.split_at(authority_end);
        // Browsers read `\` as `/` here, other parsers as part of the user name: refused, so
        // no two readers can disagree about the host.
        if authority.contains('\\') {
            return Err(error("a backslash in the host part"));
        }
        let (userinfo, host_port) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let (host, port) = split_host_port(host_port)?;
        let host = normalize_host(host, is_special(&scheme))?;
        let port = port.filter(|p| Some(*p) != default_port(&scheme));

        let (before_fragment, fragment) = match rest.find('#') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (path, query) = match before_fragment.find('?') {
            Some(i) => (&before_fragment[..i], Some(&before_fragment[i + 1..])),
            None => (before_fragment, None),
        };

        let mut text = String::with_capacity(input.len() + 8);
        text.push_str(&scheme);
        let scheme_end = text.len();
        text.push_str("://");
        // Empty credentials are dropped (`https://@host`, `https://:@host`): they mean nothing,
        // and HTTP/2 forbids user information in the `:authority` it would end up in.
        if let Some((user, password)) = userinfo.map(|u| u.split_once(':').unwrap_or((u, ""))) {
            if !user.is_empty() || !password.is_empty() {
                text.extend(utf8_percent_encode(user, USERINFO));
                if !password.is_empty() {
                    text.push(':');
                    text.extend(utf8_percent_encode(password, USERINFO));
                }
                text.push('@');
            }
        }
        let host_start = text.len();
        text.push_str(&host);
        let host_end = text.len();
        if let Some(port) = port {
            text.push(':');
            text.push_str(&port.to_string());
        }
        let mut url = Url {
            text,
            scheme_end,
            host_start,
            host_end,
            port,
            path_start: 0,
            query_start: None,
            fragment_start: None,
        };
        url.path_start = url.text.len();
        url.set_path(path);
        url.set_query(query);
        url.set_fragment(fragment);
        Ok(url)
    }

    /// The whole URL.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The scheme, lower-case.
    pub fn scheme(&self) -> &str {
        &self.text[..self.scheme_end]
    }

    /// The user name, empty when there is none.
    pub fn username(&self) -> &str {
        self.userinfo()
            .map(|u| u.split_once(':').map_or(u, |(user, _)| user))
            .unwrap_or("")
    }

    /// The password, when the URL carries one.
    pub fn password(&self) -> Option<&str> {
        self.userinfo()
            .and_then(|u| u.split_once(':'))
            .map(|(_, password)| password)
    }

    /// Whether the URL carries a user name or password.
    pub fn has_credentials(&self) -> bool {
        self.userinfo().is_some()
    }

    fn userinfo(&self) -> Option<&str> {
        let start = self.scheme_end + 3;
        (self.host_start > start).then(|| &self.text[start..self.host_start - 1])
    }

    /// The host as written in the URL (an IPv6 address in brackets), lower-case. Always present:
    /// a URL without a host is refused when parsed.
    pub fn host_str(&self) -> Option<&str> {
        Some(&self.text[self.host_start..self.host_end])
    }

    /// The host, typed.
    pub fn host(&self) -> Option<Host<'_>> {
        let host = &self.text[self.host_start..self.host_end];
        Some(if let Some(v6) = host.strip_prefix('[') {
            Host::Ipv6(v6.trim_end_matches(']').parse().ok()?)
        } else if let Ok(v4) = host.parse::<Ipv4Addr>() {
            Host::Ipv4(v4)
        } else {
            Host::Domain(host)
        })
    }

    /// The port, when the URL names one other than the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The port, or the scheme's default (`http` 80, `https` 443).
    pub fn port_or_known_default(&self) -> Option<u16> {
        self.port.or_else(|| default_port(self.scheme()))
    }

    /// Scheme, host and port.
    pub fn origin(&self) -> Origin {
        Origin {
            scheme: self.scheme().to_owned(),
            host: self.text[self.host_start..self.host_end].to_owned(),
            port: self.port_or_known_default(),
        }
    }

    fn path_end(&self) -> usize {
        self.query_start
            .or(self.fragment_start)
            .unwrap_or(self.text.len())
    }

    /// The path, percent-encoded, starting with `/`.
    pub fn path(&self) -> &str {
        &self.text[self.path_start..self.path_end()]
    }

    /// The path's segments (the text between the `/`s).
    pub fn path_segments(&self) -> Option<std::str::Split<'_, char>> {
        Some(self.path()[1..].split('/'))
    }

    /// The query, without its `?`.
    pub fn query(&self) -> Option<&str> {
        let start = self.query_start? + 1;
        Some(&self.text[start..self.fragment_start.unwrap_or(self.text.len())])
    }

    /// The fragment, without its `#`.
    pub fn fragment(&self) -> Option<&str> {
        Some(&self.text[self.fragment_start? + 1..])
    }

    /// The query's `name=value` pairs, decoded (`+` is a space).
    pub fn query_pairs(&self) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
        self.query()
            .unwrap_or("")
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode_form(name), decode_form(value))
            })
    }

    /// This URL's scheme and authority with `path` and `query` (empty: none) in their place
    /// and no fragment, in one allocation. Both are taken as they are when `set_path` and
    /// `set_query` would leave them so (the request URL builder encodes every segment and
    /// query part itself); otherwise they go through those.
    pub(crate) fn with_path_and_query(&self, path: &str, query: &str) -> Url {
        // The same sets and dot-segment rule as `set_path`/`set_query`, asked whether they
        // would change anything.
        let unchanged = |text: &str, set: &'static AsciiSet| {
            text.is_empty() || utf8_percent_encode(text, set).next() == Some(text)
        };
        let needs_work = !path.starts_with('/')
            || !unchanged(path, PATH)
            || matches!(remove_dot_segments(path), Cow::Owned(_))
            || !unchanged(query, QUERY);
        if needs_work {
            let mut url = self.clone();
            url.set_path(path);
            url.set_query((!query.is_empty()).then_some(query));
            url.set_fragment(None);
            return url;
        }
        let mut text = String::with_capacity(self.path_start + path.len() + 1 + query.len());
        text.push_str(&self.text[..self.path_start]);
        text.push_str(path);
        let query_start = (!query.is_empty()).then(|| {
            let start = text.len();
            text.push('?');
            text.push_str(query);
            start
        });
        Url {
            text,
            scheme_end: self.scheme_end,
            host_start: self.host_start,
            host_end: self.host_end,
            port: self.port,
            path_start: self.path_start,
            query_start,
            fragment_start: None,
        }
    }

    /// Replaces the path: characters that may not appear raw are percent-encoded, dot segments
    /// resolved, and a missing leading `/` added.
    pub fn set_path(&mut self, path: &str) {
        let old_end = self.path_end();
        let tail = self.text.split_off(old_end);
        self.text.truncate(self.path_start);
        let mut encoded = String::with_capacity(path.len() + 1);
        if !path.starts_with('/') {
            encoded.push('/');
        }
        encoded.extend(utf8_percent_encode(path, PATH));
        self.text.push_str(&remove_dot_segments(&encoded));
        let new_end = self.text.len();
        self.text.push_str(&tail);
        let moved = |i: usize| i - old_end + new_end;
        self.query_start = self.query_start.map(moved);
        self.fragment_start = self.fragment_start.map(moved);
    }

    /// Replaces the query (`None` removes it); characters that may not appear raw are
    /// percent-encoded.
    pub fn set_query(&mut self, query: Option<&str>) {
        let fragment = self.fragment_start.map(|i| self.text.split_off(i));
        self.text.truncate(self.path_end());
        self.query_start = query.map(|query| {
            let start = self.text.len();
            self.text.push('?');
            self.text.extend(utf8_percent_encode(query, QUERY));
            start
        });
        self.fragment_start = fragment.map(|fragment| {
            let start = self.text.len();
            self.text.push_str(&fragment);
            start
        });
    }

    /// Replaces the fragment (`None` removes it).
    pub fn set_fragment(&mut self, fragment: Option<&str>) {
        if let Some(start) = self.fragment_start {
            self.text.truncate(start);
        }
        self.fragment_start = fragment.map(|fragment| {
            let start = self.text.len();
            self.text.push('#');
            self.text.extend(utf8_percent_encode(fragment, FRAGMENT));
            start
        });
    }

    /// Appends `name=value` to the query, both encoded (everything but RFC 3986's unreserved
    /// characters).
    pub fn append_query_pair(&mut self, name: &str, value: &str) {
        let mut query = self.query().unwrap_or("").to_owned();
        if !query.is_empty() {
            query.push('&');
        }
        query.extend(utf8_percent_encode(name, COMPONENT));
        query.push('=');
        query.extend(utf8_percent_encode(value, COMPONENT));
        self.set_query(Some(&query));
    }

    /// Resolves a reference against this URL (RFC 3986 section 5): an absolute URL stands for
    /// itself; `//host/...` keeps the scheme; `/path`, `?query`, `#fragment` and relative paths
    /// replace the parts from there on.
    ///
    /// As WHATWG (and so browsers and the `url` crate) read references: tabs and newlines are
    /// dropped before anything is decided, and in a special scheme's URL (`http`, `https`, ...)
    /// a `\` before the query is a `/` (`\\evil.example/x` names another host).
    pub fn join(&self, reference: &str) -> Result<Url, ParseError> {
        let reference = reference.trim_matches(|c: char| c <= ' ');
        let mut cleaned = Cow::Borrowed(reference);
        if reference.contains(['\t', '\n', '\r']) {
            cleaned = Cow::Owned(reference.replace(['\t', '\n', '\r'], ""));
        }
        if is_special(self.scheme()) && scheme_of(&cleaned).is_none() {
            let before_query = cleaned.find(['?', '#']).unwrap_or(cleaned.len());
            if cleaned[..before_query].contains('\\') {
                let (head, tail) = cleaned.split_at(before_query);
                cleaned = Cow::Owned(format!("{}{tail}", head.replace('\\', "/")));
            }
        }
        let reference = &*cleaned;
        if scheme_of(reference).is_some() {
            return Url::parse(reference);
        }
        if reference.starts_with("//") {
            return Url::parse(&format!("{}:{reference}", self.scheme()));
        }
        let origin = &self.text[..self.path_start];
        let joined = match reference.chars().next() {
            None => format!("{origin}{}{}", self.path(), self.query_part()),
            Some('/') => format!("{origin}{reference}"),
            Some('?') => format!("{origin}{}{reference}", self.path()),
            Some('#') => format!("{origin}{}{}{reference}", self.path(), self.query_part()),
            Some(_) => {
                let path = self.path();
                let directory = &path[..path.rfind('/').map_or(0, |i| i + 1)];
                format!("{origin}{directory}{reference}")
            }
        };
        Url::parse(&joined)
    }

    fn query_part(&self) -> &str {
        match self.query_start {
            Some(start) => &self.text[start..self.fragment_start.unwrap_or(self.text.len())],
            None => "",
        }
    }
}

/// Splits `host[:port]`, the host possibly an IPv6 literal in brackets.
fn split_host_port(host_port: &str) -> Result<(&str, Option<u16>), ParseError> {
    let (host, port) = if host_port.starts_with('[') {
        let close = host_port
            .find(']')
            .ok_or_else(|| error("an IPv6 host is missing its `]`"))?;
        let after = &host_port[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => return Err(error("unexpected text after the IPv6 host")),
        };
        (&host_port[..=close], port)
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(digits) => Some(
            digits
                .parse::<u16>()
                .ok()
                .filter(|_| digits.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| error(format!("invalid port `{}`", shown_in_errors(digits))))?,
        ),
    };
    Ok((host, port))
}

/// The WHATWG "special" schemes, whose hosts are domains or IP addresses (others' are opaque).
fn is_special(scheme: &str) -> bool {
    matches!(scheme, "http" | "https" | "ws" | "wss" | "ftp" | "file")
}

/// Lower-cases and checks a host; IPv6 literals are written in their canonical form. In a
/// special scheme's URL, a host ending in a number is an IPv4 address in any of the forms
/// WHATWG (and the C library's resolver) read: `127.1`, `0x7f.1`, `2130706433`, `0177.0.0.1`
/// all become `127.0.0.1`, so loopback checks and `NO_PROXY` rules see the address the
/// connection goes to; one that is not a valid address (`1.2.3.4.5`, `a.256`) is refused.
fn normalize_host(host: &str, special: bool) -> Result<String, ParseError> {
    if host.is_empty() {
        return Err(error("empty host"));
    }
    if let Some(inner) = host.strip_prefix('[') {
        let address: Ipv6Addr = inner
            .trim_end_matches(']')
            .parse()
            .map_err(|_| error(format!("invalid IPv6 address `{}`", shown_in_errors(host))))?;
        return Ok(format!("[{address}]"));
    }
    if !host.is_ascii() {
        return Err(error(format!(
            "the host `{}` is not ASCII; give an internationalized name in its `xn--` (punycode) form",
            shown_in_errors(host)
        )));
    }
    if let Some(bad) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
    {
        return Err(error(format!(
            "invalid character `{}` in the host `{}`",
            bad.escape_default(),
            shown_in_errors(host)
        )));
    }
    if special && ends_in_number(host) {
        return parse_ipv4(host).map(|ip| ip.to_string()).ok_or_else(|| {
            error(format!(
                "the host `{}` ends in a number but is not an IPv4 address",
                shown_in_errors(host)
            ))
        });
    }
    Ok(host.to_ascii_lowercase())
}

/// WHATWG's "ends in a number" check: the last label (after dropping one trailing dot) is
/// decimal digits, or `0x` followed by hex digits.
fn ends_in_number(host: &str) -> bool {
    let host = host
        .strip_suffix('.')
        .filter(|h| !h.is_empty())
        .unwrap_or(host);
    let last = host.rsplit('.').next().unwrap_or("");
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    last.strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// WHATWG's IPv4 parser: up to four parts, each decimal, octal (leading `0`) or hex (`0x`);
/// all but the last at most 255, the last filling the remaining bytes.
fn parse_ipv4(host: &str) -> Option<Ipv4Addr> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let parts: Vec<&str> = host.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let numbers = parts
        .iter()
        .map(|part| ipv4_number(part))
        .collect::<Option<Vec<u64>>>()?;
    let (last, leading) = numbers.split_last()?;
    if leading.iter().any(|n| *n > 255) || *last >= 256u64.pow(5 - numbers.len() as u32) {
        return None;
    }
    let mut address = *last;
    for (i, n) in leading.iter().enumerate() {
        address += n << (8 * (3 - i));
    }
    u32::try_from(address).ok().map(Ipv4Addr::from)
}

/// One part of an IPv4 address: `0x` hex, `0` octal, else decimal (at most 2^32 - 1: larger
/// is never valid, and the bound keeps the arithmetic from overflowing).
fn ipv4_number(part: &str) -> Option<u64> {
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() {
        // `0x` alone is 0; an empty part (`1..2`) is not a number.
        return (radix == 16).then_some(0);
    }
    u64::from_str_radix(digits, radix)
        .ok()
        .filter(|n| *n <= u64::from(u32::MAX))
}

/// Decodes an `application/x-www-form-urlencoded` name or value.
fn decode_form(text: &str) -> Cow<'_, str> {
    if text.contains('+') {
        Cow::Owned(
            percent_decode_str(&text.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned(),
        )
    } else {
        percent_decode_str(text).decode_utf8_lossy()
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Shown with query values other than `api-version` redacted: SAS tokens and similar ride in
/// query strings.
impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&crate::http::RedactedUrl(self), f)
    }
}

impl FromStr for Url {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Url::parse(s)
    }
}

impl AsRef<str> for Url {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl serde::Serialize for Url {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Url {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(deserializer)?;
        Url::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_and_normalizes() {
        let u = url("HTTPS://MyVault.Vault.Azure.NET:443");
        assert_eq!(u.as_str(), "https://myvault.vault.azure.net/");
        assert_eq!(u.scheme(), "https");
        assert_eq!(u.host_str(), Some("myvault.vault.azure.net"));
        assert_eq!(u.port(), None);
        assert_eq!(u.port_or_known_default(), Some(443));
        assert_eq!(u.path(), "/");
        assert_eq!(u.query(), None);

        let u = url("http://127.0.0.1:8080/secrets/a b?api-version=7.6&x=<1>#frag ment");
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:8080/secrets/a%20b?api-version=7.6&x=%3C1%3E#frag%20ment"
        );
        assert_eq!(u.port(), Some(8080));
        assert_eq!(u.host(), Some(Host::Ipv4(Ipv4Addr::LOCALHOST)));
        assert_eq!(u.path(), "/secrets/a%20b");
        assert_eq!(u.query(), Some("api-version=7.6&x=%3C1%3E"));
        assert_eq!(u.fragment(), Some("frag%20ment"));

        let u = url("https://[0:0::1]:9443/k");
        assert_eq!(u.as_str(), "https://[::1]:9443/k");
        assert_eq!(u.host(), Some(Host::Ipv6(Ipv6Addr::LOCALHOST)));

        let u = url("https://user:p%40ss@h.example/a/./b/../c");
        assert_eq!(u.username(), "user");
        assert_eq!(u.password(), Some("p%40ss"));
        assert!(u.has_credentials());
        // Only the first `:` separates user from password; empty credentials are dropped.
        let colons = url("https://a:b:c:d:e:f:g:h:i:j@h.example/");
        assert_eq!(colons.password(), Some("b%3Ac%3Ad%3Ae%3Af%3Ag%3Ah%3Ai%3Aj"));
        assert!(http::Uri::try_from(colons.as_str()).is_ok());
        for empty in ["https://@h.example", "https://:@h.example"] {
            let plain = url(empty);
            assert_eq!(plain.as_str(), "https://h.example/", "{empty}");
            assert!(!plain.has_credentials());
        }
        assert_eq!(u.host_str(), Some("h.example"));
        assert_eq!(u.path(), "/a/c");
        assert_eq!(u.path_segments().unwrap().collect::<Vec<_>>(), ["a", "c"]);
    }

    #[test]
    fn refuses_what_is_not_an_absolute_url_with_a_host() {
        for (bad, why) in [
            ("", "relative"),
            ("/secrets/a", "relative"),
            ("myvault.vault.azure.net", "relative"),
            ("https:/x", "scheme://"),
            ("https://", "empty host"),
            ("https://:443/", "empty host"),
            ("https://h:99999/", "invalid port"),
            ("https://h:-1/", "invalid port"),
            ("https://h:+1/", "invalid port"),
            ("https://bücher.example/", "xn--"),
            ("https://a b/", "invalid character"),
            ("https://[::1/", "`]`"),
            ("https://[zz]/", "IPv6"),
            ("https://vault.azure.net\\@attacker.example/", "backslash"),
        ] {
            let e = Url::parse(bad).expect_err(bad);
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn joins_references() {
        let base = url("https://v.vault.azure.net/secrets/a/b?x=1#f");
        for (reference, expected) in [
            ("https://w.example/n?y", "https://w.example/n?y"),
            ("//w.example/n", "https://w.example/n"),
            (
                "/keys?\u{a0}$skiptoken=2",
                "https://v.vault.azure.net/keys?%C2%A0$skiptoken=2",
            ),
            ("?y=2", "https://v.vault.azure.net/secrets/a/b?y=2"),
            ("#g", "https://v.vault.azure.net/secrets/a/b?x=1#g"),
            ("", "https://v.vault.azure.net/secrets/a/b?x=1"),
            ("c", "https://v.vault.azure.net/secrets/a/c"),
            ("../c", "https://v.vault.azure.net/secrets/c"),
            ("../../../../c", "https://v.vault.azure.net/c"),
            ("./", "https://v.vault.azure.net/secrets/a/"),
        ] {
            assert_eq!(
                base.join(reference).unwrap().as_str(),
                expected,
                "{reference}"
            );
        }
    }

    #[test]
    fn numeric_hosts_are_ipv4_addresses_as_whatwg_reads_them() {
        for (written, address) in [
            ("http://127.1/", "127.0.0.1"),
            ("http://0x7f.1/", "127.0.0.1"),
            ("http://2130706433/", "127.0.0.1"),
            ("http://0177.0.0.1/", "127.0.0.1"),
            ("http://0x7F.0.0.1./", "127.0.0.1"),
            ("https://10.0x1.2/", "10.1.0.2"),
            ("https://0/", "0.0.0.0"),
            ("https://4294967295/", "255.255.255.255"),
        ] {
            let u = url(written);
            assert_eq!(u.host_str(), Some(address), "{written}");
            assert!(matches!(u.host(), Some(Host::Ipv4(_))), "{written}");
        }
        for bad in [
            "http://1.2.3.4.5/",
            "http://256.1.1.1/",
            "http://4294967296/",
            "http://a.256/",
            "http://1..2/",
            "http://0x100.1.1.1/",
            "http://09/",
        ] {
            let e = Url::parse(bad).expect_err(bad);
            assert!(e.to_string().contains("not an IPv4 address"), "{bad}: {e}");
        }
        // Names that merely contain digits stay names; other schemes' hosts are opaque.
        assert_eq!(url("https://1x.example/").host_str(), Some("1x.example"));
        assert_eq!(url("https://v.0x1g/").host_str(), Some("v.0x1g"));
        assert_eq!(url("custom://127.1/").host_str(), Some("127.1"));
    }

    #[test]
    fn join_reads_tabs_and_backslashes_as_whatwg_does() {
        let base = url("https://v.vault.azure.net/secrets/a");
        for (reference, expected) in [
            ("\\\\evil.example/x", "https://evil.example/x"),
            ("/\t/evil.example/x", "https://evil.example/x"),
            ("\\keys\\k?q=\\", "https://v.vault.azure.net/keys/k?q=\\"),
            ("ht\ntps://w.example/", "https://w.example/"),
        ] {
            assert_eq!(
                base.join(reference).map(|u| u.to_string()),
                Ok(expected.to_owned()),
                "{reference:?}"
            );
        }
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let a = url("https://v.vault.azure.net/a");
        assert_eq!(
            a.origin(),
            url("https://V.vault.azure.net:443/b?c").origin()
        );
        assert_ne!(a.origin(), url("http://v.vault.azure.net/a").origin());
        assert_ne!(a.origin(), url("https://v.vault.azure.net:8443/a").origin());
        assert_eq!(
            url("http://127.0.0.1:8080/x")
                .origin()
                .ascii_serialization(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            a.origin().ascii_serialization(),
            "https://v.vault.azure.net"
        );
    }

    #[test]
    fn edits_keep_the_parts_in_place() {
        let mut u = url("https://h/a?q=1#f");
        u.set_path("/x y/z");
        assert_eq!(u.as_str(), "https://h/x%20y/z?q=1#f");
        assert_eq!(u.query(), Some("q=1"));
        assert_eq!(u.fragment(), Some("f"));
        u.set_path("");
        assert_eq!(u.as_str(), "https://h/?q=1#f");
        u.set_query(None);
        assert_eq!(u.as_str(), "https://h/#f");
        u.append_query_pair("api-version", "7.6");
        u.append_query_pair("a b", "c&d=e");
        assert_eq!(u.as_str(), "https://h/?api-version=7.6&a%20b=c%26d%3De#f");
        assert_eq!(
            u.query_pairs().collect::<Vec<_>>(),
            [
                (Cow::from("api-version"), Cow::from("7.6")),
                (Cow::from("a b"), Cow::from("c&d=e"))
            ]
        );
        u.set_fragment(None);
        assert_eq!(u.as_str(), "https://h/?api-version=7.6&a%20b=c%26d%3De");
        u.set_path("/p");
        assert_eq!(u.path(), "/p");
        assert_eq!(u.query(), Some("api-version=7.6&a%20b=c%26d%3De"));
    }

    #[test]
    fn with_path_and_query_matches_setting_each_part() {
        let bases = [
            "https://vault.example:8443/base?old=1#frag",
            "https://user:pw@[::1]/",
            "http://127.0.0.1",
        ];
        let parts = [
            ("/secrets/a%2Fb/", "api-version=7.6"),
            ("/keys/k1", ""),
            // Each of these needs the slow path: encoding, dot segments, no leading slash.
            ("/a b/c", "x=1 2"),
            ("/a/./b/../c", "q=\"'"),
            ("/a/%2e%2E/b", "x=1"),
            ("/a/.%2e", ""),
            ("relative", "a=b"),
            ("/caf\u{e9}", "v=\u{e9}"),
            ("/tab\tin", "#hash"),
        ];
        for base in bases {
            let base = url(base);
            for (path, query) in parts {
                let mut expected = base.clone();
                expected.set_path(path);
                expected.set_query((!query.is_empty()).then_some(query));
                expected.set_fragment(None);
                let built = base.with_path_and_query(path, query);
                assert_eq!(built.as_str(), expected.as_str(), "{base:?} {path} {query}");
                assert_eq!(built, expected, "{path} {query}: the parts' positions");
                assert_eq!(
                    built,
                    url(built.as_str()),
                    "{path} {query}: reparses the same"
                );
            }
        }
    }

    #[test]
    fn serde_round_trip_and_debug_redacts_query_values() {
        let u = url("https://h/a?api-version=1&sig=secret");
        let json = serde_json::to_string(&u).unwrap();
        assert_eq!(json, r#""https://h/a?api-version=1&sig=secret""#);
        assert_eq!(serde_json::from_str::<Url>(&json).unwrap(), u);
        assert!(serde_json::from_str::<Url>(r#""not a url""#).is_err());
        let debug = format!("{u:?}");
        assert!(!debug.contains("secret"), "{debug}");
        assert!(debug.contains("api-version=1"), "{debug}");
    }

    #[test]
    fn arbitrary_text_never_panics_and_parsing_is_idempotent() {
        const PIECES: &[&str] = &[
            "https://", "http://", "h", "V", ".", "..", "/", "?", "#", "@", ":", "[", "]", "::1",
            "%", "%2e", "%zz", "a b", "é", "\t", "8080", "99999", "&", "=", "+", "x", "//",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let base = url("https://v.vault.azure.net/a/b?c=d");
        let mut parsed_count = 0;
        for _ in 0..20_000 {
            let text: String = (0..next() % 9)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            if let Ok(parsed) = Url::parse(&text) {
                parsed_count += 1;
                let again = Url::parse(parsed.as_str())
                    .unwrap_or_else(|e| panic!("{text:?} -> {parsed}: {e}"));
                assert_eq!(again.as_str(), parsed.as_str(), "{text:?}");
                let _ = (parsed.query_pairs().count(), parsed.host(), parsed.origin());
            }
            if let Ok(joined) = base.join(&text) {
                assert!(joined.path().starts_with('/'), "{text:?}");
            }
        }
        // The generator must reach valid URLs often enough for the round trip to be tested.
        assert!(parsed_count > 200, "only {parsed_count} texts parsed");
    }
}
