//! Proxies named by the environment (`http_proxy`, `NO_PROXY`), read as curl reads them,
//! against a real `CONNECT` proxy on loopback. A test binary of its own: it sets process-wide environment variables.

use e2e_tests::{ConnectProxy, LoopbackServer, Reply};
use keyvault_identity::{ManagedIdentityCredential, ManagedIdentityId, ManagedIdentityOptions};
use keyvault_runtime::http::{HttpClient, Method, Request, Url};
use keyvault_runtime::transport::{HyperTransport, TransportOptions};
use keyvault_runtime::{TokenCredential, TokenRequest};

async fn send(transport: &HyperTransport, url: String) {
    let response = transport
        .execute(&Request::new(Method::GET, Url::parse(&url).unwrap()))
        .await
        .unwrap();
    assert_eq!(response.status.as_u16(), 200);
}

#[tokio::test]
async fn environment_proxies_are_used_unless_turned_off_excluded_or_for_managed_identity() {
    let server = LoopbackServer::start(Reply::managed_identity_token("mi-token")).await;
    let proxy = ConnectProxy::start().await;
    // The only test in this process: nothing else reads the variables concurrently.
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        std::env::remove_var(name);
    }
    // As in curl, only the lower-case name is read for http URLs (in a CGI program a request's
    // `Proxy:` header sets HTTP_PROXY).
    let decoy = ConnectProxy::start().await;
    std::env::set_var("HTTP_PROXY", &decoy.url);
    std::env::set_var("http_proxy", &proxy.url);

    // On by default: through the proxy.
    let through = HyperTransport::new(&TransportOptions::default()).unwrap();
    send(&through, format!("{}/a", server.url())).await;
    assert_eq!(proxy.heads().len(), 1);

    // Turned off: direct.
    let mut options = TransportOptions::default();
    options.proxy_from_env = false;
    send(
        &HyperTransport::new(&options).unwrap(),
        format!("{}/b", server.url()),
    )
    .await;
    assert_eq!(proxy.heads().len(), 1);

    // Managed identity's endpoints are local: never through a proxy.
    let mut options = ManagedIdentityOptions::default();
    options.app_service = None;
    options.imds_endpoint =
        Url::parse(&format!("{}/metadata/identity/oauth2/token", server.url())).unwrap();
    let credential =
        ManagedIdentityCredential::new(ManagedIdentityId::SystemAssigned, options).unwrap();
    let token = credential
        .get_token(&TokenRequest::new(["https://vault.azure.net/.default"]))
        .await
        .unwrap();
    assert_eq!(token.token.expose(), "mi-token");
    assert_eq!(proxy.heads().len(), 1);

    // Excluded by NO_PROXY (a CIDR range; the URL's host in IPv4 shorthand is the same
    // address): direct.
    std::env::set_var("NO_PROXY", "example.invalid, 127.0.0.0/8");
    let excluded = HyperTransport::new(&TransportOptions::default()).unwrap();
    send(&excluded, format!("{}/c", server.url())).await;
    let port = server.url().rsplit(':').next().unwrap().to_owned();
    send(&excluded, format!("http://127.1:{port}/d")).await;
    assert_eq!(proxy.heads().len(), 1);

    // `no_proxy` wins over `NO_PROXY`; a `*` inside a list is not "everything".
    std::env::set_var("no_proxy", "other.invalid,*");
    let listed = HyperTransport::new(&TransportOptions::default()).unwrap();
    send(&listed, format!("{}/e", server.url())).await;
    assert_eq!(proxy.heads().len(), 2);
    assert!(decoy.heads().is_empty(), "HTTP_PROXY was not used");

    // Every request reached the server.
    let paths: Vec<String> = server.seen().iter().map(|s| s.path().to_owned()).collect();
    assert_eq!(
        paths,
        [
            "/a",
            "/b",
            "/metadata/identity/oauth2/token",
            "/c",
            "/d",
            "/e"
        ]
    );
}
