//! Which proxy a connection goes through, and the two ways through one: an HTTP `CONNECT`
//! tunnel or SOCKS5. The environment is read as curl reads it (see
//! [`TransportOptions::proxy_from_env`](crate::transport::TransportOptions::proxy_from_env)).
//!
//! hyper-util's proxy matcher is not used: it lets `HTTPS_PROXY` win over `https_proxy`, reads
//! a `*` anywhere in `NO_PROXY` as "every host", and its tunnel reports any refusal but 407 as
//! "unsuccessful", dropping the proxy's status. Its SOCKS5 connector is used as it is.

use std::net::IpAddr;

use base64::Engine;

/// A proxy URL's kinds that can carry TLS end to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProxyKind {
    /// `http://`: a `CONNECT` tunnel.
    HttpConnect,
    /// `socks5://` (names resolved here) or `socks5h://` (resolved by the proxy).
    Socks5 {
        /// The proxy resolves host names (`socks5h`).
        remote_dns: bool,
    },
}

/// One proxy, parsed.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Proxy {
    pub(crate) kind: ProxyKind,
    /// Host (IPv6 in brackets) and port, for connecting and for messages.
    pub(crate) authority: String,
    /// User name and password, percent-decoded.
    pub(crate) credentials: Option<(String, String)>,
}

/// Credentials stay out of Debug output.
impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("kind", &self.kind)
            .field("authority", &self.authority)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "REDACTED"),
            )
            .finish()
    }
}

impl Proxy {
    /// Parses `[scheme://][user:password@]host[:port]`: no scheme means `http://`; a missing
    /// port is the scheme's (80, or 1080 for SOCKS). `https://` and SOCKS4 proxies are refused
    /// with the reason.
    pub(crate) fn parse(text: &str) -> Result<Proxy, String> {
        let text = text.trim();
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("http://{text}")
        };
        let url = crate::url::Url::parse(&with_scheme).map_err(|e| {
            format!(
                "`{}` is not a URL like http://host:port ({e})",
                crate::url::shown_in_errors(text)
            )
        })?;
        let (kind, default_port) = match url.scheme() {
            "http" => (ProxyKind::HttpConnect, 80),
            "socks5" => (ProxyKind::Socks5 { remote_dns: false }, 1080),
            "socks5h" => (ProxyKind::Socks5 { remote_dns: true }, 1080),
            other => {
                return Err(format!(
                    "scheme `{}` is not supported; give an http:// proxy (its CONNECT tunnel carries TLS end to end) or a socks5:// or socks5h:// one",
                    crate::url::shown_in_errors(other)
                ))
            }
        };
        if url.path() != "/" || url.query().is_some() {
            return Err(format!(
                "`{}` has a path or query; a proxy is only scheme, host and port",
                crate::url::shown_in_errors(text)
            ));
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let credentials = url
            .has_credentials()
            .then(|| (decode(url.username()), decode(url.password().unwrap_or(""))));
        let port = url.port().unwrap_or(default_port);
        Ok(Proxy {
            kind,
            authority: format!("{}:{port}", url.host_str().unwrap_or("")),
            credentials,
        })
    }

    /// The `Proxy-Authorization` value for a `CONNECT` (RFC 7617 Basic).
    pub(crate) fn basic_auth(&self) -> Option<String> {
        self.credentials.as_ref().map(|(user, password)| {
            let pair = format!("{user}:{password}");
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        })
    }
}

/// Every environment variable [`ProxyRules::from_env`] reads.
pub(crate) const ENVIRONMENT: [&str; 7] = [
    "https_proxy",
    "HTTPS_PROXY",
    "http_proxy",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// The proxies the environment names, and the hosts that bypass them.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProxyRules {
    /// For `https` URLs; an error when the variable's value cannot be used (reported when a
    /// connection needs it, not when a client is built).
    https: Option<Result<Proxy, String>>,
    /// For `http` URLs.
    http: Option<Result<Proxy, String>>,
    no_proxy: NoProxy,
}

impl ProxyRules {
    /// The environment as curl reads it: `https_proxy` or `HTTPS_PROXY` for `https` URLs,
    /// `http_proxy` for `http` URLs (only lower-case: `HTTP_PROXY` can be set by a request's
    /// `Proxy` header in CGI programs), then `all_proxy` or `ALL_PROXY`; `no_proxy` or
    /// `NO_PROXY` for the exceptions. The lower-case name wins; an empty value counts as unset.
    pub(crate) fn from_env() -> ProxyRules {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The same from any lookup (tests).
    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> ProxyRules {
        let first = |names: &[&'static str]| -> Option<(&'static str, String)> {
            names.iter().find_map(|name| {
                lookup(name)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (*name, v))
            })
        };
        let parse = |found: Option<(&str, String)>| {
            found.map(|(name, value)| Proxy::parse(&value).map_err(|e| format!("{name}: {e}")))
        };
        let all = ["all_proxy", "ALL_PROXY"];
        ProxyRules {
            https: parse(first(&["https_proxy", "HTTPS_PROXY"]).or_else(|| first(&all))),
            http: parse(first(&["http_proxy"]).or_else(|| first(&all))),
            no_proxy: NoProxy::parse(
                &first(&["no_proxy", "NO_PROXY"])
                    .map(|(_, v)| v)
                    .unwrap_or_default(),
            ),
        }
    }

    /// Every host through one proxy.
    pub(crate) fn all(proxy: Proxy) -> ProxyRules {
        ProxyRules {
            https: Some(Ok(proxy.clone())),
            http: Some(Ok(proxy)),
            no_proxy: NoProxy::default(),
        }
    }

    /// The proxy for a URL's scheme and host, if any.
    pub(crate) fn proxy_for(&self, scheme: &str, host: &str) -> Option<&Result<Proxy, String>> {
        let proxy = match scheme {
            "https" => self.https.as_ref(),
            "http" => self.http.as_ref(),
            _ => None,
        }?;
        (!self.no_proxy.matches(host)).then_some(proxy)
    }
}

/// `NO_PROXY`, as curl reads it: a `*` as the whole value bypasses every host; otherwise a
/// list separated by commas or blanks of host names (each matching itself and its subdomains;
/// a leading dot changes nothing; trailing dots and case are ignored), IP addresses (matching
/// exactly) and IP ranges in CIDR notation (`10.0.0.0/8`, `fd00::/8`). An entry with a port is
/// compared as written, so it never matches (curl has no per-port rules either).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy {
    everything: bool,
    entries: Vec<String>,
}

impl NoProxy {
    /// Parses a `NO_PROXY` value.
    pub fn parse(value: &str) -> NoProxy {
        let value = value.trim();
        if value == "*" {
            return NoProxy {
                everything: true,
                entries: Vec::new(),
            };
        }
        let entries = value
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .map(|entry| entry.trim_start_matches('.').trim_end_matches('.'))
            .filter(|entry| !entry.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        NoProxy {
            everything: false,
            entries,
        }
    }

    /// Whether a connection to `host` (a name, an IPv4 address, or an IPv6 address with or
    /// without brackets) goes direct.
    pub fn matches(&self, host: &str) -> bool {
        if self.everything {
            return true;
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return self.entries.iter().any(|entry| ip_matches(entry, ip));
        }
        let name = host.trim_end_matches('.').to_ascii_lowercase();
        self.entries.iter().any(|entry| {
            name == *entry
                || (name.len() > entry.len()
                    && name.ends_with(entry.as_str())
                    && name.as_bytes()[name.len() - entry.len() - 1] == b'.')
        })
    }
}

/// An address against one entry: the same address, or inside the entry's CIDR range.
fn ip_matches(entry: &str, ip: IpAddr) -> bool {
    let entry = entry.trim_start_matches('[');
    let (address, bits) = match entry.split_once('/') {
        Some((address, bits)) => match bits.parse::<u8>() {
            Ok(bits) => (address, Some(bits)),
            Err(_) => return false,
        },
        None => (entry, None),
    };
    let Ok(network) = address.trim_end_matches(']').parse::<IpAddr>() else {
        return false;
    };
    match (network, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            prefix_equal(u128::from(u32::from(n)), u128::from(u32::from(a)), 32, bits)
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => prefix_equal(u128::from(n), u128::from(a), 128, bits),
        _ => false,
    }
}

/// Whether the first `bits` of two `width`-bit numbers agree (all of them without `bits`).
fn prefix_equal(network: u128, address: u128, width: u32, bits: Option<u8>) -> bool {
    let bits = u32::from(bits.unwrap_or(width as u8));
    if bits > width {
        return false;
    }
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (network >> shift) == (address >> shift)
}

/// How a proxy answered a `CONNECT`, from the bytes read so far: `Ok(None)` when the head is
/// not complete yet, else the status, the reason phrase and the head's length.
#[doc(hidden)]
pub fn read_connect_reply(bytes: &[u8]) -> Result<Option<(u16, String, usize)>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(bytes) {
        Ok(httparse::Status::Partial) => Ok(None),
        Ok(httparse::Status::Complete(length)) => Ok(Some((
            response.code.unwrap_or(0),
            response.reason.unwrap_or("").chars().take(80).collect(),
            length,
        ))),
        Err(e) => Err(format!("the proxy's answer is not an HTTP response ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_list_names_every_variable_read() {
        let read = std::sync::Mutex::new(Vec::new());
        let _ = ProxyRules::from_lookup(|name| {
            read.lock().unwrap().push(name.to_owned());
            None
        });
        let mut read = read.into_inner().unwrap();
        read.sort();
        read.dedup();
        let mut listed: Vec<String> = ENVIRONMENT.iter().map(|s| s.to_string()).collect();
        listed.sort();
        assert_eq!(
            read, listed,
            "a shared transport's key must cover what it read"
        );
    }
    use std::collections::HashMap;

    fn rules(vars: &[(&str, &str)]) -> ProxyRules {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProxyRules::from_lookup(|name| vars.get(name).cloned())
    }

    fn authority(rules: &ProxyRules, scheme: &str, host: &str) -> Option<String> {
        rules
            .proxy_for(scheme, host)
            .map(|p| p.as_ref().unwrap().authority.clone())
    }

    #[test]
    fn the_lower_case_variable_wins_and_http_proxy_is_only_read_in_lower_case() {
        let r = rules(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:2"),
            ("HTTP_PROXY", "http://cgi-set:3"),
            ("ALL_PROXY", "socks5h://all:4"),
        ]);
        assert_eq!(
            authority(&r, "https", "v.example").as_deref(),
            Some("lower:2")
        );
        assert_eq!(authority(&r, "http", "v.example").as_deref(), Some("all:4"));
        let r = rules(&[("HTTPS_PROXY", "upper:8080"), ("https_proxy", " ")]);
        assert_eq!(
            authority(&r, "https", "v.example").as_deref(),
            Some("upper:8080"),
            "an empty value is unset; no scheme means http"
        );
        assert!(rules(&[]).proxy_for("https", "v.example").is_none());
    }

    #[test]
    fn no_proxy_reads_as_curl_does() {
        let n = NoProxy::parse(".Example.com, internal. 10.0.0.0/8,fd00::/8 192.168.1.5 *,::1");
        for host in [
            "example.com",
            "www.example.com",
            "WWW.EXAMPLE.COM.",
            "internal",
            "a.internal",
            "10.1.2.3",
            "[fd12::1]",
            "192.168.1.5",
            "[::1]",
        ] {
            assert!(n.matches(host), "{host}");
        }
        for host in [
            "badexample.com",
            "example.com.evil",
            "11.0.0.1",
            "192.168.1.6",
            "[fe80::1]",
            "other.example",
        ] {
            assert!(!n.matches(host), "{host}");
        }
        assert!(NoProxy::parse(" * ").matches("anything.example"));
        // A `*` in a list is just an entry, and matches no real host.
        assert!(!NoProxy::parse("a.example,*").matches("b.example"));
        assert!(!NoProxy::parse("").matches("a.example"));
        assert!(!NoProxy::parse("10.0.0.0/99,1.2.3.4/x").matches("10.0.0.1"));
        assert!(NoProxy::parse("0.0.0.0/0").matches("8.8.8.8"));
    }

    #[test]
    fn proxy_urls_are_checked_and_their_credentials_hidden() {
        let p = Proxy::parse("http://al%40ice:s3cret@proxy.example").unwrap();
        assert_eq!(p.authority, "proxy.example:80");
        assert_eq!(p.credentials, Some(("al@ice".into(), "s3cret".into())));
        assert!(!format!("{p:?}").contains("s3cret"));
        assert_eq!(
            Proxy::parse("socks5://[::1]").unwrap().kind,
            ProxyKind::Socks5 { remote_dns: false }
        );
        assert_eq!(Proxy::parse("socks5h://p:9").unwrap().authority, "p:9");
        for (bad, why) in [
            ("https://p:443", "scheme `https`"),
            ("socks4://p", "scheme `socks4`"),
            ("http://p:3128/path", "path"),
            ("http://user:pw@[zz]", "not a URL"),
        ] {
            let e = Proxy::parse(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
            assert!(!e.contains("pw@"), "{e}");
        }
    }

    #[test]
    fn connect_replies_are_read_whole_or_not_at_all() {
        assert_eq!(read_connect_reply(b"HTTP/1.1 200 Conn"), Ok(None));
        assert_eq!(
            read_connect_reply(
                b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n"
            ),
            Ok(Some((407, "Proxy Authentication Required".into(), 73)))
        );
        assert!(read_connect_reply(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
    }
}
