//! Name resolution for the default transport: the system resolver, except that `localhost` and
//! every name under `.localhost` are the loopback addresses without asking it (RFC 6761 section
//! 6.3, as curl and browsers do). The C library on many Linux systems resolves only `localhost`
//! itself, so without this `https://{vault}.localhost:PORT`, how a local emulator serves several
//! vaults on one port, would fail to resolve.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};

/// The system resolver with `*.localhost` answered as loopback.
#[derive(Clone, Debug)]
pub(crate) struct LoopbackAwareResolver {
    system: GaiResolver,
}

impl Default for LoopbackAwareResolver {
    fn default() -> Self {
        LoopbackAwareResolver {
            system: GaiResolver::new(),
        }
    }
}

/// Whether `host` (a DNS name, any case, maybe with a trailing dot) is `localhost` or under it.
pub(crate) fn is_localhost(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let bytes = host.as_bytes();
    const SUFFIX: &[u8] = b".localhost";
    host.eq_ignore_ascii_case("localhost")
        || (bytes.len() > SUFFIX.len()
            && bytes[bytes.len() - SUFFIX.len()..].eq_ignore_ascii_case(SUFFIX))
}

/// The loopback addresses, IPv4 first (what an emulator bound to `127.0.0.1` listens on).
pub(crate) fn loopback_addresses(port: u16) -> Vec<SocketAddr> {
    vec![
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
        SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port),
    ]
}

impl tower_service::Service<Name> for LoopbackAwareResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        if is_localhost(name.as_str()) {
            // Port 0: the connector sets the URL's port on every address it is given.
            return Box::pin(std::future::ready(Ok(loopback_addresses(0).into_iter())));
        }
        let lookup = self.system.call(name);
        Box::pin(async move { Ok(lookup.await?.collect::<Vec<_>>().into_iter()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_names_are_recognized() {
        for name in [
            "localhost",
            "LOCALHOST",
            "vault.localhost",
            "a.b.Localhost",
            "x.localhost.",
        ] {
            assert!(is_localhost(name), "{name}");
        }
        for name in [
            "localhost.example.com",
            "notlocalhost",
            ".localhost",
            "example.com",
            "",
        ] {
            assert!(!is_localhost(name), "{name}");
        }
    }

    #[tokio::test]
    async fn a_vault_under_localhost_resolves_to_loopback_without_the_system_resolver() {
        use tower_service::Service as _;
        let name: Name = "my-vault.localhost".parse().unwrap();
        let found: Vec<SocketAddr> = LoopbackAwareResolver::default()
            .call(name)
            .await
            .unwrap()
            .collect();
        assert_eq!(found, loopback_addresses(0));
        // Other names still go to the system resolver.
        let name: Name = "127.0.0.1".parse().unwrap();
        let found: Vec<SocketAddr> = LoopbackAwareResolver::default()
            .call(name)
            .await
            .unwrap()
            .collect();
        assert!(found.iter().all(|a| a.ip().is_loopback()) && !found.is_empty());
    }
}
